/**
 * Line-oriented writer for generated code that records source-map segments as it goes.
 */
import type { Position } from '../ast/nodes.js';
import type { MappingSegment } from './source-map.js';

/** Marks the current output position as coming from `at` in the `.pcmod` source. */
export class Mark {
  constructor(readonly at: Position) {}
}

/** Generated code under construction: text pieces (never containing a line break) and marks. */
export type Fragment = string | Mark | readonly Fragment[];

export class CodeWriter {
  readonly #lines: string[] = [];
  readonly #segments: MappingSegment[] = [];
  #depth: number;

  constructor(depth = 0) {
    this.#depth = depth;
  }

  /** Writes one indented line. */
  line(...parts: Fragment[]): void {
    let text = '  '.repeat(this.#depth);
    const generatedLine = this.#lines.length + 1;
    const visit = (f: Fragment): void => {
      if (typeof f === 'string') text += f;
      else if (f instanceof Mark) {
        this.#segments.push({
          generatedLine,
          generatedColumn: text.length,
          originalLine: f.at.line,
          originalColumn: f.at.column,
        });
      } else for (const part of f) visit(part);
    };
    for (const part of parts) visit(part);
    this.#lines.push(text);
  }

  indent(): void {
    this.#depth++;
  }

  dedent(): void {
    this.#depth--;
  }

  /** Appends another writer's lines (indented by their own depth) and shifts its segments. */
  append(other: CodeWriter): void {
    const offset = this.#lines.length;
    for (const s of other.#segments) this.#segments.push({ ...s, generatedLine: s.generatedLine + offset });
    this.#lines.push(...other.#lines);
  }

  /** The current indentation level. */
  get depth(): number {
    return this.#depth;
  }

  get segments(): readonly MappingSegment[] {
    return this.#segments;
  }

  toString(): string {
    return this.#lines.join('\n');
  }
}
