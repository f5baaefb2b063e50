/**
 * `ProxyExchange`: the one object a request is while it crosses the pipeline. It is cheap to build:
 * plain fields, no closures, and the `notes`/ctx maps and the abort signals exist only once used.
 */
import { EventEmitter } from 'node:events';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { Readable } from 'node:stream';
import type { HandlerEvent } from '@proxycache/pcmod-lang';
import type { ProxyError } from '../errors/proxy-error.js';
import { lowerFieldName } from './field-name.js';
import type { HeaderRecord, HostExchange, ResponseState } from './host.js';

/** Where a request came in: the main listener, the admin listener, or a proxy-internal request. */
export type ListenerName = 'main' | 'admin' | 'internal';

/** What `ProxyExchange` is built from; the http layer fills it from an IncomingMessage. */
export interface ExchangeInit {
  readonly method: string;
  /** Request target as received (origin-form `/p?q`, absolute-form or `*`). */
  readonly url: string;
  readonly headers: HeaderRecord;
  readonly body: Readable | undefined;
  readonly clientIp: string;
  /** The TCP peer (differs from clientIp behind a trusted proxy). */
  readonly peerIp: string;
  readonly scheme: 'http' | 'https';
  readonly protocol: string;
  readonly listener: ListenerName;
  readonly startedAt: number;
}

const contentTypes: Readonly<Record<string, string>> = {
  text: 'text/plain; charset=utf-8',
  json: 'application/json',
  html: 'text/html; charset=utf-8',
};

/**
 * The client-gone notice handed to undici as a request `signal` (its API takes an EventEmitter with
 * `aborted`/`reason` as well as an AbortSignal): an AbortController plus undici's EventTarget listener
 * cost several times more per forwarded request than this emitter.
 */
export class ClientAbort extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  /** Marks the client gone and tells listeners, once. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    // The same reason an AbortController gives, so undici fails the request exactly as before.
    this.reason = new DOMException('This operation was aborted', 'AbortError');
    this.emit('abort');
  }
}

/**
 * The last header value that passed validation: request_id sets the same id on the request and on its
 * response, so the second check is skipped (validity depends on the characters only).
 */
let lastValidValue = '';

/** The host-side exchange implementing the contract in host.ts. */
export class ProxyExchange implements HostExchange {
  readonly method: string;
  path: string;
  readonly query: string;
  uri: string;
  readonly host: string;
  readonly scheme: string;
  readonly client_ip: string;
  readonly protocol: string;
  readonly listener: ListenerName;
  readonly startedAt: number;
  readonly requestHeaders: HeaderRecord;
  readonly requestBody: Readable | undefined;
  readonly peerIp: string;
  response: ResponseState | undefined = undefined;
  /** The coded error behind a proxy-generated response (for the access log). */
  error: ProxyError | undefined = undefined;
  /** Name of the module whose on_request produced the response (undefined: none, or the proxy). */
  responder: string | undefined = undefined;
  private notesMap: Map<string, unknown> | undefined = undefined;
  private ctx: Map<string, string> | undefined = undefined;
  private abortController: AbortController | undefined = undefined;
  private clientAbort: ClientAbort | undefined = undefined;
  private clientGone = false;

  constructor(init: ExchangeInit) {
    this.method = init.method;
    this.requestHeaders = init.headers;
    this.requestBody = init.body;
    this.client_ip = init.clientIp;
    this.peerIp = init.peerIp;
    this.scheme = init.scheme;
    this.protocol = init.protocol;
    this.listener = init.listener;
    this.startedAt = init.startedAt;
    const url = init.url;
    let host = init.headers.host;
    let target = url;
    if (url.charCodeAt(0) !== 47 /* '/' */ && url !== '*') {
      // absolute-form (RFC 9112 §3.2.2): the authority in the target wins over Host, which is replaced —
      // so that the cache key, the modules and the request sent upstream all name the same host (else a
      // request for one host, sent with another's Host, would be cached under the first: poisoning).
      const parsed = URL.canParse(url) ? new URL(url) : undefined;
      if (parsed !== undefined && parsed.host !== '') {
        target = parsed.pathname + parsed.search;
        host = parsed.host;
        init.headers.host = host;
      }
    }
    this.host = typeof host === 'string' ? host : '';
    const q = target.indexOf('?');
    if (q === -1) {
      this.path = target;
      this.query = '';
    } else {
      this.path = target.slice(0, q);
      this.query = target.slice(q + 1);
    }
    this.uri = target;
  }

  get status(): number {
    return this.response === undefined ? 0 : this.response.status;
  }

  get content_type(): string {
    const v = this.response?.headers['content-type'];
    if (v === undefined) return '';
    return typeof v === 'string' ? v : (v[0] ?? '');
  }

  get responded(): boolean {
    return this.response !== undefined;
  }

  get notes(): Map<string, unknown> {
    if (this.notesMap === undefined) this.notesMap = new Map();
    return this.notesMap;
  }

  /** A note's value without creating the notes map (access log, metrics). */
  peekNote(key: string): unknown {
    return this.notesMap?.get(key);
  }

  /** Aborted when the client goes away before its answer is written (cancels upstream work). */
  get signal(): AbortSignal {
    if (this.abortController === undefined) {
      this.abortController = new AbortController();
      if (this.clientGone) this.abortController.abort();
    }
    return this.abortController.signal;
  }

  /** Like `signal`, as the cheaper emitter undici accepts; forward uses it on every proxied request. */
  get upstreamSignal(): ClientAbort {
    if (this.clientAbort === undefined) {
      this.clientAbort = new ClientAbort();
      if (this.clientGone && this.keepUpstream?.() !== true) this.clientAbort.abort();
    }
    return this.clientAbort;
  }

  /**
   * Set by a module whose work outlives this client: while it returns true, a client that goes away does
   * not cancel the upstream request (the cache's coalescing leader, whose response others wait for).
   */
  keepUpstream: (() => boolean) | undefined = undefined;

  /** Called by the http layer when the client connection closed before the response finished. */
  abort(): void {
    this.clientGone = true;
    this.abortController?.abort();
    if (this.keepUpstream?.() === true) return;
    this.clientAbort?.abort();
  }

  get aborted(): boolean {
    return this.clientGone;
  }

  setHeader(phase: HandlerEvent, name: string, value: string): void {
    // Validate here so that a bad name/value fails at the script line that set it, not at write time.
    let lower = lowerFieldName(name);
    if (lower === undefined) {
      // node's own check, for its error (ERR_INVALID_HTTP_TOKEN) at the script line that set the field
      validateHeaderName(name);
      lower = name.toLowerCase();
    }
    if (value !== lastValidValue) {
      validateHeaderValue(name, value);
      lastValidValue = value;
    }
    const target = phase === 'on_response' ? this.response?.headers : this.requestHeaders;
    if (target !== undefined) target[lower] = value;
  }

  removeHeader(phase: HandlerEvent, name: string): void {
    const target = phase === 'on_response' ? this.response?.headers : this.requestHeaders;
    if (target !== undefined) target[name.toLowerCase()] = undefined;
  }

  ctxGet(key: string): string {
    return this.ctx?.get(key) ?? '';
  }

  ctxSet(key: string, value: string): void {
    if (this.ctx === undefined) this.ctx = new Map();
    this.ctx.set(key, value);
  }

  respond(status: number, contentType: string | undefined, body: string | undefined): void {
    const headers: HeaderRecord = {};
    if (contentType !== undefined && contentType !== '')
      headers['content-type'] = contentTypes[contentType] ?? contentType;
    this.replaceResponse({ status, headers, body: body === undefined ? undefined : Buffer.from(body) });
  }

  setPath(path: string): void {
    this.path = path;
    this.uri = this.query === '' ? path : `${path}?${this.query}`;
  }

  /** Sets the response, destroying a streamed body it replaces so that its upstream connection is freed. */
  replaceResponse(next: ResponseState): void {
    const prev = this.response;
    if (
      prev !== undefined &&
      prev.body !== undefined &&
      !Buffer.isBuffer(prev.body) &&
      prev.body !== next.body
    ) {
      prev.body.destroy();
    }
    this.response = next;
  }
}

/** `x`'s note `key` without creating a ProxyExchange's notes map when nothing was noted. */
export function peekNote(x: HostExchange, key: string): unknown {
  return x instanceof ProxyExchange ? x.peekNote(key) : x.notes.get(key);
}
