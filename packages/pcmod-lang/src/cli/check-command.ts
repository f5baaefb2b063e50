/** `pcmod check [PATH…] [--format text|json]`. */
import { parseArgs } from 'node:util';
import { type Diagnostic, hasErrors } from '../diagnostics/diagnostic.js';
import { renderJson } from '../diagnostics/render.js';
import { analyze } from './analyze.js';
import { collectSourceFiles, readSource } from './files.js';
import { type CliIo, ExitCode, UsageError } from './io.js';
import { writeDiagnostics } from './report.js';
import { summaryLine } from './summary.js';

export async function runCheck(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { format: { type: 'string', short: 'f', default: 'text' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.format !== 'text' && values.format !== 'json') {
    throw new UsageError(`unknown --format '${values.format}'; expected 'text' or 'json'`, 'check');
  }
  const files = await collectSourceFiles(positionals.length > 0 ? positionals : ['.'], io.cwd);

  const all: Diagnostic[] = [];
  for (const file of files) {
    const text = await readSource(file);
    const { diagnostics } = analyze(text, file.display);
    all.push(...diagnostics);
    if (values.format === 'text') writeDiagnostics(io.stdout, io, diagnostics, text);
  }
  io.stdout.write(values.format === 'json' ? `${renderJson(all)}\n` : `${summaryLine(all, files.length)}\n`);
  return hasErrors(all) ? ExitCode.failure : ExitCode.ok;
}
