/**
 * Scanning and decoding of pcmod string literals.
 *
 * A string may contain `${expr}` parts, and `expr` may itself contain strings (`"${header("X")}"`), so the
 * extent of a string is found by a small state machine with an explicit stack — never by recursion, so
 * pathological nesting cannot overflow the call stack. Strings never span lines.
 */

/** Where a string starting at `start` ends (exclusive) and whether it was closed before the line end. */
export interface StringExtent {
  readonly end: number;
  readonly terminated: boolean;
}

/**
 * Deepest string/interpolation nesting the scanner follows. Beyond it the string is treated as plain
 * (closing at the next quote), which bounds the work per string so hostile input stays linear.
 */
const MAX_FRAMES = 130;

const QUOTE = 34;
const BACKSLASH = 92;
const DOLLAR = 36;
const LBRACE = 123;
const RBRACE = 125;
const LF = 10;
const CR = 13;

/**
 * Finds the end of the interpolation-aware string that starts with the quote at `start`. When the
 * interpolation-aware scan runs off the line (e.g. `"${x"`), falls back to the first unescaped quote so a
 * broken `${` is diagnosed inside an otherwise closed string rather than swallowing the line.
 */
export function scanStringExtent(text: string, start: number): StringExtent {
  // After an interpolation-aware scan has failed, later strings on the same line are scanned plainly:
  // this keeps lexing linear on hostile lines such as `"${"}"${"}"…` (that line is already in error).
  if (text === failedText && start > failedFrom && start < failedTo) return scanPlain(text, start + 1);
  const nested = scanNested(text, start + 1);
  if (nested.terminated) return nested;
  failedText = text;
  failedFrom = start;
  failedTo = nested.end;
  return scanPlain(text, start + 1);
}

let failedText: string | undefined;
let failedFrom = -1;
let failedTo = -1;

function scanPlain(text: string, from: number): StringExtent {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === LF || c === CR) return { end: i, terminated: false };
    if (c === BACKSLASH) {
      const n = text.charCodeAt(i + 1);
      i += n === LF || n === CR || Number.isNaN(n) ? 1 : 2;
      continue;
    }
    if (c === QUOTE) return { end: i + 1, terminated: true };
    i++;
  }
  return { end: i, terminated: false };
}

/**
 * Scans from `from` (just after an opening quote). Frames alternate between
 * "inside a string" (value -1) and "inside `${…}`" (value = brace depth ≥ 0). Returns when the outermost
 * string closes, or at the line end.
 */
function scanNested(text: string, from: number): StringExtent {
  const frames: number[] = [-1];
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === LF || c === CR) return { end: i, terminated: false };
    const top = frames[frames.length - 1] as number;
    if (top === -1) {
      if (c === BACKSLASH) {
        const n = text.charCodeAt(i + 1);
        i += n === LF || n === CR || Number.isNaN(n) ? 1 : 2;
        continue;
      }
      if (c === QUOTE) {
        frames.pop();
        i++;
        if (frames.length === 0) return { end: i, terminated: true };
        continue;
      }
      if (c === DOLLAR && text.charCodeAt(i + 1) === LBRACE) {
        if (frames.length >= MAX_FRAMES) return { end: i, terminated: false };
        frames.push(0);
        i += 2;
        continue;
      }
      i++;
      continue;
    }
    if (c === QUOTE) frames.push(-1);
    else if (c === LBRACE) {
      if (top >= MAX_FRAMES) return { end: i, terminated: false };
      frames[frames.length - 1] = top + 1;
    } else if (c === RBRACE) {
      if (top === 0) frames.pop();
      else frames[frames.length - 1] = top - 1;
    }
    i++;
  }
  return { end: i, terminated: false };
}

/** Finds the `}` closing a `${` whose body starts at `from`, within `[from, limit)`; -1 if none. */
export function findInterpolationEnd(text: string, from: number, limit: number): number {
  const frames: number[] = [0];
  let i = from;
  while (i < limit) {
    const c = text.charCodeAt(i);
    const top = frames[frames.length - 1] as number;
    if (top === -1) {
      if (c === BACKSLASH) {
        i += 2;
        continue;
      }
      if (c === QUOTE) frames.pop();
      else if (c === DOLLAR && text.charCodeAt(i + 1) === LBRACE) {
        frames.push(0);
        i += 2;
        continue;
      }
      i++;
      continue;
    }
    if (c === QUOTE) frames.push(-1);
    else if (c === LBRACE) frames[frames.length - 1] = top + 1;
    else if (c === RBRACE) {
      if (top === 0) {
        frames.pop();
        if (frames.length === 0) return i;
      } else frames[frames.length - 1] = top - 1;
    }
    i++;
  }
  return -1;
}

/** One piece of a decoded string; offsets are relative to the start of the token (the opening quote). */
export type StringSegment =
  | { readonly kind: 'text'; readonly value: string; readonly start: number; readonly end: number }
  | { readonly kind: 'field'; readonly name: string; readonly start: number; readonly end: number }
  | {
      readonly kind: 'expr';
      readonly source: string;
      readonly start: number;
      readonly end: number;
      readonly bodyStart: number;
    }
  | { readonly kind: 'broken'; readonly start: number; readonly end: number };

/** A problem found while decoding, relative to the token start. */
export type StringProblem =
  | { readonly kind: 'escape'; readonly char: string; readonly start: number; readonly end: number }
  | { readonly kind: 'interpolation'; readonly detail: string; readonly start: number; readonly end: number };

export interface DecodedString {
  readonly segments: StringSegment[];
  readonly problems: StringProblem[];
  /** True when the string has `$name` or `${…}` parts. */
  readonly interpolated: boolean;
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', t: '\t', r: '\r', $: '$' };
const NAME_START = /[A-Za-z_]/;
const NAME_REST = /\w/;

/**
 * Decodes a string token image (with its opening quote, and its closing quote when `terminated`) into
 * text, `$field` and `${expr}` segments, resolving escapes.
 */
export function decodeString(image: string, terminated: boolean): DecodedString {
  const segments: StringSegment[] = [];
  const problems: StringProblem[] = [];
  const limit = terminated ? image.length - 1 : image.length;
  let interpolated = false;
  let text = '';
  let textStart = 1;
  const flush = (end: number): void => {
    if (text !== '' || end > textStart) segments.push({ kind: 'text', value: text, start: textStart, end });
    text = '';
  };
  let i = 1;
  while (i < limit) {
    const c = image[i] as string;
    if (c === '\\') {
      const next = image[i + 1];
      if (next === undefined || i + 1 >= limit) {
        text += '\\';
        i++;
        continue;
      }
      const resolved = ESCAPES[next];
      if (resolved === undefined) {
        problems.push({ kind: 'escape', char: next, start: i, end: i + 2 });
        text += next;
      } else text += resolved;
      i += 2;
      continue;
    }
    if (c === '$' && i + 1 < limit && NAME_START.test(image[i + 1] as string)) {
      flush(i);
      let j = i + 2;
      while (j < limit && NAME_REST.test(image[j] as string)) j++;
      segments.push({ kind: 'field', name: image.slice(i + 1, j), start: i, end: j });
      interpolated = true;
      i = j;
      textStart = j;
      continue;
    }
    if (c === '$' && image[i + 1] === '{' && i + 1 < limit) {
      flush(i);
      interpolated = true;
      const close = findInterpolationEnd(image, i + 2, limit);
      if (close < 0) {
        problems.push({ kind: 'interpolation', detail: "'${' is not closed by '}'.", start: i, end: limit });
        segments.push({ kind: 'broken', start: i, end: limit });
        i = limit;
        textStart = limit;
        continue;
      }
      const source = image.slice(i + 2, close);
      if (source.trim() === '') {
        problems.push({ kind: 'interpolation', detail: "'${}' is empty.", start: i, end: close + 1 });
        segments.push({ kind: 'broken', start: i, end: close + 1 });
      } else segments.push({ kind: 'expr', source, start: i, end: close + 1, bodyStart: i + 2 });
      i = close + 1;
      textStart = i;
      continue;
    }
    text += c;
    i++;
  }
  flush(limit);
  return { segments, problems, interpolated };
}
