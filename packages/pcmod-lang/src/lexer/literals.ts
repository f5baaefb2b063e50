/**
 * Values of numeric literals: integers and quantities (`30s`, `500ms`, `16MiB`).
 * Durations are normalised to seconds, sizes to bytes. `KB`/`MB`/`GB` are decimal (1000),
 * `KiB`/`MiB`/`GiB` binary (1024), as in IEC 80000-13.
 */

/** Unit → [quantity, factor]. */
const UNITS: ReadonlyMap<string, readonly ['duration' | 'size', number]> = new Map([
  ['ms', ['duration', 0.001]],
  ['s', ['duration', 1]],
  ['m', ['duration', 60]],
  ['h', ['duration', 3600]],
  ['d', ['duration', 86400]],
  ['B', ['size', 1]],
  ['KB', ['size', 1e3]],
  ['MB', ['size', 1e6]],
  ['GB', ['size', 1e9]],
  ['TB', ['size', 1e12]],
  ['KiB', ['size', 1024]],
  ['MiB', ['size', 1024 ** 2]],
  ['GiB', ['size', 1024 ** 3]],
  ['TiB', ['size', 1024 ** 4]],
] as const);

/** The integer value of a digit string, or undefined when it exceeds `Number.MAX_SAFE_INTEGER`. */
export function parseInteger(digits: string): number | undefined {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : undefined;
}

export interface ParsedQuantity {
  /** Undefined when the unit is unknown. */
  readonly kind: 'duration' | 'size' | undefined;
  /** Normalised value (seconds or bytes); NaN when the unit is unknown. */
  readonly value: number;
  /** Index where the unit starts in the literal. */
  readonly unitStart: number;
  /** False when the number part is not a safe integer. */
  readonly safe: boolean;
}

/** Splits `16MiB` into number and unit and normalises it. */
export function parseQuantity(text: string): ParsedQuantity {
  let unitStart = 0;
  while (unitStart < text.length && text.charCodeAt(unitStart) >= 48 && text.charCodeAt(unitStart) <= 57)
    unitStart++;
  const amount = Number(text.slice(0, unitStart));
  const unit = UNITS.get(text.slice(unitStart));
  const safe = Number.isSafeInteger(amount);
  if (unit === undefined) return { kind: undefined, value: Number.NaN, unitStart, safe };
  return { kind: unit[0], value: amount * unit[1], unitStart, safe };
}

/** Units accepted in quantity literals (for docs and completion). */
export const quantityUnits: readonly string[] = [...UNITS.keys()];
