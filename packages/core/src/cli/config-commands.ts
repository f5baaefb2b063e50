/** `proxycache config verify` and `proxycache config repair`. */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { repairConfig } from '../config/repair-config.js';
import { allowOnly, flag, type ParsedArgs } from './args.js';
import { type CliIo, ExitCode, UsageError } from './io.js';
import { compileModules, loadAndReportConfig, sourcePaths } from './modules-and-config.js';
import { formatConfigErrors } from './report.js';

export function configCommand(args: ParsedArgs, io: CliIo): number {
  const sub = args.words[1];
  if (sub === undefined) throw new UsageError("'config' needs a subcommand: verify or repair");
  if (args.words.length > 2) throw new UsageError(`unexpected argument '${args.words[2]}'`);
  allowOnly(args, `config ${sub}`, ['config', 'mods']);
  if (sub === 'verify') return verify(args, io);
  if (sub === 'repair') return repair(args, io);
  throw new UsageError(`unknown config subcommand '${sub}'; expected verify or repair`);
}

function verify(args: ParsedArgs, io: CliIo): number {
  const paths = sourcePaths(args, io);
  if (flag(args, 'config') !== undefined && !existsSync(paths.configFile)) {
    // `run` starts on defaults without a config file; a file named for verifying must exist (a typo in
    // the path would otherwise verify as valid).
    io.stderr.write(`${displayName(paths.configFile, io)}: not found\n`);
    return ExitCode.failure;
  }
  const modules = compileModules(paths, io);
  if (!modules.ok) {
    io.stderr.write('proxycache: cannot verify the config: the modules above have errors\n');
    return ExitCode.failure;
  }
  const result = loadAndReportConfig(paths, modules.modules, io);
  for (const note of result.notes) io.stdout.write(`${note}\n`);
  const name = displayName(paths.configFile, io);
  if (result.errors.length > 0) {
    io.stderr.write(`${name}: invalid (${plural(result.errors.length, 'error')})\n`);
    return ExitCode.failure;
  }
  io.stdout.write(`${name}: valid (${plural(modules.modules.length, 'module')})\n`);
  return ExitCode.ok;
}

function repair(args: ParsedArgs, io: CliIo): number {
  const paths = sourcePaths(args, io);
  const modules = compileModules(paths, io);
  if (!modules.ok) {
    io.stderr.write('proxycache: cannot repair the config: the modules above have errors\n');
    return ExitCode.failure;
  }
  const result = repairConfig(paths.configFile, modules.modules);
  const name = displayName(paths.configFile, io);
  if (result.changed) io.stdout.write(`${name}: added ${result.added.map((s) => `[${s}]`).join(', ')}\n`);
  else if (result.errors.length === 0) io.stdout.write(`${name}: nothing to repair\n`);
  if (result.errors.length > 0) {
    io.stderr.write(formatConfigErrors(result.errors));
    io.stderr.write(
      `${name}: still invalid (${plural(result.errors.length, 'error')}); repair only adds missing sections\n`,
    );
    return ExitCode.failure;
  }
  return ExitCode.ok;
}

function displayName(file: string, io: CliIo): string {
  const rel = relative(io.cwd, file);
  return rel.startsWith('..') ? file : rel;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
