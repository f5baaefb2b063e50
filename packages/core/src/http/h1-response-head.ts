/**
 * Serialises a response head for the HTTP/1.1 fast lane, with the framing rules of the node:http path
 * (pipeline/write-response.ts `flatHeaders` plus what node's ServerResponse adds): Content-Length from a
 * buffer body, `Content-Length: 0` for an empty one, chunked for a stream of unknown length, `Date` when the
 * response has none, `Connection: keep-alive` + `Keep-Alive` or `Connection: close`, and the same field
 * validation node applies (a refused status or field throws, and the writer answers 500 instead).
 */
import { STATUS_CODES } from 'node:http';
import { fieldValueRe, hasToken, tokenRe } from '../pipeline/field-name.js';
import type { ResponseState } from '../pipeline/host.js';
import { bodiless, lengthForbidden } from '../pipeline/status-framing.js';
import { isLine, linesFor, type PreparedLines, renewedLines } from './prepared-fields.js';

/** A serialised head and how the body that follows it is framed. */
export interface H1Head {
  /** The status line and the fields not in `prepared`; with `prepared` undefined, the whole head. */
  readonly text: string;
  /** Prepared field lines and the head's closing empty line, sent right after `text` (a cache hit). */
  readonly prepared: Buffer | undefined;
  /** The body is sent with chunked transfer coding. */
  readonly chunked: boolean;
  /** Body bytes follow the head (false for HEAD, 1xx, 204 and 304). */
  readonly hasBody: boolean;
  /** The connection closes after this response. */
  readonly close: boolean;
}

/** Thrown for a status or field node:http would refuse; the writer answers 500 instead. */
export class InvalidHead extends Error {}

/** Status lines built once per status. */
const statusLines = new Map<number, string>();

function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

let dateSecond = -1;
let dateLine = '';

/** `Date: ...\r\n` for the current second (RFC 9110 §6.6.1), rebuilt once a second. */
function currentDateLine(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = `date: ${new Date(second * 1000).toUTCString()}\r\n`;
  }
  return dateLine;
}

function field(name: string, value: string | number): string {
  const v = typeof value === 'string' ? value : String(value);
  if (!fieldValueRe.test(v)) throw new InvalidHead(`invalid value for response field "${name}"`);
  return `${name}: ${v}\r\n`;
}

/**
 * The head for `r`. `head` is a HEAD request (no body bytes), `close` asks for `Connection: close`
 * (the client asked, or the server is draining); `keepAliveSeconds` is advertised otherwise. With
 * `r.prepared` (a cache hit), the fields the response still holds from that record go out as its prepared
 * lines (http/prepared-fields.ts) and only the others are written here.
 */
export function serializeHead(
  r: ResponseState,
  head: boolean,
  close: boolean,
  altSvc: string | undefined,
  keepAliveSeconds: number,
): H1Head {
  const status = r.status;
  if (!Number.isInteger(status) || status < 100 || status > 999)
    throw new InvalidHead(`invalid status ${status}`);
  const source = r.prepared;
  if (source !== undefined) {
    const lines = linesFor(source);
    if (lines !== undefined) {
      const h = headWith(r, head, close, altSvc, keepAliveSeconds, lines);
      if (h !== undefined) return h;
      // Lines made before the record changed (a new Age): made again, tried once more.
      const renewed = renewedLines(source, lines);
      const again = renewed && headWith(r, head, close, altSvc, keepAliveSeconds, renewed);
      if (again !== undefined) return again;
    }
  }
  return headWith(r, head, close, altSvc, keepAliveSeconds, undefined) as H1Head;
}

/**
 * The head, with the fields of `lines` sent as their bytes when given: undefined when the response does
 * not hold all of them unchanged and in order (then it is written without them).
 */
function headWith(
  r: ResponseState,
  head: boolean,
  close: boolean,
  altSvc: string | undefined,
  keepAliveSeconds: number,
  lines: PreparedLines | undefined,
): H1Head | undefined {
  const status = r.status;
  const headers = r.headers;
  const body = r.body;
  const noBody = bodiless(status);
  let length: number | undefined;
  let lengthDefault = false;
  if (!noBody) {
    if (Buffer.isBuffer(body)) length = body.length;
    else if (body === undefined) lengthDefault = true;
  }
  // Only the proxy's own error answers close (they carry `connection: close`, error-response.ts); an
  // origin's or a module's 4xx/5xx keeps the connection, as behind nginx.
  let closing = close;
  let text = statusLine(status);
  let sawAltSvc = lines?.altSvc === true;
  let sawLength = false;
  let sawConnection = false;
  let sawDate = lines?.date === true;
  let fromLines = 0;
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined) continue;
    if (lines !== undefined && isLine(lines, fromLines, name, v)) {
      fromLines++;
      continue;
    }
    if (!tokenRe.test(name)) throw new InvalidHead(`invalid response field name "${name}"`);
    switch (name) {
      case 'content-length':
        sawLength = true;
        // RFC 9110 §8.6: never on a 204 or a 1xx (whatever the origin sent).
        if (lengthForbidden(status)) continue;
        text += field(name, length ?? (v as string));
        continue;
      case 'connection':
        sawConnection = true;
        if (!closing && hasToken(v, 'close')) closing = true;
        text += closing ? 'connection: close\r\n' : field(name, v as string);
        continue;
      // The framing is this writer's decision (chunked when a stream has no length).
      case 'transfer-encoding':
        continue;
      case 'alt-svc':
        sawAltSvc = true;
        break;
      case 'date':
        sawDate = true;
        break;
    }
    if (Array.isArray(v)) for (const one of v) text += field(name, one);
    else text += field(name, v);
  }
  if (lines !== undefined && fromLines !== lines.names.length) return undefined;
  if (altSvc !== undefined && !sawAltSvc) text += `alt-svc: ${altSvc}\r\n`;
  if (!sawLength && (length !== undefined || lengthDefault)) text += `content-length: ${length ?? 0}\r\n`;
  const chunked = !noBody && !head && !sawLength && body !== undefined && !Buffer.isBuffer(body);
  if (chunked) text += 'transfer-encoding: chunked\r\n';
  if (!sawDate) text += currentDateLine();
  if (!sawConnection)
    text += closing
      ? 'connection: close\r\n'
      : `connection: keep-alive\r\nkeep-alive: timeout=${keepAliveSeconds}\r\n`;
  const hasBody = !noBody && !head;
  if (lines !== undefined) return { text, prepared: lines.bytes, chunked, hasBody, close: closing };
  return { text: `${text}\r\n`, prepared: undefined, chunked, hasBody, close: closing };
}

/** The whole head of `h` as one string or buffer, for writers that send the head on its own. */
export function headBytes(h: H1Head): string | Buffer {
  const prepared = h.prepared;
  if (prepared === undefined) return h.text;
  const out = Buffer.allocUnsafe(h.text.length + prepared.length);
  out.write(h.text, 0, 'latin1');
  prepared.copy(out, h.text.length);
  return out;
}
