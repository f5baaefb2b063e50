/**
 * config.toml → validated `ProxyConfig`: built-in and script module defaults (their `config {}` blocks),
 * overridden by the file's values, each checked against its declared type, with every problem reported
 * as a `ConfigError` naming file:line:col and the dotted key. Never throws on user input.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CompiledModule, ConfigValue, DiagnosticCode } from '@proxycache/pcmod-lang';
import { parse as parseToml, TomlError } from 'smol-toml';
import { convertValue, isTable, tomlTypeName } from './field-values.js';
import { parseIpOrCidr, parseSocketAddress } from './quantities.js';
import {
  defaultServerConfig,
  type FieldSpec,
  logLevels,
  normaliseServer,
  serverFields,
} from './server-schema.js';
import { scanTomlPositions, type TomlPlace, type TomlPositions } from './toml-positions.js';
import type { ConfigError, ProxyConfig, ServerConfig } from './types.js';

/** What config validation needs of a module: its name and its `config {}` fields. */
export type ConfigModule = Pick<CompiledModule, 'name' | 'configSchema'>;

export interface LoadConfigResult {
  /** Present when there are no errors. */
  readonly config?: ProxyConfig;
  readonly errors: ConfigError[];
  /** Things worth logging that are not errors (e.g. "running on defaults"). */
  readonly notes: string[];
}

/** The section name of the server settings. */
export const SERVER_SECTION = 'server';

/**
 * Loads and validates `file` against the modules' config schemas. `undefined` or a missing file runs on
 * defaults (with a note); unreadable files and invalid content produce errors and no config.
 */
export function loadConfig(file: string | undefined, modules: readonly ConfigModule[]): LoadConfigResult {
  if (file === undefined)
    return {
      config: defaultConfig(modules),
      errors: [],
      notes: ['no config file given; running on defaults'],
    };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return {
        config: defaultConfig(modules),
        errors: [],
        notes: [`config file ${file} not found; running on defaults`],
      };
    }
    const why = code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    return {
      errors: [
        { file, line: 0, column: 0, key: '', message: `cannot read config file: ${why}`, code: 'PCM6006' },
      ],
      notes: [],
    };
  }
  return checkConfigText(text, file, modules);
}

/** `proxycache config verify` and the admin API's `/config/verify`: whether `file` would load. */
export function verifyConfig(
  file: string | undefined,
  modules: readonly ConfigModule[],
): { readonly valid: boolean; readonly errors: ConfigError[]; readonly notes: string[] } {
  const { errors, notes } = loadConfig(file, modules);
  return { valid: errors.length === 0, errors, notes };
}

/** Every module enabled with its defaults and `[server]` defaults. */
export function defaultConfig(modules: readonly ConfigModule[]): ProxyConfig {
  const sections: Record<string, Record<string, ConfigValue>> = {};
  for (const m of modules) sections[m.name] = moduleDefaults(m);
  return { server: defaultServerConfig(), modules: sections, file: undefined };
}

/**
 * Validates config text already read from `file` (the language server checks unsaved buffers this way).
 * Relative TLS paths resolve against the file's directory.
 */
export function checkConfigText(
  text: string,
  file: string,
  modules: readonly ConfigModule[],
): LoadConfigResult {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) {
      const message = (e.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
      return {
        errors: [
          {
            file,
            line: e.line,
            column: e.column,
            key: '',
            message: `TOML syntax error: ${message}`,
            code: 'PCM6001',
          },
        ],
        notes: [],
      };
    }
    return {
      errors: [
        { file, line: 0, column: 0, key: '', message: `TOML syntax error: ${String(e)}`, code: 'PCM6001' },
      ],
      notes: [],
    };
  }
  return new Validator(file, scanTomlPositions(text), modules).run(doc);
}

function moduleFields(m: ConfigModule): FieldSpec[] {
  const fields: FieldSpec[] = m.configSchema.map((f) => ({
    name: f.name,
    type: f.type,
    default: f.default,
    // Every `*_addr` string in any section is a socket address (admin_api.listen_addr, …).
    ...(f.type === 'str' && f.name.endsWith('_addr') ? { check: 'address' as const } : {}),
  }));
  if (!fields.some((f) => f.name === 'enabled'))
    fields.unshift({ name: 'enabled', type: 'bool', default: true });
  return fields;
}

function moduleDefaults(m: ConfigModule): Record<string, ConfigValue> {
  return Object.fromEntries(moduleFields(m).map((f) => [f.name, f.default]));
}

class Validator {
  private readonly errors: ConfigError[] = [];
  private readonly byName: ReadonlyMap<string, ConfigModule>;

  constructor(
    private readonly file: string,
    private readonly positions: TomlPositions,
    modules: readonly ConfigModule[],
  ) {
    this.byName = new Map(modules.map((m) => [m.name, m]));
  }

  run(doc: Record<string, unknown>): LoadConfigResult {
    const server: Record<string, ConfigValue> = { ...defaultServerConfig() } as unknown as Record<
      string,
      ConfigValue
    >;
    const sections: Record<string, Record<string, ConfigValue>> = {};
    for (const [name, m] of this.byName) sections[name] = moduleDefaults(m);

    for (const [name, value] of Object.entries(doc)) {
      if (name === SERVER_SECTION) {
        this.section([name], value, serverFields, server);
        continue;
      }
      const m = this.byName.get(name);
      const target = sections[name];
      if (!m || !target) {
        const known = [SERVER_SECTION, ...[...this.byName.keys()].sort()];
        this.error(
          [name],
          'key',
          `unknown section [${name}]${suggest(name, known)}; sections are ${known.join(', ')}`,
          'PCM6002',
        );
        continue;
      }
      this.section([name], value, moduleFields(m), target);
    }
    this.checkTls(server);
    normaliseServer(server);

    if (this.errors.length > 0) {
      this.errors.sort((a, b) => a.line - b.line || a.column - b.column);
      return { errors: this.errors, notes: [] };
    }
    return {
      config: { server: server as unknown as ServerConfig, modules: sections, file: this.file },
      errors: [],
      notes: [],
    };
  }

  private section(
    path: string[],
    value: unknown,
    fields: readonly FieldSpec[],
    target: Record<string, ConfigValue>,
  ): void {
    if (!isTable(value)) {
      this.error(path, 'value', `[${path.join('.')}] must be a table, got ${tomlTypeName(value)}`, 'PCM6004');
      return;
    }
    const specs = new Map(fields.map((f) => [f.name, f]));
    for (const [key, raw] of Object.entries(value)) {
      const spec = specs.get(key);
      const keyPath = [...path, key];
      if (!spec) {
        this.error(
          keyPath,
          'key',
          `unknown key '${key}' in [${path.join('.')}]${suggest(key, [...specs.keys()])}`,
          'PCM6003',
        );
        continue;
      }
      const converted = convertValue(raw, spec.type);
      if (!converted.ok) {
        this.error(keyPath, 'value', converted.message, 'PCM6004');
        continue;
      }
      const problem = spec.check ? extraCheck(spec.check, converted.value) : undefined;
      if (problem) {
        this.error(keyPath, 'value', problem, 'PCM6004');
        continue;
      }
      target[key] = converted.value;
    }
  }

  private checkTls(server: Record<string, ConfigValue>): void {
    const cert = server.tls_cert as string;
    const key = server.tls_key as string;
    if (cert === '' && key === '') return;
    if (cert === '' || key === '') {
      const [set, unset] = cert === '' ? ['tls_key', 'tls_cert'] : ['tls_cert', 'tls_key'];
      this.error(
        [SERVER_SECTION, set],
        'key',
        `${set} is set but ${unset} is not; TLS needs both or neither`,
        'PCM6005',
      );
      return;
    }
    for (const name of ['tls_cert', 'tls_key'] as const) {
      const path = resolve(dirname(this.file), server[name] as string);
      if (!isFile(path)) this.error([SERVER_SECTION, name], 'value', `file not found: ${path}`, 'PCM6004');
      else server[name] = path;
    }
  }

  private error(path: readonly string[], at: 'key' | 'value', message: string, code: DiagnosticCode): void {
    const entry = this.positions.find(path);
    const place: TomlPlace = entry ? entry[at] : { line: 0, column: 0 };
    this.errors.push({
      file: this.file,
      line: place.line,
      column: place.column,
      key: path.join('.'),
      message,
      code,
    });
  }
}

function extraCheck(check: FieldSpec['check'], value: ConfigValue): string | undefined {
  switch (check) {
    case 'address': {
      const parsed = parseSocketAddress(value as string);
      return parsed.ok ? undefined : parsed.message;
    }
    case 'log_level':
      return (logLevels as readonly string[]).includes(value as string)
        ? undefined
        : `unknown log level "${String(value)}"; expected one of ${logLevels.join(', ')}`;
    case 'ip_list':
      for (const [i, item] of (value as readonly string[]).entries()) {
        const parsed = parseIpOrCidr(item);
        if (!parsed.ok) return `element ${i}: ${parsed.message}`;
      }
      return undefined;
    case 'positive':
      return (value as number) > 0 ? undefined : 'must be greater than 0';
    case 'port':
      return (value as number) >= 0 && (value as number) <= 65_535
        ? undefined
        : 'must be a port number from 0 to 65535';
    case undefined:
      return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** "; did you mean 'x'?" for the closest known name within two edits, else "". */
function suggest(name: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best === undefined ? '' : `; did you mean '${best}'?`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
