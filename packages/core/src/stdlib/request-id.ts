/**
 * `std.request_id.inject(header)`: keeps a well-formed incoming id, else generates a UUID; stores it in
 * `ctx.request_id` and in the request header sent upstream.
 */
import { randomUUID } from 'node:crypto';
import type { HostExchange } from '../pipeline/host.js';
import { headerValue, type StdContext, type StdImplementations } from './std-context.js';

/**
 * Incoming ids are kept only when they are 1–200 visible ASCII characters: anything else could smuggle
 * control characters or megabytes into logs and upstream headers, so it is replaced.
 */
const ACCEPTABLE_ID = /^[\x21-\x7e]{1,200}$/;

export function createRequestId(_ctx: StdContext): StdImplementations {
  // The header name is a config constant: lower-cased once, not per request.
  let name = '';
  let lower = '';
  return {
    'std.request_id.inject': (x: HostExchange, header: string): string => {
      if (header !== name) {
        name = header;
        lower = header.toLowerCase();
      }
      const incoming = headerValue(x.requestHeaders, lower);
      const id = ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
      x.ctxSet('request_id', id);
      if (incoming !== id) x.setHeader('on_request', header, id);
      return id;
    },
  };
}
