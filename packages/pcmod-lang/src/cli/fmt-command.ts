/** `pcmod fmt [--check] [PATH…]` and `pcmod fmt -` (stdin to stdout). */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { format } from '../format/format.js';
import { collectSourceFiles, describeFsError, readSource } from './files.js';
import { type CliIo, ExitCode, readAll, UsageError } from './io.js';
import { writeDiagnostics } from './report.js';

/** Name used in diagnostics for text read from stdin. */
const stdinName = '<stdin>';

export async function runFmt(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { check: { type: 'boolean', short: 'c', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const checkOnly = values.check === true;
  if (positionals.includes('-')) {
    if (positionals.length > 1)
      throw new UsageError("'-' (stdin) cannot be combined with other paths", 'fmt');
    return formatStdin(io, checkOnly);
  }

  const files = await collectSourceFiles(positionals.length > 0 ? positionals : ['.'], io.cwd);
  let failed = false;
  for (const file of files) {
    const text = await readSource(file);
    const result = format(text, file.display);
    if (reportSyntaxErrors(result.diagnostics, text, io)) {
      failed = true;
      continue;
    }
    if (!result.changed) continue;
    io.stdout.write(`${file.display}\n`);
    if (checkOnly) {
      failed = true;
    } else {
      await writeFile(file.absolute, result.text, 'utf8').catch((error: unknown) => {
        throw new UsageError(`cannot write '${file.display}': ${describeFsError(error)}`);
      });
    }
  }
  return failed ? ExitCode.failure : ExitCode.ok;
}

async function formatStdin(io: CliIo, checkOnly: boolean): Promise<number> {
  const text = await readAll(io.stdin ?? process.stdin);
  const result = format(text, stdinName);
  if (reportSyntaxErrors(result.diagnostics, text, io)) return ExitCode.failure;
  if (checkOnly) {
    if (result.changed) io.stdout.write(`${stdinName}\n`);
    return result.changed ? ExitCode.failure : ExitCode.ok;
  }
  io.stdout.write(result.text);
  return ExitCode.ok;
}

/** Prints the errors that stopped formatting to stderr; true when there were any. */
function reportSyntaxErrors(diagnostics: readonly Diagnostic[], text: string, io: CliIo): boolean {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  writeDiagnostics(io.stderr, io, errors, text);
  return errors.length > 0;
}
