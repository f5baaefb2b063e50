/**
 * Source map from generated code back to the `.pcmod` file: a v3 JSON encoding for tools and a
 * direct lookup (`originalFor`) for the host's error and log messages.
 */
import type { SourceLocation, SourceMapping } from '../runtime/contract.js';
import { encodeVlq } from './vlq.js';

/** One mapping: generated 1-based line and 0-based column → original 1-based line and column. */
export interface MappingSegment {
  readonly generatedLine: number;
  readonly generatedColumn: number;
  readonly originalLine: number;
  readonly originalColumn: number;
}

/** Encodes segments (sorted by generated position) as the v3 `mappings` string. */
export function encodeMappings(segments: readonly MappingSegment[]): string {
  let out = '';
  let line = 1;
  let previousOriginalLine = 0;
  let previousOriginalColumn = 0;
  let previousGeneratedColumn = 0;
  let firstOnLine = true;
  for (const s of segments) {
    while (line < s.generatedLine) {
      out += ';';
      line++;
      previousGeneratedColumn = 0;
      firstOnLine = true;
    }
    if (!firstOnLine) out += ',';
    firstOnLine = false;
    // Fields: generated column, source index (always 0), original line, original column — all
    // deltas, with the original line and column 0-based as v3 requires.
    out += encodeVlq(s.generatedColumn - previousGeneratedColumn);
    out += encodeVlq(0);
    out += encodeVlq(s.originalLine - 1 - previousOriginalLine);
    out += encodeVlq(s.originalColumn - 1 - previousOriginalColumn);
    previousGeneratedColumn = s.generatedColumn;
    previousOriginalLine = s.originalLine - 1;
    previousOriginalColumn = s.originalColumn - 1;
  }
  return out;
}

/** The compiled module's source map over its generated JavaScript. */
export class PcmodSourceMap implements SourceMapping {
  readonly #file: string;
  readonly #segments: readonly MappingSegment[];
  /** Segments grouped by generated line, each group sorted by column. */
  readonly #byLine: ReadonlyMap<number, readonly MappingSegment[]>;

  constructor(file: string, segments: readonly MappingSegment[]) {
    this.#file = file;
    this.#segments = [...segments].sort(
      (a, b) => a.generatedLine - b.generatedLine || a.generatedColumn - b.generatedColumn,
    );
    const byLine = new Map<number, MappingSegment[]>();
    for (const s of this.#segments) {
      const group = byLine.get(s.generatedLine);
      if (group) group.push(s);
      else byLine.set(s.generatedLine, [s]);
    }
    this.#byLine = byLine;
  }

  /** The `.pcmod` location of the last mapping at or before `column` on generated `line` (both 1-based). */
  originalFor(line: number, column: number): SourceLocation | undefined {
    const group = this.#byLine.get(line);
    if (!group) return undefined;
    let found: MappingSegment | undefined;
    for (const s of group) {
      if (s.generatedColumn > column - 1) break;
      found = s;
    }
    return found && { file: this.#file, line: found.originalLine, column: found.originalColumn };
  }

  toJSON(): object {
    return {
      version: 3,
      file: `${this.#file}.js`,
      sources: [this.#file],
      names: [],
      mappings: encodeMappings(this.#segments),
    };
  }
}
