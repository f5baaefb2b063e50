/**
 * Classifies what undici (or the request body) failed with into the proxy's coded errors.
 */
import { ProxyError } from '../errors/proxy-error.js';

const connectCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

function codeOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const c = (err as { code?: unknown }).code;
  return typeof c === 'string' ? c : '';
}

/** The coded error for a failed upstream exchange with `backend`; `clientGone` when the client aborted. */
export function upstreamError(err: unknown, backend: string, clientGone: boolean): ProxyError {
  if (err instanceof ProxyError) return err;
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause instanceof ProxyError) return cause;
  if (clientGone)
    return new ProxyError('PC_ERR_CLIENT_ABORTED', 'downstream', 'client closed the connection', err);
  const code = codeOf(err);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new ProxyError('PC_ERR_UPSTREAM_TIMEOUT', 'upstream', `backend ${backend} timed out`, err);
  }
  if (connectCodes.has(code) || connectCodes.has(codeOf(cause))) {
    return new ProxyError(
      'PC_ERR_UPSTREAM_CONNECT',
      'upstream',
      `backend ${backend} unreachable (${code})`,
      err,
    );
  }
  if (code === 'UND_ERR_INVALID_ARG') {
    return new ProxyError('PC_ERR_BAD_REQUEST', 'downstream', 'request cannot be forwarded', err);
  }
  return new ProxyError(
    'PC_ERR_UPSTREAM_PROTOCOL',
    'upstream',
    `backend ${backend} failed (${code || 'error'})`,
    err,
  );
}
