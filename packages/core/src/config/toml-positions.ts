/**
 * Source positions for a TOML document. smol-toml returns values without positions, so this scanner
 * walks the (already syntax-checked) text once and records where every table header, key and value
 * starts. It understands `[a.b]` / `[[a]]` headers, dotted and quoted keys, inline tables (nested keys
 * are recorded) and skips over arrays and strings, including multi-line ones.
 */

/** 1-based line and column of a place in the TOML text. */
export interface TomlPlace {
  readonly line: number;
  readonly column: number;
}

export interface TomlEntry {
  /** Where the key (or the `[` of a table header) starts. */
  readonly key: TomlPlace;
  /** Where the value starts; for a table header, the header itself. */
  readonly value: TomlPlace;
}

/** Positions by key path. Paths use the segments as parsed (quotes removed). */
export class TomlPositions {
  private readonly entries = new Map<string, TomlEntry>();

  set(path: readonly string[], entry: TomlEntry): void {
    const id = pathId(path);
    // The first definition is where the user wrote it; later implicit mentions (a.b.c) do not move it.
    if (!this.entries.has(id)) this.entries.set(id, entry);
  }

  /** The entry for `path`, or for the nearest ancestor that has one. */
  find(path: readonly string[]): TomlEntry | undefined {
    for (let n = path.length; n > 0; n--) {
      const entry = this.entries.get(pathId(path.slice(0, n)));
      if (entry) return entry;
    }
    return undefined;
  }

  /** The entry for exactly `path`. */
  get(path: readonly string[]): TomlEntry | undefined {
    return this.entries.get(pathId(path));
  }
}

function pathId(path: readonly string[]): string {
  return path.join('\u0000');
}

const bareKeyChar = /[A-Za-z0-9_-]/;

/** Scans `text` (valid TOML) and returns the positions of its keys and tables. */
export function scanTomlPositions(text: string): TomlPositions {
  return new Scanner(text).run();
}

class Scanner {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private readonly out = new TomlPositions();
  /** > 0 while inside an array: keys there have no stable path and are not recorded. */
  private inArray = 0;
  private readonly arrayTableCounts = new Map<string, number>();

  constructor(private readonly text: string) {}

  run(): TomlPositions {
    let table: string[] = [];
    while (this.i < this.text.length) {
      this.skipBlank(true);
      if (this.i >= this.text.length) break;
      const c = this.text[this.i];
      if (c === '\n' || c === '\r') {
        this.newline();
        continue;
      }
      if (c === '[') table = this.header();
      else this.keyValue(table);
      this.skipToLineEnd();
    }
    return this.out;
  }

  private place(): TomlPlace {
    return { line: this.line, column: this.i - this.lineStart + 1 };
  }

  private newline(): void {
    if (this.text[this.i] === '\r') this.i++;
    if (this.text[this.i] === '\n') this.i++;
    this.line++;
    this.lineStart = this.i;
  }

  /** Skips spaces and tabs; with `comments`, also a `#` comment up to (not including) the line end. */
  private skipBlank(comments: boolean): void {
    while (this.i < this.text.length) {
      const c = this.text[this.i];
      if (c === ' ' || c === '\t') this.i++;
      else if (comments && c === '#') {
        while (this.i < this.text.length && this.text[this.i] !== '\n') this.i++;
      } else break;
    }
  }

  /** Skips blanks, newlines and comments (inside arrays and multi-line values). */
  private skipWhitespaceAndNewlines(): void {
    for (;;) {
      this.skipBlank(true);
      const c = this.text[this.i];
      if (c === '\n' || c === '\r') this.newline();
      else return;
    }
  }

  private skipToLineEnd(): void {
    this.skipBlank(true);
    while (this.i < this.text.length && this.text[this.i] !== '\n') this.i++;
    if (this.i < this.text.length) this.newline();
  }

  private header(): string[] {
    const at = this.place();
    const isArray = this.text[this.i + 1] === '[';
    this.i += isArray ? 2 : 1;
    const path = this.keyPath();
    this.i += isArray ? 2 : 1;
    this.recordPath(0, path, at, at);
    if (!isArray) return path;
    const id = pathId(path);
    const index = this.arrayTableCounts.get(id) ?? 0;
    this.arrayTableCounts.set(id, index + 1);
    const element = [...path, String(index)];
    this.record(element, { key: at, value: at });
    return element;
  }

  /** Reads a dotted key. */
  private keyPath(): string[] {
    const segments: string[] = [];
    for (;;) {
      this.skipBlank(false);
      segments.push(this.keySegment());
      this.skipBlank(false);
      if (this.text[this.i] !== '.') break;
      this.i++;
    }
    return segments;
  }

  /** Records `path` and every prefix of it below `base` (dotted keys define their parent tables). */
  private recordPath(base: number, path: readonly string[], key: TomlPlace, value: TomlPlace): void {
    for (let n = base + 1; n < path.length; n++) this.record(path.slice(0, n), { key, value: key });
    this.record(path, { key, value });
  }

  private keySegment(): string {
    const c = this.text[this.i];
    if (c === '"' || c === "'") return this.singleLineString();
    const start = this.i;
    while (this.i < this.text.length && bareKeyChar.test(this.text[this.i] ?? '')) this.i++;
    return this.text.slice(start, this.i);
  }

  private keyValue(table: readonly string[]): void {
    const keyAt = this.place();
    const path = [...table, ...this.keyPath()];
    this.skipBlank(false);
    this.i++; // '='
    this.skipBlank(false);
    this.recordPath(table.length, path, keyAt, this.place());
    this.value(path);
  }

  private value(path: readonly string[]): void {
    const c = this.text[this.i];
    if (c === '{') this.inlineTable(path);
    else if (c === '[') this.array();
    else if (c === '"' || c === "'") this.stringValue();
    else {
      while (this.i < this.text.length && !/[\s,\]}#]/.test(this.text[this.i] ?? '')) this.i++;
    }
  }

  private inlineTable(path: readonly string[]): void {
    this.i++; // '{'
    this.items('}', () => this.keyValue(path));
  }

  private array(): void {
    this.i++; // '['
    this.inArray++;
    this.items(']', () => this.value([]));
    this.inArray--;
  }

  /** Comma-separated `item`s (newlines allowed) up to and past `close`, or to the end of the text. */
  private items(close: '}' | ']', item: () => void): void {
    for (;;) {
      this.skipWhitespaceAndNewlines();
      const c = this.text[this.i];
      if (c === undefined) return;
      if (c === close) {
        this.i++;
        return;
      }
      if (c === ',') {
        this.i++;
        continue;
      }
      const before = this.i;
      item();
      // The text passed smol-toml, but never loop on something this scanner does not expect.
      if (this.i === before) this.i++;
    }
  }

  private record(path: readonly string[], entry: TomlEntry): void {
    if (this.inArray === 0) this.out.set(path, entry);
  }

  private stringValue(): void {
    const q = this.text[this.i] ?? '"';
    if (this.text.startsWith(q.repeat(3), this.i)) this.multiLineString(q);
    else this.singleLineString();
  }

  /** Reads a one-line basic or literal string and returns its (unescaped) content. */
  private singleLineString(): string {
    const q = this.text[this.i];
    this.i++;
    let raw = '';
    while (this.i < this.text.length && this.text[this.i] !== q && this.text[this.i] !== '\n') {
      if (q === '"' && this.text[this.i] === '\\') {
        raw += this.text.slice(this.i, this.i + 2);
        this.i += 2;
        continue;
      }
      raw += this.text[this.i];
      this.i++;
    }
    this.i++; // closing quote
    return q === '"' ? unescapeBasic(raw) : raw;
  }

  private multiLineString(q: string): void {
    const close = q.repeat(3);
    this.i += 3;
    while (this.i < this.text.length) {
      const c = this.text[this.i];
      if (q === '"' && c === '\\') {
        this.i++;
        if (this.text[this.i] === '\n' || this.text[this.i] === '\r') this.newline();
        else this.i++;
        continue;
      }
      if (this.text.startsWith(close, this.i)) {
        this.i += 3;
        // Up to two extra quotes may belong to the content (`""""" ` ends with two quotes inside).
        while (this.text[this.i] === q) this.i++;
        return;
      }
      if (c === '\n' || c === '\r') this.newline();
      else this.i++;
    }
  }
}

const escapes: Record<string, string> = {
  b: '\b',
  t: '\t',
  n: '\n',
  f: '\f',
  r: '\r',
  '"': '"',
  '\\': '\\',
  e: '\x1b',
};

function unescapeBasic(raw: string): string {
  return raw.replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|x[0-9A-Fa-f]{2}|.)/g, (_, e: string) => {
    if (e.length > 1) return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
    return escapes[e] ?? e;
  });
}
