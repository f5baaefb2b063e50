/**
 * Sends an exchange to a backend through its pool and makes the backend's answer the exchange's response,
 * streaming both bodies (a response body that came whole with its head is handed over as a Buffer).
 * Hop-by-hop fields are dropped both ways; X-Forwarded-For is appended to and X-Forwarded-Proto /
 * X-Forwarded-Host are set from what the proxy saw (client-sent values are replaced).
 */
import type { Dispatcher } from 'undici';
import { statusForError } from '../errors/proxy-error.js';
import { errorResponse, failExchange } from '../pipeline/error-response.js';
import { ProxyExchange } from '../pipeline/exchange.js';
import { type HostExchange, NOTE_UPSTREAM_BACKEND, type ResponseState } from '../pipeline/host.js';
import { connectionNamed, isHopByHop } from './hop-by-hop.js';
import type { UpstreamPools } from './pools.js';
import { plainConnection, UpstreamCall } from './upstream-call.js';
import { upstreamError } from './upstream-error.js';

/** Request fields forward() sets itself (undici manages Expect; node already answered 100-continue). */
const forwardedOrExpect: ReadonlySet<string> = new Set([
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
]);

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

/**
 * Request fields for the backend as undici's flat `[name, value, …]` list: end-to-end fields of the
 * (possibly modified) request, then X-Forwarded-For (appended to), -Proto and -Host (replaced). A flat list
 * spares building a record that undici would only walk again.
 */
export function upstreamRequestHeaders(x: HostExchange): string[] {
  const headers = x.requestHeaders;
  const conn = headers.connection;
  // The usual Connection values name no field that could be present: skip building a set for them.
  const named = conn === undefined || plainConnection(conn) ? undefined : connectionNamed(conn);
  const out: string[] = [];
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || forwardedOrExpect.has(name) || isHopByHop(name) || named?.has(name) === true)
      continue;
    if (typeof v === 'string') out.push(name, v);
    else for (const item of v) out.push(name, item);
  }
  const peer = x instanceof ProxyExchange ? x.peerIp : x.client_ip;
  const prior = headers['x-forwarded-for'];
  out.push(
    'x-forwarded-for',
    prior === undefined || prior === ''
      ? peer
      : `${typeof prior === 'string' ? prior : prior.join(', ')}, ${peer}`,
    'x-forwarded-proto',
    x.scheme,
  );
  if (x.host !== '') out.push('x-forwarded-host', x.host);
  return out;
}

/** Whether `err` is the peer closing a connection under a request that can be repeated. */
function retryable(x: HostExchange, px: ProxyExchange | undefined, err: unknown): boolean {
  if ((x.method !== 'GET' && x.method !== 'HEAD') || x.requestBody !== undefined) return false;
  if (px?.aborted === true) return false;
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
}

/** Dispatches one request on `backend`'s pool; its `head` settles once the response head is in. */
function send(
  pools: UpstreamPools,
  backend: string,
  options: Dispatcher.DispatchOptions,
  x: HostExchange,
): UpstreamCall {
  const call = new UpstreamCall(
    x.method,
    x instanceof ProxyExchange ? x.upstreamSignal : undefined,
    x.requestBody,
  );
  pools.get(backend).dispatch(options, call);
  return call;
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
    const options: Dispatcher.DispatchOptions = {
      method: x.method,
      path: x.uri,
      headers: upstreamRequestHeaders(x),
      body: x.requestBody ?? null,
      headersTimeout: settings.backendTimeoutMs,
      bodyTimeout: settings.backendTimeoutMs,
    };
    let call = send(pools, backend, options, x);
    try {
      await call.head;
    } catch (err) {
      // A kept-alive connection the backend closed just as this request went out: a bodiless GET/HEAD is
      // safe to send once more (on a fresh connection) instead of answering 502 (RFC 9110 §9.2.2).
      if (!retryable(x, px, err)) throw err;
      call = send(pools, backend, options, x);
      await call.head;
    }
    if (pools.noteRequest(backend)) settings.onPoolHit?.();
    const response: ResponseState = { status: call.status, headers: call.headers, body: call.takeBody() };
    if (px !== undefined) px.replaceResponse(response);
    else x.response = response;
  } catch (err) {
    const coded = upstreamError(err, backend, px?.aborted === true);
    if (px !== undefined) failExchange(px, coded);
    else x.response = errorResponse(statusForError(coded));
  }
}
