/**
 * Coded runtime errors of the proxy (undici/Pingora style): a stable `code`, the side that caused it
 * (`source`) and the underlying `cause`. `statusForError` is the one place that maps them to HTTP statuses.
 */

/** Every runtime error code the proxy raises, with the HTTP status it answers with. */
export const errorStatuses = {
  /** The request could not be parsed (clientError). */
  PC_ERR_BAD_REQUEST: 400,
  /** Content-Length or the streamed body exceeds server.max_body_size. */
  PC_ERR_BODY_TOO_LARGE: 413,
  /** The request head exceeds server.max_header_size. */
  PC_ERR_HEADERS_TOO_LARGE: 431,
  /** The client did not send a complete request within client_timeout. */
  PC_ERR_CLIENT_TIMEOUT: 408,
  /** A module handler threw. */
  PC_ERR_SCRIPT: 500,
  /** No module produced a response. */
  PC_ERR_NO_RESPONDER: 500,
  /** A response could not be written (invalid status or header from a module). */
  PC_ERR_INVALID_RESPONSE: 500,
  /** Anything else inside the proxy. */
  PC_ERR_INTERNAL: 500,
  /** The backend could not be connected to (refused, unreachable, reset before an answer). */
  PC_ERR_UPSTREAM_CONNECT: 502,
  /** The backend answered with something that is not a valid HTTP response, or died mid-answer. */
  PC_ERR_UPSTREAM_PROTOCOL: 502,
  /** The backend did not send response headers within backend_timeout (or did not accept the connection in time). */
  PC_ERR_UPSTREAM_TIMEOUT: 504,
  /** The client went away before the answer was ready; nothing is written. */
  PC_ERR_CLIENT_ABORTED: 499,
} as const;

export type ErrorCode = keyof typeof errorStatuses;

/** Which side of the proxy an error came from. */
export type ErrorSource = 'upstream' | 'downstream' | 'internal' | 'script';

/** A proxy runtime error with a stable code. Never thrown at user input; built and mapped to a status. */
export class ProxyError extends Error {
  readonly code: ErrorCode;
  readonly source: ErrorSource;

  constructor(code: ErrorCode, source: ErrorSource, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ProxyError';
    this.code = code;
    this.source = source;
  }
}

/** The HTTP status for an error: its code's status for a `ProxyError`, else 500. */
export function statusForError(err: unknown): number {
  return err instanceof ProxyError ? errorStatuses[err.code] : 500;
}
