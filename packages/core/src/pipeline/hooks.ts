/**
 * Hooks the pipeline offers to observability (access log, metrics). They are called once per request.
 */
import type { ProxyExchange } from './exchange.js';

/**
 * Called when a request is over (response written, or the client went away): `bytesIn`/`bytesOut` are the
 * bytes read from and written to the client connection while the request was served (head included).
 * `x.status` is the status sent, `x.error` the coded error behind a proxy-generated response, and
 * `x.aborted` tells whether the client left early.
 */
export type OnComplete = (x: ProxyExchange, bytesIn: number, bytesOut: number) => void;
