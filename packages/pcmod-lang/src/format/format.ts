/**
 * `pcmod fmt`: rewrites a module in the one canonical layout (see print-module.ts) and quotes legacy bare
 * words. Comments are kept. Formatting never changes meaning: the output parses to the same tree, with
 * bare words turned into string literals. Text with syntax errors is returned untouched.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { parse } from '../parser/parse.js';
import { UnprintableError } from './print-expression.js';
import { printModule } from './print-module.js';

export interface FormatResult {
  /** The formatted text, or the input itself when it could not be formatted. */
  readonly text: string;
  /** True when `text` differs from the input. */
  readonly changed: boolean;
  /** The parser's diagnostics; any error among them means the text was left as it was. */
  readonly diagnostics: Diagnostic[];
}

/** Formats `text` (`file` names it in diagnostics). Idempotent: formatting the output again changes nothing. */
export function format(text: string, file: string): FormatResult {
  const parsed = parse(text, file);
  const unchanged = { text, changed: false, diagnostics: parsed.diagnostics };
  if (parsed.diagnostics.some((d) => d.severity === 'error' && d.code.startsWith('PCM1'))) return unchanged;
  let output: string;
  try {
    output = printModule(parsed.ast, text);
  } catch (error) {
    // A recovered node without a syntax error would be a parser bug; keeping the text loses nothing.
    if (error instanceof UnprintableError) return unchanged;
    throw error;
  }
  return { text: output, changed: output !== text, diagnostics: parsed.diagnostics };
}
