/**
 * The proxycache command line: positional words (the command) and `--flag VALUE` / `--flag=VALUE` options.
 */
import { UsageError } from './io.js';

export interface ParsedArgs {
  /** Positional words, e.g. `['config', 'verify']`. */
  readonly words: string[];
  /** Flag values by name without dashes; `true` for switches. */
  readonly flags: ReadonlyMap<string, string | true>;
}

/** Flags that take a value. */
const valueFlags = new Set(['config', 'mods', 'admin', 'api-key']);
/** Flags that are switches, with their short forms. */
const switches: Readonly<Record<string, string>> = {
  help: 'help',
  h: 'help',
  version: 'version',
  V: 'version',
};

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const words: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      words.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const sw = switches[name];
    if (sw !== undefined && eq < 0) {
      flags.set(sw, true);
      continue;
    }
    if (!arg.startsWith('--') || !valueFlags.has(name)) throw new UsageError(`unknown option '${arg}'`);
    let value: string | undefined;
    if (eq >= 0) value = body.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined || value === '') throw new UsageError(`option '--${name}' needs a value`);
    flags.set(name, value);
  }
  return { words, flags };
}

/** The string value of `name`, if given. */
export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** Rejects flags the command does not take. */
export function allowOnly(args: ParsedArgs, command: string, allowed: readonly string[]): void {
  for (const name of args.flags.keys()) {
    if (name !== 'help' && !allowed.includes(name))
      throw new UsageError(`'${command}' does not take --${name}`);
  }
}
