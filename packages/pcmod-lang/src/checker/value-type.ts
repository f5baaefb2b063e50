/**
 * The types the checker reasons with: every pcmod type plus two checker-only states.
 * `error` marks an expression already diagnosed (or a parser placeholder) so that no further
 * diagnostic is reported because of it; `list<?>` is the empty list literal, which fits any list.
 */
import type { PcType } from '../stdlib/types.js';
import { isAssignable } from '../stdlib/types.js';

export type CheckType = PcType | 'error' | 'list<?>';

/** The type recorded in `CheckResult.types` (undefined for `error`). */
export function publicType(t: CheckType): PcType | undefined {
  if (t === 'error') return undefined;
  if (t === 'list<?>') return 'list<str>';
  return t;
}

export function isNumeric(t: CheckType): boolean {
  return t === 'int' || t === 'duration' || t === 'size';
}

export function isList(t: CheckType): boolean {
  return t === 'list<str>' || t === 'list<int>' || t === 'list<?>';
}

/** Element type of a list type; `error` for the empty list (it has none yet). */
export function elementOf(t: CheckType): CheckType {
  if (t === 'list<str>') return 'str';
  if (t === 'list<int>') return 'int';
  return 'error';
}

/** Whether `from` fits where `to` is expected; `error` fits everywhere so that mistakes do not cascade. */
export function fits(from: CheckType, to: CheckType): boolean {
  if (from === 'error' || to === 'error') return true;
  if (from === 'list<?>') return isList(to);
  if (to === 'list<?>') return isList(from);
  return isAssignable(from, to);
}

/**
 * Whether two values may be compared with `==`, `<`, … Plain integers compare with durations and sizes
 * (they mean seconds and bytes); a duration never compares with a size.
 */
export function comparable(a: CheckType, b: CheckType): boolean {
  if (a === 'error' || b === 'error') return true;
  if (isNumeric(a) && isNumeric(b)) return a === b || a === 'int' || b === 'int';
  return fits(a, b) || fits(b, a);
}

/** How a type is named in messages. */
export function showType(t: CheckType): string {
  return t === 'list<?>' ? 'list' : t;
}
