/** `pcmod check [PATH…] [--format text|json]`. */
import { parseArgs } from 'node:util';
import { type Diagnostic, hasErrors } from '../diagnostics/diagnostic.js';
import { duplicateModuleName } from '../diagnostics/module-set.js';
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
  // The files checked together are a module set, as proxycache loads one: a `mod` name twice is PCM5001.
  const firstByName = new Map<string, string>();
  for (const file of files) {
    const text = await readSource(file);
    const { checked, diagnostics } = analyze(text, file.display);
    const mod = checked.ast.headers.find((h) => h.kind === 'ModHeader');
    if (mod?.kind === 'ModHeader') {
      const first = firstByName.get(mod.name.name);
      if (first === undefined) firstByName.set(mod.name.name, file.display);
      else diagnostics.push(duplicateModuleName(mod.name.name, file.display, mod.name.range, first));
    }
    all.push(...diagnostics);
    if (values.format === 'text') writeDiagnostics(io.stdout, io, diagnostics, text);
  }
  io.stdout.write(values.format === 'json' ? `${renderJson(all)}\n` : `${summaryLine(all, files.length)}\n`);
  return hasErrors(all) ? ExitCode.failure : ExitCode.ok;
}
