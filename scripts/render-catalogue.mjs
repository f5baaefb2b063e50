// Renders the diagnostic catalogue section of docs/pcmod.md: for every code, its summary, the golden
// case that triggers it (packages/pcmod-lang/test/cases/pcmNNNN-*.pcmod) and the message it produces.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const casesDir = new URL('../packages/pcmod-lang/test/cases/', import.meta.url).pathname;

/** Examples for codes whose trigger is too large for a fixture file. */
const described = {
  PCM1010: 'A file with more than 10,000 lines, e.g. a generated module of 10,001 `log` statements.',
  PCM5001:
    'Two `.pcmod` files in the built-in and `--mods` directories that both start with `mod cache` (`pcmod check` reports it among the files it checks together).',
  PCM5002: '`proxycache run --mods DIR` where DIR does not exist, or a module file that cannot be read.',
  PCM5003:
    'In the editor, a module with `overrides ghost` when no workspace or built-in module is called `ghost`.',
  PCM6001: 'A config.toml line such as `http2 = ` (a key without a value).',
  PCM6002: 'A config.toml section `[nosuch]` when no module is called `nosuch`.',
  PCM6003:
    'A config.toml key `colour = "blue"` under `[greeter]` when greeter\'s `config {}` has no `colour` field.',
  PCM6004:
    'A config.toml value `http2 = "yes"` (http2 is a bool) or `listen_addr = "127.0.0.1:99999"` (port out of range).',
  PCM6005: 'A config.toml `[server]` section that sets `tls_cert` but not `tls_key`.',
  PCM6006:
    '`proxycache run --config DIR` where DIR is a directory, or a config.toml without read permission.',
};

/**
 * @param {{ compile: Function, catalogue: Record<string, {severity: string, message: string, summary: string}> }} lang
 * @returns {string} markdown between the catalogue markers
 */
export function renderCatalogue({ compile, catalogue }) {
  const cases = readdirSync(casesDir)
    .filter((f) => /^pcm\d{4}-.*\.pcmod$/.test(f))
    .sort();
  const out = [''];
  for (const [code, entry] of Object.entries(catalogue)) {
    out.push(`### ${code}`, '', `**${entry.severity}** — ${entry.summary}`, '');
    const file = cases.find((f) => f.startsWith(code.toLowerCase()));
    if (!file) {
      out.push(
        described[code] ?? '(no example)',
        '',
        '```text',
        `${entry.severity} ${code}: ${entry.message}`,
        '```',
        '',
      );
      continue;
    }
    const text = readFileSync(join(casesDir, file), 'utf8');
    const diag = compile(text, file).diagnostics.find((d) => d.code === code);
    out.push('```pcmod', text.trimEnd(), '```', '');
    const where = diag ? `${file}:${diag.range.start.line}:${diag.range.start.column}` : file;
    const message = diag ? diag.message : entry.message;
    out.push('```text', `${where} - ${entry.severity} ${code}: ${message}`, '```', '');
  }
  return out.join('\n');
}

/** Replaces the text between the catalogue markers. */
export function withCatalogue(doc, section) {
  const start = '<!-- catalogue:start -->';
  const end = '<!-- catalogue:end -->';
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error('docs/pcmod.md lacks the catalogue markers');
  return `${doc.slice(0, i + start.length)}${section}${doc.slice(j)}`;
}
