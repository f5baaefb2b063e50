/**
 * The process logger: pino, JSON lines on stdout, at the config's `log_level`.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Loggers made by `createLogger`, whose line layout (`level`, ISO `time`, `pid`, fields, `msg`) is known,
 * so that the access log may write its hot-path line straight to their destination (see access-log.ts).
 */
const plainLoggers = new WeakSet<Logger>();

/** What `BatchedStream` writes to: sonic-boom in buffer mode (`contentMode: 'buffer'`). */
export interface BatchSink {
  write(chunk: Buffer): unknown;
  flush(cb?: (err?: Error) => void): void;
  flushSync(): void;
}

export interface BatchedStreamOptions {
  /** Pending text (UTF-16 code units) that is written at once instead of waiting. Default 64 Ki. */
  readonly maxChars?: number;
  /** Longest a line waits before it is written. Default 25 ms. */
  readonly maxDelayMs?: number;
}

/**
 * Joins the lines written within `maxDelayMs` (or until `maxChars` are pending) into one write to
 * sonic-boom. Each sonic-boom write of a non-blocking destination is an fs.write on libuv's thread pool:
 * written once per event-loop turn, as before, the access log cost 8-17 µs of CPU per request at 16 to 1
 * requests a turn (micro-benchmark to a file), at 64 KiB per write ~3 µs. Larger batches measured slower
 * (joined strings beyond V8's regular object size). The batch goes out as one Buffer, so sonic-boom
 * neither measures nor re-encodes the text. Every line of the logger goes through here, so their order
 * is kept (each line's `time` is when it was logged); `flush`/`flushSync` and process exit write what is
 * pending. The timer is not unref'd: the process lives until it has fired, so that pino's beforeExit
 * flush of sonic-boom comes after the last batch.
 */
export class BatchedStream implements DestinationStream {
  /** Lines not yet written; an array, since one string of them (a deep rope) cost ~2 µs a line to encode. */
  private pending: string[] = [];
  private pendingChars = 0;
  /** Whether every pending line came through `writeAscii`, so that the batch encodes as latin1. */
  private pendingAscii = true;
  private timer: NodeJS.Timeout | undefined = undefined;
  private readonly maxChars: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly out: BatchSink,
    options: BatchedStreamOptions = {},
  ) {
    this.maxChars = options.maxChars ?? 64 * 1024;
    this.maxDelayMs = options.maxDelayMs ?? 25;
    process.on('exit', () => this.flushSync());
  }

  write(line: string): boolean {
    this.pendingAscii = false;
    return this.writeAscii(line);
  }

  /**
   * `write` for a line the caller knows holds only ASCII characters: a batch of such lines is encoded
   * as latin1 (a copy, ~40 ns a line) rather than UTF-8 (~100-250 ns a line), the same bytes for ASCII.
   */
  writeAscii(line: string): boolean {
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= this.maxChars) this.push();
    else if (this.timer === undefined) this.timer = setTimeout(this.drain, this.maxDelayMs);
    return true;
  }

  flush(cb?: (err?: Error) => void): void {
    this.push();
    this.out.flush(cb);
  }

  flushSync(): void {
    try {
      this.push();
      this.out.flushSync();
    } catch {
      // not open yet or already closed at exit: nothing more can be done for these lines
    }
  }

  private readonly drain = (): void => {
    this.timer = undefined;
    this.push();
  };

  private push(): void {
    if (this.pending.length === 0) return;
    const lines = this.pending.join('');
    const encoding = this.pendingAscii ? 'latin1' : 'utf8';
    this.pending = [];
    this.pendingChars = 0;
    this.pendingAscii = true;
    this.out.write(Buffer.from(lines, encoding));
  }
}

/**
 * A logger at `level` (one of pino's levels; `server.log_level` is validated against them). Writes to
 * `destination` when given (tests), else to stdout without blocking the event loop, in batches (see
 * `BatchedStream`); `logger.flush()` and process exit write what is buffered.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const logger = pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ??
      new BatchedStream(
        // contentMode 'buffer' makes sonic-boom's write take Buffers; its declared type only knows strings
        pino.destination({ dest: 1, sync: false, contentMode: 'buffer' }) as unknown as BatchSink,
      ),
  );
  plainLoggers.add(logger);
  return logger;
}

/**
 * The destination of a logger made by `createLogger` (not of its children, which add bindings), for
 * writing whole pre-built lines in the same layout; undefined for any other logger.
 */
export function plainLoggerStream(logger: Logger): DestinationStream | undefined {
  if (!plainLoggers.has(logger)) return undefined;
  const stream = (logger as unknown as Record<symbol, DestinationStream | undefined>)[pino.symbols.streamSym];
  // multistream and the like read per-line metadata that only pino's own write path sets
  if (stream === undefined || (stream as unknown as Record<symbol, unknown>)[pino.symbols.needsMetadataGsym])
    return undefined;
  return stream;
}
