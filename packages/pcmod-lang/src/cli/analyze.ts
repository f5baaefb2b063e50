/**
 * Parse and check of one source text, as `pcmod check` and `pcmod compile --emit ts` need them: the
 * phases of `compile()` without the emit step. The checker runs on a recovered tree too (it skips
 * `ErrorExpr` placeholders), so a typo in one handler does not hide type errors in another.
 */
import { check } from '../checker/check.js';
import type { CheckResult } from '../checker/check-result.js';
import { type Diagnostic, sortDiagnostics } from '../diagnostics/diagnostic.js';
import { parse } from '../parser/parse.js';

export interface Analysis {
  readonly checked: CheckResult;
  /** Parse and check diagnostics, sorted. */
  readonly diagnostics: Diagnostic[];
}

export function analyze(text: string, file: string): Analysis {
  const parsed = parse(text, file);
  const checked = check(parsed);
  return { checked, diagnostics: sortDiagnostics([...parsed.diagnostics, ...checked.diagnostics]) };
}
