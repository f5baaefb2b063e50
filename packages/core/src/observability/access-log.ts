/**
 * The per-request observer: one structured access-log line and the request metrics, called by the
 * server when a request is over (see `OnComplete` in pipeline/hooks.ts).
 */
import { type Logger, pino } from 'pino';
import type { ProxyExchange } from '../pipeline/exchange.js';
import type { OnComplete } from '../pipeline/hooks.js';
import { plainLoggerStream } from './logger.js';
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
  const prefix = `{"level":${pino.levels.values.info},"time":"`;
  const bindings = `","pid":${process.pid}`;
  let lastMs = Number.NaN;
  let lastIso = '';
  return (x, bytesIn, bytesOut) => {
    const durationMs = now() - x.startedAt;
    if (x.listener === 'main') metrics.record(x.method, x.status, bytesIn, bytesOut, durationMs);
    if (!log || !logger.isLevelEnabled('info')) return;
    const record = accessLogRecord(x, bytesIn, bytesOut, durationMs);
    if (stream === undefined) {
      logger.info(record, 'request');
      return;
    }
    const ms = Date.now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    stream.write(`${prefix}${lastIso}${bindings}${accessLogFields(record)},"msg":"request"}\n`);
  };
}

/** The record's fields as `,"key":value` pairs in pino's order (declaration order, undefined left out). */
export function accessLogFields(r: AccessLogRecord): string {
  let s =
    `,"method":${jsonString(r.method)},"path":${jsonString(r.path)},"status":${jsonNumber(r.status)}` +
    `,"bytes_in":${jsonNumber(r.bytes_in)},"bytes_out":${jsonNumber(r.bytes_out)}` +
    `,"duration_ms":${jsonNumber(r.duration_ms)},"client_ip":${jsonString(r.client_ip)}` +
    `,"protocol":${jsonString(r.protocol)},"listener":${jsonString(r.listener)}`;
  if (r.request_id !== undefined) s += `,"request_id":${jsonString(r.request_id)}`;
  if (r.cache !== undefined) s += `,"cache":${jsonString(r.cache)}`;
  if (r.responder !== undefined) s += `,"responder":${jsonString(r.responder)}`;
  if (r.error !== undefined) s += `,"error":${jsonString(r.error)}`;
  if (r.aborted !== undefined) s += `,"aborted":${r.aborted ? 'true' : 'false'}`;
  return s;
}

/** Characters JSON.stringify would escape: quote, backslash, C0 controls and (lone) surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonString(v: string): string {
  return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
}

function jsonNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}
