/**
 * The diagnostics of one source text as `pcmod check` reports them: syntax first; the checker runs only on
 * a file that parsed cleanly, so one typo does not cascade into a page of type errors.
 */
import { check } from '../checker/check.js';
import { type Diagnostic, hasErrors, sortDiagnostics } from '../diagnostics/diagnostic.js';
import { parse } from '../parser/parse.js';

export function analyze(text: string, file: string): Diagnostic[] {
  const parsed = parse(text, file);
  if (hasErrors(parsed.diagnostics)) return sortDiagnostics(parsed.diagnostics);
  return sortDiagnostics([...parsed.diagnostics, ...check(parsed).diagnostics]);
}
