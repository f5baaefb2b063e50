/**
 * A body stream fed by its source with `push()`, for sources that read only when asked: the client
 * connection of the HTTP/1.1 fast lane (request bodies) and an upstream call (response bodies). Reading
 * asks the source for more; destroying it tells the source, which stops or aborts what feeds it.
 */
import { Readable } from 'node:stream';

/** What feeds a PulledBody. */
export interface BodySource {
  /** The reader wants more: resume reading what feeds the body. */
  bodyWanted(): void;
  /** The body was destroyed (by its reader, or with `err`) before or after it was complete. */
  bodyDestroyed(body: PulledBody, err: Error | null): void;
}

export class PulledBody extends Readable {
  constructor(private readonly source: BodySource) {
    super();
  }

  override _read(): void {
    this.source.bodyWanted();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.source.bodyDestroyed(this, err);
    cb(err);
  }
}
