/**
 * One call from `.pcmod` text to a runnable module: parse → check → emit. The CLI, the core's module
 * loader and tests all compile through here.
 */
import type { Position, Range } from './ast/nodes.js';
import { check } from './checker/check.js';
import { createDiagnostic, type Diagnostic, hasErrors, sortDiagnostics } from './diagnostics/diagnostic.js';
import { emit } from './emit/emit.js';
import { parse } from './parser/parse.js';
import type { CompiledModule } from './runtime/contract.js';

export interface CompileResult {
  /** Present when there are no errors (warnings allowed). */
  readonly module?: CompiledModule;
  /** Parse and check diagnostics, sorted. */
  readonly diagnostics: Diagnostic[];
}

const start: Position = { line: 1, column: 1, offset: 0 };
const fileStart: Range = { start, end: start };

/** Compiles a module. Never throws: a compiler bug becomes a PCM1001 "internal compiler error". */
export function compile(text: string, file: string): CompileResult {
  const diagnostics: Diagnostic[] = [];
  try {
    const parsed = parse(text, file);
    diagnostics.push(...parsed.diagnostics);
    const checked = check(parsed);
    diagnostics.push(...checked.diagnostics);
    if (hasErrors(diagnostics)) return { diagnostics: sortDiagnostics(diagnostics) };
    return { module: emit(checked), diagnostics: sortDiagnostics(diagnostics) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    diagnostics.push(createDiagnostic('PCM1001', file, fileStart, [`internal compiler error: ${message}`]));
    return { diagnostics: sortDiagnostics(diagnostics) };
  }
}
