/**
 * Diagnostics about a set of modules loaded together (PCM5xxx), shared by proxycache's module loader and
 * `pcmod check`, so that both say the same thing about the same files.
 */
import type { Range } from '../ast/nodes.js';
import { createDiagnostic, type Diagnostic } from './diagnostic.js';

/** The empty range at the start of a file: where a file-level diagnostic points. */
export const fileStart: Range = {
  start: { line: 1, column: 1, offset: 0 },
  end: { line: 1, column: 1, offset: 0 },
};

/** PCM5001 at `range` (the `mod` name) in `file`: `name` is already defined in `firstFile`. */
export function duplicateModuleName(name: string, file: string, range: Range, firstFile: string): Diagnostic {
  return createDiagnostic('PCM5001', file, range, [name, firstFile], {
    related: [{ message: `'${name}' is first defined here`, file: firstFile, range: fileStart }],
  });
}
