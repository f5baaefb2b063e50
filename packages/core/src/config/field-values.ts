/**
 * Converts a value smol-toml parsed into the runtime representation of a pcmod config type
 * (see `PcType` in pcmod-lang): bool, int, str, duration (seconds), size (bytes), list<str>, list<int>,
 * map (str → str). Also renders runtime values back as TOML for `config repair`.
 */
import type { ConfigValue, PcType } from '@proxycache/pcmod-lang';
import { formatDuration, formatSize, type Parsed, parseDuration, parseSize } from './quantities.js';

/** The TOML type of a parsed value, for messages ("expected int, got string"). */
export function tomlTypeName(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number' || typeof value === 'bigint')
    return Number.isInteger(value) ? 'integer' : 'float';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'datetime';
  if (typeof value === 'object' && value !== null) return 'table';
  return typeof value;
}

/** Whether `value` is a TOML table (not an array or a date). */
export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function expected(what: string, value: unknown): Parsed<never> {
  return { ok: false, message: `expected ${what}, got ${tomlTypeName(value)}` };
}

/** Converts `value` to type `type`; failures say what was expected. */
export function convertValue(value: unknown, type: PcType): Parsed<ConfigValue> {
  switch (type) {
    case 'bool':
      return typeof value === 'boolean' ? { ok: true, value } : expected('bool (true or false)', value);
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value)
        ? { ok: true, value }
        : expected('int', value);
    case 'str':
      return typeof value === 'string' ? { ok: true, value } : expected('str', value);
    case 'duration':
      if (typeof value === 'number' && Number.isFinite(value)) {
        return value >= 0 ? { ok: true, value } : { ok: false, message: 'a duration cannot be negative' };
      }
      return typeof value === 'string'
        ? parseDuration(value)
        : expected('a duration (seconds as an int, or a string such as "30s")', value);
    case 'size':
      if (typeof value === 'number' && Number.isSafeInteger(value)) {
        return value >= 0 ? { ok: true, value } : { ok: false, message: 'a size cannot be negative' };
      }
      return typeof value === 'string'
        ? parseSize(value)
        : expected('a size (bytes as an int, or a string such as "16MiB")', value);
    case 'list<str>':
    case 'list<int>': {
      if (!Array.isArray(value)) return expected(type, value);
      const element = type === 'list<str>' ? 'str' : 'int';
      for (let i = 0; i < value.length; i++) {
        const item = convertValue(value[i], element);
        if (!item.ok) return { ok: false, message: `element ${i}: ${item.message}` };
      }
      return { ok: true, value: value as string[] | number[] };
    }
    case 'map': {
      if (!isTable(value))
        return expected('map (an inline table of strings, e.g. { "/old" = "/new" })', value);
      const map = new Map<string, string>();
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string')
          return { ok: false, message: `entry "${k}": expected str, got ${tomlTypeName(v)}` };
        map.set(k, v);
      }
      return { ok: true, value: map };
    }
    case 'void':
      return { ok: false, message: 'void is not a config type' };
  }
}

/** A TOML basic string literal for `text`. */
export function tomlString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A key as TOML writes it: bare when it can be, quoted otherwise. */
export function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key);
}

/** Renders a runtime config value of type `type` as a TOML value. */
export function renderValue(value: ConfigValue, type: PcType): string {
  if (value instanceof Map) {
    const entries = [...value].map(([k, v]) => `${tomlString(k)} = ${tomlString(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  if (Array.isArray(value)) {
    return `[${value.map((v: string | number) => (typeof v === 'string' ? tomlString(v) : String(v))).join(', ')}]`;
  }
  if (typeof value === 'string') return tomlString(value);
  if (typeof value === 'number') {
    const shown = type === 'duration' ? formatDuration(value) : type === 'size' ? formatSize(value) : value;
    return typeof shown === 'string' ? tomlString(shown) : String(shown);
  }
  return String(value);
}
