/**
 * Output of the checker. State: **checked** — names resolved, expressions typed, phases and effects
 * verified. The emitter only runs on a result without errors (parse + check).
 */
import type { ExprNode, LetNode, ModuleNode, NameRefNode } from '../ast/nodes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { ConfigFieldSchema } from '../runtime/contract.js';
import type { PcType, RequestField } from '../stdlib/types.js';

/** Header values with defaults applied (version "0.0.0", priority 100 when absent). */
export interface ModuleHeader {
  readonly name: string;
  readonly version: string;
  readonly priority: number;
  readonly overrides: readonly string[];
}

export type NameResolution =
  | { readonly kind: 'let'; readonly decl: LetNode }
  | { readonly kind: 'field'; readonly field: RequestField };

export interface CheckResult {
  readonly file: string;
  readonly ast: ModuleNode;
  /** PCM2xxx–PCM4xxx diagnostics (parse diagnostics are not repeated here). */
  readonly diagnostics: Diagnostic[];
  readonly header: ModuleHeader;
  /** Config fields with their evaluated defaults, in declaration order. */
  readonly configSchema: ConfigFieldSchema[];
  /** Type of every expression the checker could type. */
  readonly types: WeakMap<ExprNode, PcType>;
  /** What each bare name in an expression refers to. */
  readonly names: WeakMap<NameRefNode, NameResolution>;
}
