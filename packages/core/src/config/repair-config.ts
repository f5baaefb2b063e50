/**
 * `proxycache config repair`: appends the sections config.toml lacks (`[server]` and one per loaded
 * module) with every default written out. What the user wrote is never touched: the old text is an
 * exact prefix of the new one, and running repair again changes nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { CompiledModule } from '@proxycache/pcmod-lang';
import { parse as parseToml } from 'smol-toml';
import { renderValue, tomlKey } from './field-values.js';
import { type ConfigModule, checkConfigText, SERVER_SECTION } from './load-config.js';
import { type FieldSpec, serverFields } from './server-schema.js';
import type { ConfigError } from './types.js';

/** What repair needs of a module: its config schema and, for the comment line, where it comes from. */
export type RepairModule = ConfigModule & Partial<Pick<CompiledModule, 'version' | 'file' | 'priority'>>;

export interface RepairResult {
  /** Whether the file was written. */
  readonly changed: boolean;
  /** Section names appended, in order. */
  readonly added: string[];
  /** Problems that stopped the repair (unreadable file, TOML syntax error) or remain after it. */
  readonly errors: ConfigError[];
}

/** The config file itself could not be read or written (PCM6006): nothing was changed. */
function fileFailure(file: string, message: string): RepairResult {
  return {
    changed: false,
    added: [],
    errors: [{ file, line: 0, column: 0, key: '', message, code: 'PCM6006' }],
  };
}

/**
 * Appends missing sections to `file` (creating it when absent). A file with a TOML syntax error is left
 * alone: appending to text that does not parse could only make it worse.
 */
export function repairConfig(file: string, modules: readonly RepairModule[]): RepairResult {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      return fileFailure(file, `cannot read config file: ${(e as Error).message}`);
    }
  }
  const repaired = repairConfigText(text, file, modules);
  if (!repaired.ok) return { changed: false, added: [], errors: repaired.errors };
  if (repaired.added.length > 0) {
    try {
      writeFileSync(file, repaired.text);
    } catch (e) {
      return fileFailure(file, `cannot write config file: ${(e as Error).message}`);
    }
  }
  // Whatever is still wrong (a bad value the user wrote) is reported, not fixed.
  const remaining = checkConfigText(repaired.text, file, modules).errors;
  return { changed: repaired.added.length > 0, added: repaired.added, errors: remaining };
}

/** The pure part of repair: `text` plus the missing sections. */
export function repairConfigText(
  text: string,
  file: string,
  modules: readonly RepairModule[],
): { ok: true; text: string; added: string[] } | { ok: false; errors: ConfigError[] } {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text);
  } catch {
    const { errors } = checkConfigText(text, file, modules);
    return { ok: false, errors };
  }
  const blocks: string[] = [];
  const added: string[] = [];
  if (!(SERVER_SECTION in doc)) {
    blocks.push(
      renderSection(
        SERVER_SECTION,
        '# server: listeners, backend, limits and timeouts (defaults)',
        serverFields,
      ),
    );
    added.push(SERVER_SECTION);
  }
  const ordered = [...modules].sort(
    (a, b) => (a.priority ?? 0) - (b.priority ?? 0) || (a.name < b.name ? -1 : 1),
  );
  for (const m of ordered) {
    if (m.name in doc) continue;
    // The file's name only: an absolute path would tie the config to one machine's checkout.
    const origin = [m.version ? `version ${m.version}` : '', m.file ? basename(m.file) : '']
      .filter(Boolean)
      .join(', ');
    const comment = `# module ${m.name}${origin ? ` (${origin})` : ''}: defaults`;
    const fields: FieldSpec[] = m.configSchema.some((f) => f.name === 'enabled')
      ? [...m.configSchema]
      : [{ name: 'enabled', type: 'bool', default: true }, ...m.configSchema];
    blocks.push(renderSection(m.name, comment, fields));
    added.push(m.name);
  }
  if (blocks.length === 0) return { ok: true, text, added };
  // What is appended keeps the file's line endings (a CRLF file stays CRLF, not half and half).
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let prefix = text;
  if (prefix.length > 0 && !prefix.endsWith('\n')) prefix += eol;
  if (prefix.length > 0) prefix += eol;
  const appended = blocks.join('\n');
  return { ok: true, text: prefix + (eol === '\n' ? appended : appended.replace(/\n/g, eol)), added };
}

function renderSection(name: string, comment: string, fields: readonly FieldSpec[]): string {
  const lines = [comment.replace(/[\r\n]/g, ' '), `[${tomlKey(name)}]`];
  for (const f of fields) lines.push(`${tomlKey(f.name)} = ${renderValue(f.default, f.type)}`);
  return `${lines.join('\n')}\n`;
}
