/** Where config.toml mentions a section or one of its keys, for references and rename across files. */
import type { Range } from 'vscode-languageserver/node.js';

/** Ranges of `key = …` lines under `[section]`, and of `section` in its `[section]` headers. */
export function tomlMentions(text: string, section: string, key: string | undefined): Range[] {
  const out: Range[] = [];
  let current = '';
  text.split(/\r?\n/).forEach((line, n) => {
    const h = /^(\s*\[\[?\s*)([A-Za-z0-9_.-]*)/.exec(line);
    if (h) {
      current = h[2] ?? '';
      if (key === undefined && current === section) {
        const start = (h[1] ?? '').length;
        out.push({
          start: { line: n, character: start },
          end: { line: n, character: start + current.length },
        });
      }
      return;
    }
    if (key === undefined || current !== section) return;
    const k = /^(\s*)([A-Za-z0-9_-]+)\s*=/.exec(line);
    if (k && k[2] === key) {
      const start = (k[1] ?? '').length;
      out.push({ start: { line: n, character: start }, end: { line: n, character: start + key.length } });
    }
  });
  return out;
}
