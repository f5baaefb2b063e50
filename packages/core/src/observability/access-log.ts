/**
 * The per-request observer: one structured access-log line and the request metrics, called by the
 * server when a request is over (see `OnComplete` in pipeline/hooks.ts).
 */
import { type Logger, pino } from 'pino';
import type { ProxyExchange } from '../pipeline/exchange.js';
import type { OnComplete } from '../pipeline/hooks.js';
import { BatchedStream, plainLoggerStream } from './logger.js';
import type { ProxyMetrics } from './metrics.js';

/** `notes` key under which std.cache records its named state (hit, miss, stale, bypass, …). */
export const NOTE_CACHE_STATE = 'cache.state';

/** One access-log record. Optional fields are present only when the request had them. */
export interface AccessLogRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly bytes_in: number;
  readonly bytes_out: number;
  readonly duration_ms: number;
  readonly client_ip: string;
  readonly protocol: string;
  readonly listener: string;
  readonly request_id?: string;
  readonly cache?: string;
  /** Module whose on_request answered. */
  readonly responder?: string;
  /** Coded error behind a proxy-generated answer (PC_ERR_…). */
  readonly error?: string;
  /** The client left before the answer was written. */
  readonly aborted?: boolean;
}

/** Builds the access-log record of a finished exchange. */
export function accessLogRecord(
  x: ProxyExchange,
  bytesIn: number,
  bytesOut: number,
  durationMs: number,
): AccessLogRecord {
  const record: { -readonly [K in keyof AccessLogRecord]: AccessLogRecord[K] } = {
    method: x.method,
    path: x.path,
    status: x.status,
    bytes_in: bytesIn,
    bytes_out: bytesOut,
    duration_ms: Math.round(durationMs * 1000) / 1000,
    client_ip: x.client_ip,
    protocol: x.protocol,
    listener: x.listener,
  };
  const requestId = x.ctxGet('request_id');
  if (requestId !== '') record.request_id = requestId;
  const cache = x.peekNote(NOTE_CACHE_STATE);
  if (typeof cache === 'string') record.cache = cache;
  if (x.responder !== undefined) record.responder = x.responder;
  if (x.error !== undefined) record.error = x.error.code;
  if (x.aborted) record.aborted = true;
  return record;
}

export interface RequestObserverOptions {
  readonly logger: Logger;
  readonly metrics: ProxyMetrics;
  /** Write access-log lines (at info). Default true. */
  readonly accessLog?: boolean;
  /** Milliseconds clock matching `x.startedAt` (performance.now by default). */
  readonly now?: () => number;
}

/**
 * The `onComplete` hook: records metrics for requests on the main listener (admin and internal requests
 * would distort the proxy's numbers) and logs every request.
 */
export function createRequestObserver(options: RequestObserverOptions): OnComplete {
  const { logger, metrics } = options;
  const now = options.now ?? (() => performance.now());
  const log = options.accessLog ?? true;
  // pino's generic path (serializers, per-key stringify, ISO date per line) was ~10% of a cache hit's CPU;
  // for a logger of known layout the line is built here, byte-for-byte what pino would write
  const stream = plainLoggerStream(logger);
  const batched = stream instanceof BatchedStream ? stream : undefined;
  const info = pino.levels.values.info;
  const pid = process.pid;
  let lastMs = Number.NaN;
  // everything before the method's value, for the current millisecond
  let head = '';
  return (x, bytesIn, bytesOut) => {
    const durationMs = now() - x.startedAt;
    if (x.listener === 'main') {
      metrics.record(x.method, x.status, bytesIn, bytesOut, durationMs);
      const cache = x.peekNote(NOTE_CACHE_STATE);
      // Answered with a stored body (fresh, stale or revalidated) / fetched for the cache.
      if (cache === 'hit' || cache === 'stale' || cache === 'revalidated') metrics.inc('cache_hits');
      else if (cache === 'miss') metrics.inc('cache_misses');
    }
    if (!log || !logger.isLevelEnabled('info')) return;
    if (stream === undefined) {
      logger.info(accessLogRecord(x, bytesIn, bytesOut, durationMs), 'request');
      return;
    }
    const ms = Date.now();
    if (ms !== lastMs) {
      lastMs = ms;
      head = `{"level":${info},"time":"${new Date(ms).toISOString()}","pid":${pid},"method":`;
    }
    const line = head + accessLogTail(x, bytesIn, bytesOut, durationMs);
    if (batched !== undefined && lineAscii) batched.writeAscii(line);
    else stream.write(line);
  };
}

/**
 * The access line from the method's value to the newline, read straight off the exchange: the fields of
 * `accessLogRecord` in its order (what pino writes for that record), optional ones only when present.
 */
function accessLogTail(x: ProxyExchange, bytesIn: number, bytesOut: number, durationMs: number): string {
  lineAscii = true;
  let s =
    `${jsonString(x.method)},"path":${jsonString(x.path)},"status":${jsonNumber(x.status)}` +
    `,"bytes_in":${jsonNumber(bytesIn)},"bytes_out":${jsonNumber(bytesOut)}` +
    `,"duration_ms":${durationText(durationMs)},"client_ip":${jsonString(x.client_ip)}` +
    `,"protocol":${jsonString(x.protocol)},"listener":${jsonString(x.listener)}`;
  const requestId = x.ctxGet('request_id');
  if (requestId !== '') s += `,"request_id":${jsonString(requestId)}`;
  const cache = x.peekNote(NOTE_CACHE_STATE);
  if (typeof cache === 'string') s += `,"cache":${jsonString(cache)}`;
  if (x.responder !== undefined) s += `,"responder":${jsonString(x.responder)}`;
  if (x.error !== undefined) s += `,"error":${jsonString(x.error.code)}`;
  if (x.aborted) s += ',"aborted":true';
  return `${s},"msg":"request"}\n`;
}

/** False once `jsonString` met a non-ASCII character in the line being built (set by `accessLogTail`). */
let lineAscii = true;

/**
 * `v` as a JSON string literal. Most values are printable ASCII that needs no escaping, which one scan
 * finds cheaper than a regular expression; anything else takes `jsonStringSlow`.
 */
function jsonString(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) return jsonStringSlow(v, i);
  }
  return `"${v}"`;
}

/**
 * `jsonString` from index `from` on: JSON.stringify when a character needs escaping (quote, backslash,
 * C0 controls, surrogates: a lone one becomes `\udXXX`), else the value quoted; notes non-ASCII.
 */
function jsonStringSlow(v: string, from: number): string {
  let mustEscape = false;
  for (let i = from; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c > 0x7f) lineAscii = false;
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) mustEscape = true;
  }
  return mustEscape ? JSON.stringify(v) : `"${v}"`;
}

function jsonNumber(v: number): string {
  return Number.isFinite(v) ? `${v}` : 'null';
}

/**
 * `duration_ms` as JSON: the duration rounded to the microsecond, written as `String(Math.round(d *
 * 1000) / 1000)` would write it (what pino writes for the record), without the float-to-shortest-string
 * conversion (~150 ns). Below 1e12 µs the rounded double prints as exactly these three decimals.
 */
function durationText(durationMs: number): string {
  const us = Math.round(durationMs * 1000);
  if (!(us >= 0 && us < 1e12)) return jsonNumber(us / 1000);
  const ms = Math.floor(us / 1000);
  const frac = us - ms * 1000;
  if (frac === 0) return `${ms}`;
  if (frac % 100 === 0) return `${ms}.${frac / 100}`;
  if (frac % 10 === 0) return `${ms}.${frac < 100 ? '0' : ''}${frac / 10}`;
  return `${ms}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}
