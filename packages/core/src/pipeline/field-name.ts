/**
 * Field names, validated and lower-cased once: request heads (the HTTP/1.1 fast lane) and scripts
 * (`ProxyExchange.setHeader`) name the same few fields over and over, so the check and the lower-case copy
 * are remembered instead of redone per request.
 */

/** RFC 9110 §5.6.2 token characters: the field names node:http accepts. */
export const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** RFC 9110 §5.5 field-value characters: no CR, LF or NUL; obs-text allowed, as node allows it. */
export const fieldValueRe = /^[\t\x20-\x7e\x80-\xff]*$/;

const lowerNames = new Map<string, string>();
/** Bound on remembered names; the map is emptied when a peer or a module produces names without end. */
const maxNames = 512;

/** `name` lower-cased when it is a valid field name, else undefined. */
export function lowerFieldName(name: string): string | undefined {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    if (!tokenRe.test(name)) return undefined;
    lower = name.toLowerCase();
    if (lowerNames.size >= maxNames) lowerNames.clear();
    lowerNames.set(name, lower);
  }
  return lower;
}

/** Whether a comma-separated field value (Connection) names `token`, given in lower case. */
export function hasToken(list: string | string[], token: string): boolean {
  const lower = (typeof list === 'string' ? list : list.join(',')).toLowerCase();
  if (lower === token) return true;
  for (const part of lower.split(',')) if (part.trim() === token) return true;
  return false;
}
