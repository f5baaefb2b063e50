/**
 * Maps an error thrown inside generated handler code back to its `.pcmod` file:line:column, so that
 * logs point at the script and not at generated JavaScript.
 */
import type { SourceLocation, SourceMapping } from '@proxycache/pcmod-lang';

function isLocation(v: unknown): v is SourceLocation {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.file === 'string' && typeof o.line === 'number' && typeof o.column === 'number';
}

const frame = /:(\d+):(\d+)\)?$/;

/**
 * The script location of `err`: a location the generated code attached (`err.where` / `err.location`),
 * else the first stack frame the module's source map knows, else the module file itself (line 0).
 */
export function scriptLocation(
  err: unknown,
  file: string,
  sourceMap: SourceMapping | undefined,
): SourceLocation {
  if (typeof err === 'object' && err !== null) {
    const o = err as Record<string, unknown>;
    if (isLocation(o.where)) return o.where;
    if (isLocation(o.location)) return o.location;
    const stack = o.stack;
    if (sourceMap !== undefined && typeof stack === 'string') {
      for (const line of stack.split('\n', 12)) {
        const m = frame.exec(line.trim());
        if (m === null) continue;
        const found = sourceMap.originalFor(Number(m[1]), Number(m[2]));
        if (found !== undefined) return found;
      }
    }
  }
  return { file, line: 0, column: 0 };
}
