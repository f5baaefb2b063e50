/**
 * Where the cursor is in a config.toml, line by line: which `[section]` it is under and which key its
 * line assigns. Only what completion, hover and definition need; validation parses the TOML properly.
 */

export interface TomlLineContext {
  /** The dotted name of the nearest `[table]` above (or on) the line; "" before any table. */
  readonly section: string;
  /** The key assigned on this line, with its character span. */
  readonly key: { readonly name: string; readonly start: number; readonly end: number } | undefined;
  /** The line is a `[table]` header; with its name span. */
  readonly header: { readonly name: string; readonly start: number; readonly end: number } | undefined;
}

const headerLine = /^(\s*\[\[?\s*)([A-Za-z0-9_.-]*)/;
const keyLine = /^(\s*)([A-Za-z0-9_-]+|"[^"]*")\s*=/;

/** The context of 0-based `line` in `text`. */
export function tomlLineContext(text: string, line: number): TomlLineContext {
  const lines = text.split(/\r?\n/);
  let section = '';
  let header: TomlLineContext['header'];
  for (let i = 0; i <= line && i < lines.length; i++) {
    const m = headerLine.exec(lines[i] ?? '');
    if (!m) continue;
    section = m[2] ?? '';
    if (i === line)
      header = { name: section, start: (m[1] ?? '').length, end: (m[1] ?? '').length + section.length };
  }
  const k = keyLine.exec(lines[line] ?? '');
  const key =
    k && !header
      ? {
          name: (k[2] ?? '').replace(/^"|"$/g, ''),
          start: (k[1] ?? '').length,
          end: (k[1] ?? '').length + (k[2] ?? '').length,
        }
      : undefined;
  return { section, key, header };
}

/** The character span of the TOML token starting at `column` (0-based) on `lineText`. */
export function tomlTokenSpan(lineText: string, column: number): { start: number; end: number } {
  const c = lineText[column];
  let end = column;
  if (c === '[') {
    const close = lineText.indexOf(']', column);
    end = close < 0 ? lineText.length : close + 1;
    if (lineText[end] === ']') end++;
  } else if (c === '"' || c === "'") {
    end = column + 1;
    while (end < lineText.length && lineText[end] !== c) end += lineText[end] === '\\' && c === '"' ? 2 : 1;
    end = Math.min(lineText.length, end + 1);
  } else if (c === '{') {
    end = lineText.replace(/\s+#.*$/, '').trimEnd().length;
  } else {
    while (end < lineText.length && !/[\s#,\]}=]/.test(lineText[end] ?? '')) end++;
  }
  return { start: column, end: Math.max(end, column + 1) };
}
