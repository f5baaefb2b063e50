/**
 * The only way script-supplied text enters generated source: as a JavaScript string literal.
 */

/**
 * Quotes `text` as a JavaScript string literal that is safe anywhere in generated code.
 *
 * `JSON.stringify` escapes quotes, backslashes and control characters (and lone surrogates since
 * ES2019); U+2028/U+2029 are escaped on top because they end a line in a `//` comment and in source
 * maps' line counting; `</` and `<!--` are escaped so generated code can be embedded in an HTML page.
 */
export function jsString(text: string): string {
  return JSON.stringify(text)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
    .replace(/<\//g, '<\\/')
    .replace(/<!--/g, '\\u003c!--');
}

/** A finite number as a JavaScript literal; negative numbers are parenthesised so `-` never doubles. */
export function jsNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot emit non-finite number ${value}`);
  const text = String(value === 0 ? 0 : value);
  return value < 0 ? `(${text})` : text;
}
