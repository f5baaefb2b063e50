/**
 * Enforces server.max_body_size on bodies whose length is not announced (chunked): the request body is
 * read through a counter that fails with PC_ERR_BODY_TOO_LARGE once the limit is passed. Bodies with a
 * Content-Length are checked up front instead (node's parser never reads past a Content-Length).
 */
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { ProxyError } from '../errors/proxy-error.js';

class BodyLimiter extends Transform {
  private seen = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      cb(new ProxyError('PC_ERR_BODY_TOO_LARGE', 'downstream', `request body exceeds ${this.limit} bytes`));
      return;
    }
    cb(null, chunk);
  }
}

/** The request body as a stream that errors once more than `limit` bytes arrived. */
export function limitBody(req: Readable, limit: number): Transform {
  const limiter = new BodyLimiter(limit);
  // The limit can be hit before any module reads the body (or when none ever does): without a listener
  // that 'error' event would be unhandled and crash the process. Readers still see the stored error.
  limiter.on('error', () => {});
  req.on('error', (err) => limiter.destroy(err));
  req.pipe(limiter);
  return limiter;
}

/** The error for a request whose Content-Length announces more than `limit` bytes (answered 413). */
export function announcedBodyTooLarge(limit: number): ProxyError {
  return new ProxyError('PC_ERR_BODY_TOO_LARGE', 'downstream', `Content-Length exceeds ${limit} bytes`);
}

/** True when a Content-Length header announces more than `limit` bytes. */
export function announcedTooLarge(contentLength: string, limit: number): boolean {
  const n = Number(contentLength);
  return !(n <= limit);
}
