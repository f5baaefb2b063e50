/**
 * The `proxycache` command: parses the command line, dispatches, and turns every failure into a message
 * and an exit code — never a stack trace.
 */
import { adminCommand, adminRoutes } from './admin-commands.js';
import { parseArgs } from './args.js';
import { configCommand } from './config-commands.js';
import { type CliIo, ExitCode, processIo, UsageError } from './io.js';
import { packageVersion, usage } from './usage.js';

/**
 * Runs `proxycache` with `argv` (without node and the script). Resolves to the exit code; `run` resolves
 * when the server has shut down after SIGTERM/SIGINT.
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number | undefined> {
  try {
    const args = parseArgs(argv);
    if (args.flags.has('version')) {
      io.stdout.write(`proxycache ${packageVersion()}\n`);
      return ExitCode.ok;
    }
    const command = args.words[0];
    if (args.flags.has('help') || command === undefined || command === 'help') {
      (command === undefined && !args.flags.has('help') ? io.stderr : io.stdout).write(usage);
      return command === undefined && !args.flags.has('help') ? ExitCode.usage : ExitCode.ok;
    }
    if (command === 'run') {
      // Loaded on demand: config and admin commands start without loading the server.
      const { runCommand } = await import('./run-command.js');
      return await runCommand(args, io);
    }
    if (command === 'config') return configCommand(args, io);
    if (command in adminRoutes) return await adminCommand(command, args, io);
    throw new UsageError(`unknown command '${command}'`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`proxycache: ${e.message}\nRun 'proxycache --help' for usage.\n`);
      return ExitCode.usage;
    }
    io.stderr.write(`proxycache: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return ExitCode.internal;
  }
}
