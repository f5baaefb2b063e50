/** `pcmod check [PATH…] [--format text|json]`. */
import { parseArgs } from 'node:util';
import { type Diagnostic, hasErrors } from '../diagnostics/diagnostic.js';
import { renderDiagnostic, renderJson, shouldUseColor } from '../diagnostics/render.js';
import { analyze } from './analyze.js';
import { collectSourceFiles, readSource } from './files.js';
import { type CliIo, ExitCode, UsageError } from './io.js';
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
  if (files.length === 0) throw new UsageError(`no .pcmod files found in ${quoteList(positionals)}`, 'check');

  const all: Diagnostic[] = [];
  const rendered: string[] = [];
  const color = shouldUseColor(io.stdout, io.env ?? process.env);
  for (const file of files) {
    const text = await readSource(file);
    const diagnostics = analyze(text, file.display);
    all.push(...diagnostics);
    for (const d of diagnostics) rendered.push(renderDiagnostic(d, text, { color }));
  }

  if (values.format === 'json') {
    io.stdout.write(`${renderJson(all)}\n`);
  } else {
    for (const block of rendered) io.stdout.write(`${block}\n\n`);
    io.stdout.write(`${summaryLine(all, files.length)}\n`);
  }
  return hasErrors(all) ? ExitCode.failure : ExitCode.ok;
}

function quoteList(paths: readonly string[]): string {
  return (paths.length > 0 ? paths : ['.']).map((p) => `'${p}'`).join(', ');
}
