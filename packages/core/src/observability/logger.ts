/**
 * The process logger: pino, JSON lines on stdout, at the config's `log_level`.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Loggers made by `createLogger`, whose line layout (`level`, ISO `time`, `pid`, fields, `msg`) is known,
 * so that the access log may write its hot-path line straight to their destination (see access-log.ts).
 */
const plainLoggers = new WeakSet<Logger>();

type SonicBoom = ReturnType<typeof pino.destination>;

/**
 * Joins the lines written during one event-loop turn into one write to sonic-boom: under load each
 * access line was a separate sonic-boom write (~4 µs each, ~1.5 µs batched). Every line of the logger
 * goes through it, so their order is kept; `flush`/`flushSync` and process exit write what is pending.
 */
export class TurnBatchedStream implements DestinationStream {
  private pending = '';
  private scheduled = false;

  constructor(private readonly out: Pick<SonicBoom, 'write' | 'flush' | 'flushSync'>) {
    process.on('exit', () => this.flushSync());
  }

  write(line: string): boolean {
    this.pending += line;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
    return true;
  }

  flush(cb?: (err?: Error) => void): void {
    this.push();
    this.out.flush(cb);
  }

  flushSync(): void {
    this.push();
    try {
      this.out.flushSync();
    } catch {
      // not open yet or already closed at exit: nothing more can be done for these lines
    }
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    this.push();
  };

  private push(): void {
    if (this.pending === '') return;
    const lines = this.pending;
    this.pending = '';
    this.out.write(lines);
  }
}

/**
 * A logger at `level` (one of pino's levels; `server.log_level` is validated against them). Writes to
 * `destination` when given (tests), else to stdout without blocking the event loop, one write per
 * event-loop turn; `logger.flush()` and process exit write what is buffered.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const logger = pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? new TurnBatchedStream(pino.destination({ dest: 1, sync: false })),
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
