/**
 * What the proxycache CLI talks to. `main()` takes this instead of touching `process` directly so tests
 * can capture output, pick a working directory and send signals.
 */

/** A place to write text. */
export interface CliOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Directory that relative paths (`--config`, `--mods`) resolve against. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Subscribes to a process signal; returns the unsubscribe function. */
  onSignal(signal: NodeJS.Signals, handler: () => void): () => void;
}

/** The real process. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    onSignal(signal, handler) {
      process.on(signal, handler);
      return () => process.off(signal, handler);
    },
  };
}

/** Process exit codes of `proxycache`. */
export const ExitCode = {
  ok: 0,
  /** Invalid config or modules, a failed admin call, a server that could not start. */
  failure: 1,
  /** Bad command line. */
  usage: 2,
  /** A bug in proxycache itself (sysexits EX_SOFTWARE). */
  internal: 70,
} as const;

/** A command-line mistake: printed as `proxycache: message` with a pointer to --help, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
