/**
 * Output of the parser. State: **parsed** — syntax diagnostics collected, AST complete (with
 * `ErrorExpr` placeholders where the parser recovered).
 */
import type { ModuleNode } from '../ast/nodes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export interface ParseResult {
  readonly file: string;
  readonly text: string;
  readonly ast: ModuleNode;
  /** PCM1xxx diagnostics (lexing, parsing, limits). */
  readonly diagnostics: Diagnostic[];
}
