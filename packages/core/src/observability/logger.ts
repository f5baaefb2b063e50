/**
 * The process logger: pino, JSON lines on stdout, at the config's `log_level`.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * A logger at `level` (one of pino's levels; `server.log_level` is validated against them). Writes to
 * `destination` when given (tests), else to stdout without blocking the event loop; pino flushes the
 * buffer when the process exits.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
