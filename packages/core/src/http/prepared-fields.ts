/**
 * Serialised header fields of a long-lived record (a cache entry's hit headers, `ResponseState.prepared`),
 * so that a cache hit's head is mostly copied bytes: the stored fields are validated and turned into
 * `name: value\r\n` lines once, not on every hit. The lines stand for the record's fields and values as
 * they were when made; the head writer uses them only for a response whose headers hold exactly those
 * fields, with those values, in that order (a hit's copy of the record plus whatever the pipeline added
 * after them), and a record that changed since (Age moves once a second) gets new lines.
 */
import { fieldValueRe, tokenRe } from '../pipeline/field-name.js';
import type { HeaderRecord } from '../pipeline/host.js';

/** Fields always written by the head writer itself: it decides the framing and the connection's fate. */
function writerOwned(name: string): boolean {
  return name === 'content-length' || name === 'connection' || name === 'transfer-encoding';
}

/** The serialised fields of one record. */
export interface PreparedLines {
  /** The fields in `bytes`, in the record's order, and the values they had. */
  readonly names: readonly string[];
  readonly values: readonly string[];
  /** Their `name: value\r\n` lines followed by the empty line that ends the head. */
  readonly bytes: Buffer;
  /** The lines hold a Date / an Alt-Svc field. */
  readonly date: boolean;
  readonly altSvc: boolean;
  /**
   * A response failed to match while the lines still described their record: the pipeline changes one of
   * its fields on every answer (a module overwriting a stored field, X-Cache of stale hits), so the lines
   * are not tried again until the record changes (new lines, at the latest when Age moves on).
   */
  unused: boolean;
}

const memo = new WeakMap<HeaderRecord, PreparedLines>();

/**
 * The lines last made for `source` (made now if there are none; made again when marked unused and the
 * record has changed since), or undefined when it cannot have any or they are not worth trying.
 */
export function linesFor(source: HeaderRecord): PreparedLines | undefined {
  const lines = memo.get(source);
  if (lines === undefined) return build(source);
  if (!lines.unused) return lines;
  return describes(lines, source) ? undefined : build(source);
}

/**
 * After a response did not match `lines`: new lines for `source` when `lines` no longer describe it;
 * else undefined, and `lines` are marked unused (see `PreparedLines.unused`).
 */
export function renewedLines(source: HeaderRecord, lines: PreparedLines): PreparedLines | undefined {
  if (!describes(lines, source)) return build(source);
  lines.unused = true;
  return undefined;
}

/** Whether field `name: v`, met at position `i` of the lines while walking a response's fields, is theirs. */
export function isLine(lines: PreparedLines, i: number, name: string, v: string | string[]): boolean {
  return i < lines.names.length && lines.names[i] === name && lines.values[i] === v;
}

function build(source: HeaderRecord): PreparedLines | undefined {
  const names: string[] = [];
  const values: string[] = [];
  let text = '';
  let date = false;
  let altSvc = false;
  for (const name in source) {
    const v = source[name];
    // Repeated fields stay with the writer: an array can change in place without the record changing.
    if (typeof v !== 'string' || writerOwned(name)) continue;
    // Not valid on the wire: the writer refuses it in the response itself.
    if (!tokenRe.test(name) || !fieldValueRe.test(v)) return undefined;
    names.push(name);
    values.push(v);
    text += `${name}: ${v}\r\n`;
    if (name === 'date') date = true;
    else if (name === 'alt-svc') altSvc = true;
  }
  const lines: PreparedLines = {
    names,
    values,
    bytes: Buffer.from(`${text}\r\n`, 'latin1'),
    date,
    altSvc,
    unused: false,
  };
  memo.set(source, lines);
  return lines;
}

function describes(lines: PreparedLines, source: HeaderRecord): boolean {
  let i = 0;
  for (const name in source) {
    const v = source[name];
    if (typeof v !== 'string' || writerOwned(name)) continue;
    if (!isLine(lines, i, name, v)) return false;
    i++;
  }
  return i === lines.names.length;
}
