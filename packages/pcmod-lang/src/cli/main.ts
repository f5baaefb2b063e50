/**
 * Entry point of the `pcmod` CLI (bin/pcmod.js calls it). Dispatches to one command and turns every
 * failure into an exit code: 0 success, 1 findings, 2 bad command line, 70 a bug in pcmod.
 * It never lets an exception or stack trace reach the user.
 */
import { type CliIo, ExitCode, UsageError } from './io.js';
import { type CommandName, commandHelp, isCommandName, mainHelp } from './usage.js';
import { packageVersion } from './version.js';

export type { CliIo, CliOutput } from './io.js';
export { ExitCode } from './io.js';

// Loaded on demand: `--help` and `--version` should not pay for building the parser.
const commands: Record<CommandName, (args: readonly string[], io: CliIo) => Promise<number>> = {
  check: async (args, io) => (await import('./check-command.js')).runCheck(args, io),
  fmt: async (args, io) => (await import('./fmt-command.js')).runFmt(args, io),
  compile: async (args, io) => (await import('./compile-command.js')).runCompile(args, io),
};

/** Runs `pcmod` with the arguments after the program name and returns the process exit code. */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() },
): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const usage = asUsageError(error);
    if (usage) {
      const helpHint = usage.command ? `pcmod help ${usage.command}` : 'pcmod --help';
      io.stderr.write(`pcmod: ${usage.message}\nRun '${helpHint}' for usage.\n`);
      return ExitCode.usage;
    }
    io.stderr.write(`pcmod: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.internal;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(mainHelp);
    return ExitCode.usage;
  }
  if (first === '--help' || first === '-h') {
    io.stdout.write(mainHelp);
    return ExitCode.ok;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${packageVersion()}\n`);
    return ExitCode.ok;
  }
  if (first === 'help') {
    const [topic, ...extra] = rest;
    if (extra.length > 0) throw new UsageError('help takes at most one command name');
    if (topic === undefined) {
      io.stdout.write(mainHelp);
      return ExitCode.ok;
    }
    if (!isCommandName(topic)) throw new UsageError(`unknown command '${topic}'`);
    io.stdout.write(commandHelp[topic]);
    return ExitCode.ok;
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option '${first}'`);
  if (!isCommandName(first)) throw new UsageError(`unknown command '${first}'`);

  const endOfOptions = rest.indexOf('--');
  const options = endOfOptions === -1 ? rest : rest.slice(0, endOfOptions);
  if (options.includes('--help') || options.includes('-h')) {
    io.stdout.write(commandHelp[first]);
    return ExitCode.ok;
  }
  try {
    return await commands[first](rest, io);
  } catch (error) {
    const usage = asUsageError(error);
    // Attach the command so the hint names its help page.
    if (usage && usage.command === undefined) throw new UsageError(usage.message, first);
    throw error;
  }
}

/** Our own usage errors, and node:util parseArgs' (unknown option, missing value, stray positional). */
function asUsageError(error: unknown): UsageError | undefined {
  if (error instanceof UsageError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
    // parseArgs appends advice about '--' that does not help here; keep the first sentence.
    const sentence = error.message.split(/\.\s/)[0]?.replace(/\.$/, '') ?? error.message;
    return new UsageError(sentence.charAt(0).toLowerCase() + sentence.slice(1));
  }
  return undefined;
}
