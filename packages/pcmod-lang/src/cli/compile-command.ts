/** `pcmod compile FILE [--emit js|ts]`: prints the generated source, or the diagnostics that prevent it. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compile } from '../compile.js';
import { type Diagnostic, hasErrors } from '../diagnostics/diagnostic.js';
import { emitTypeScript } from '../emit/emit.js';
import { analyze } from './analyze.js';
import { readSource } from './files.js';
import { type CliIo, ExitCode, UsageError } from './io.js';
import { writeDiagnostics } from './report.js';

export async function runCompile(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { emit: { type: 'string', short: 'e', default: 'js' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.emit !== 'js' && values.emit !== 'ts') {
    throw new UsageError(`unknown --emit '${values.emit}'; expected 'js' or 'ts'`, 'compile');
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0 ? 'compile needs a FILE' : 'compile takes exactly one FILE',
      'compile',
    );
  }
  const display = positionals[0] as string;
  const text = await readSource({ display, absolute: resolve(io.cwd, display) });

  let output: string | undefined;
  let diagnostics: Diagnostic[];
  if (values.emit === 'js') {
    const result = compile(text, display);
    diagnostics = result.diagnostics;
    output = result.module?.js;
  } else {
    const analysis = analyze(text, display);
    diagnostics = analysis.diagnostics;
    if (!hasErrors(diagnostics)) output = emitTypeScript(analysis.checked);
  }

  writeDiagnostics(io.stderr, io, diagnostics, text);
  if (hasErrors(diagnostics)) return ExitCode.failure;
  if (output === undefined) {
    io.stderr.write(`pcmod: '${display}' produced no output\n`);
    return ExitCode.failure;
  }
  io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
  return ExitCode.ok;
}
