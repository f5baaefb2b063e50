/**
 * Sends an exchange to a backend through its pool and makes the backend's answer the exchange's response,
 * streaming both bodies. Hop-by-hop fields are dropped both ways; X-Forwarded-For is appended to and
 * X-Forwarded-Proto / X-Forwarded-Host are set from what the proxy saw (client-sent values are replaced).
 */
import { statusForError } from '../errors/proxy-error.js';
import { errorResponse, failExchange } from '../pipeline/error-response.js';
import { ProxyExchange } from '../pipeline/exchange.js';
import {
  type HeaderRecord,
  type HostExchange,
  NOTE_UPSTREAM_BACKEND,
  type ResponseState,
} from '../pipeline/host.js';
import { endToEnd } from './hop-by-hop.js';
import type { UpstreamPools } from './pools.js';
import { upstreamError } from './upstream-error.js';

export interface ForwardSettings {
  /** server.backend_timeout in ms: time to the response head, and longest pause inside the body. */
  readonly backendTimeoutMs: number;
  /** Called when a request probably reused a pooled connection. */
  readonly onPoolHit?: (() => void) | undefined;
}

/**
 * Where a forward goes: `backend` when given and non-empty, else `ctx.backend` (what routing picked),
 * else server.backend_addr. The one place this rule lives (`HostServices.forward` applies it).
 */
export function forwardTarget(x: HostExchange, backend: string | undefined, backendAddr: string): string {
  if (backend !== undefined && backend !== '') return backend;
  const routed = x.ctxGet('backend');
  return routed === '' ? backendAddr : routed;
}

/** Request fields for the backend: end-to-end fields of the (possibly modified) request plus X-Forwarded-*. */
export function upstreamRequestHeaders(x: HostExchange): HeaderRecord {
  const h = endToEnd(x.requestHeaders);
  // undici manages Expect itself (node already answered 100-continue to the client).
  h.expect = undefined;
  const peer = x instanceof ProxyExchange ? x.peerIp : x.client_ip;
  const prior = h['x-forwarded-for'];
  h['x-forwarded-for'] =
    prior === undefined || prior === ''
      ? peer
      : `${typeof prior === 'string' ? prior : prior.join(', ')}, ${peer}`;
  h['x-forwarded-proto'] = x.scheme;
  h['x-forwarded-host'] = x.host === '' ? undefined : x.host;
  return h;
}

/** Whether `err` is the peer closing a connection under a request that can be repeated. */
function retryable(x: HostExchange, px: ProxyExchange | undefined, err: unknown): boolean {
  if ((x.method !== 'GET' && x.method !== 'HEAD') || x.requestBody !== undefined) return false;
  if (px?.aborted === true) return false;
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}

/** Forwards `x` to `backend`; always resolves, with `x.response` set (502/504/413… on failure). */
export async function forward(
  pools: UpstreamPools,
  x: HostExchange,
  backend: string,
  settings: ForwardSettings,
): Promise<void> {
  const px = x instanceof ProxyExchange ? x : undefined;
  // Tells on_response std calls (circuit breaker) that the answer, even a 502/504, came from upstream.
  x.notes.set(NOTE_UPSTREAM_BACKEND, backend);
  try {
    const options = {
      method: x.method,
      path: x.uri,
      headers: upstreamRequestHeaders(x) as Record<string, string | string[]>,
      body: x.requestBody ?? null,
      headersTimeout: settings.backendTimeoutMs,
      bodyTimeout: settings.backendTimeoutMs,
      signal: px?.upstreamSignal,
    };
    const pool = pools.get(backend);
    let r: Awaited<ReturnType<typeof pool.request>>;
    try {
      r = await pool.request(options);
    } catch (err) {
      // A kept-alive connection the backend closed just as this request went out: a bodiless GET/HEAD is
      // safe to send once more (on a fresh connection) instead of answering 502 (RFC 9110 §9.2.2).
      if (!retryable(x, px, err)) throw err;
      r = await pools.get(backend).request(options);
    }
    if (pools.noteRequest(backend)) settings.onPoolHit?.();
    const response: ResponseState = { status: r.statusCode, headers: endToEnd(r.headers), body: r.body };
    if (px !== undefined) px.replaceResponse(response);
    else x.response = response;
  } catch (err) {
    const coded = upstreamError(err, backend, px?.aborted === true);
    if (px !== undefined) failExchange(px, coded);
    else x.response = errorResponse(statusForError(coded));
  }
}
