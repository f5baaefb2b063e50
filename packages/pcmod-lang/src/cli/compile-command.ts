/** `pcmod compile FILE [--emit js|ts]`: prints the generated source, or the diagnostics that prevent it. */
import { parseArgs } from 'node:util';
import { check } from '../checker/check.js';
import { compile } from '../compile.js';
import { type Diagnostic, hasErrors, sortDiagnostics } from '../diagnostics/diagnostic.js';
import { renderDiagnostic, shouldUseColor } from '../diagnostics/render.js';
import { emitTypeScript } from '../emit/emit.js';
import { parse } from '../parser/parse.js';
import { readSource } from './files.js';
import { type CliIo, ExitCode, UsageError } from './io.js';
import { resolve } from 'node:path';

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
    const parsed = parse(text, display);
    if (hasErrors(parsed.diagnostics)) {
      diagnostics = sortDiagnostics(parsed.diagnostics);
    } else {
      const checked = check(parsed);
      diagnostics = sortDiagnostics([...parsed.diagnostics, ...checked.diagnostics]);
      if (!hasErrors(diagnostics)) output = emitTypeScript(checked);
    }
  }

  const color = shouldUseColor(io.stderr, io.env ?? process.env);
  for (const d of diagnostics) io.stderr.write(`${renderDiagnostic(d, text, { color })}\n\n`);
  if (output === undefined || hasErrors(diagnostics)) return ExitCode.failure;
  io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
  return ExitCode.ok;
}
