/**
 * What the CLI talks to. `main()` takes this instead of touching `process` so tests can capture output
 * and run in a temporary directory.
 */

/** A place to write text: `process.stdout`, `process.stderr`, or a test's buffer. */
export interface CliOutput {
  write(text: string): unknown;
  /** True for a terminal; decides whether diagnostics are coloured. */
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Directory that relative paths are resolved against. */
  readonly cwd: string;
  /** Read by `pcmod fmt -`. Default: `process.stdin`. */
  readonly stdin?: AsyncIterable<string | Uint8Array>;
  /** Read for `NO_COLOR`. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Process exit codes of `pcmod`. */
export const ExitCode = {
  ok: 0,
  /** Diagnostics with errors, files that need formatting, or files that cannot be formatted. */
  failure: 1,
  /** Bad command line: unknown command or flag, missing path. */
  usage: 2,
  /** A bug in pcmod itself (sysexits EX_SOFTWARE). */
  internal: 70,
} as const;

/** A command-line mistake: printed as `pcmod: message` and exits with {@link ExitCode.usage}. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help the message points to, if any. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Reads all of a stream as UTF-8 text. */
export async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of stream)
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}
