/** Writes rendered diagnostics to a CLI stream, coloured when that stream is a terminal. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { renderDiagnostic, shouldUseColor } from '../diagnostics/render.js';
import type { CliIo, CliOutput } from './io.js';

/** Each diagnostic with its excerpt, followed by a blank line. `text` is the source they refer to. */
export function writeDiagnostics(
  stream: CliOutput,
  io: CliIo,
  diagnostics: readonly Diagnostic[],
  text: string,
): void {
  const color = shouldUseColor(stream, io.env ?? process.env);
  for (const d of diagnostics) stream.write(`${renderDiagnostic(d, text, { color })}\n\n`);
}
