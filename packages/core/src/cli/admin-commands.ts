/**
 * `proxycache status|stats|mods|reload`: one call to a running proxy's admin API, its JSON printed.
 */
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { isTable } from '../config/field-values.js';
import { parseSocketAddress } from '../config/quantities.js';
import { allowOnly, flag, type ParsedArgs } from './args.js';
import { type CliIo, ExitCode, UsageError } from './io.js';
import { sourcePaths } from './modules-and-config.js';

/** Admin API route of each command. */
export const adminRoutes: Readonly<Record<string, { method: 'GET' | 'POST'; path: string }>> = {
  status: { method: 'GET', path: '/status' },
  stats: { method: 'GET', path: '/stats' },
  mods: { method: 'GET', path: '/mods' },
  reload: { method: 'POST', path: '/reload' },
};

export const DEFAULT_ADMIN_ADDR = '127.0.0.1:9090';
const TIMEOUT_MS = 10_000;

export async function adminCommand(command: string, args: ParsedArgs, io: CliIo): Promise<number> {
  const route = adminRoutes[command];
  if (!route) throw new UsageError(`unknown command '${command}'`);
  if (args.words.length > 1) throw new UsageError(`unexpected argument '${args.words[1]}'`);
  allowOnly(args, command, ['admin', 'api-key', 'config']);
  const fromConfig = adminSettingsFromConfig(
    sourcePaths(args, io).configFile,
    flag(args, 'config') !== undefined,
  );
  if (fromConfig.error !== undefined && flag(args, 'admin') === undefined) {
    // Falling back to the default address could reach another proxy, or none, with no word why.
    io.stderr.write(`proxycache: ${fromConfig.error}; pass --admin HOST:PORT\n`);
    return ExitCode.failure;
  }
  const base = adminBaseUrl(flag(args, 'admin') ?? fromConfig.addr ?? DEFAULT_ADMIN_ADDR);
  const apiKey = flag(args, 'api-key') ?? fromConfig.apiKey;
  const url = `${base}${route.path}`;

  let response: Response;
  try {
    response = await fetch(url, {
      method: route.method,
      headers: apiKey ? { authorization: `Bearer ${apiKey}`, 'x-api-key': apiKey } : {},
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    io.stderr.write(
      `proxycache: cannot reach the admin API at ${base}: ${networkReason(e)}; is proxycache running with admin_api enabled?\n`,
    );
    return ExitCode.failure;
  }
  const body = await response.text().catch(() => '');
  const shown = prettyJson(body);
  if (!response.ok) {
    io.stderr.write(
      `proxycache: ${route.method} ${url} answered ${response.status} ${response.statusText}${shown ? `:\n${shown}` : ''}\n`,
    );
    return ExitCode.failure;
  }
  io.stdout.write(`${shown}\n`);
  return ExitCode.ok;
}

/** `http://host:port` for an admin address; wildcard listen addresses are reached on loopback. */
export function adminBaseUrl(addr: string): string {
  if (/^https?:\/\//.test(addr)) return addr.replace(/\/+$/, '');
  const parsed = parseSocketAddress(addr);
  if (!parsed.ok) throw new UsageError(`--admin: ${parsed.message}`);
  const { host, port } = parsed.value;
  if (host === '0.0.0.0') return `http://127.0.0.1:${port}`;
  if (host.includes(':')) return `http://[${host === '::' ? '::1' : host}]:${port}`;
  return `http://${host}:${port}`;
}

/**
 * `[admin_api] listen_addr` and `api_key` from the config file. A missing default file means the
 * defaults (as for the proxy itself); a file named with --config that is missing, or any file that does
 * not parse, is an `error`.
 */
function adminSettingsFromConfig(
  file: string,
  named: boolean,
): { addr?: string; apiKey?: string; error?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !named) return {};
    return { error: `cannot read the admin address from ${file}: ${code ?? (e as Error).message}` };
  }
  try {
    const doc = parseToml(text);
    const section = doc.admin_api;
    if (!isTable(section)) return {};
    return {
      ...(typeof section.listen_addr === 'string' ? { addr: section.listen_addr } : {}),
      ...(typeof section.api_key === 'string' && section.api_key !== '' ? { apiKey: section.api_key } : {}),
    };
  } catch (e) {
    return { error: `cannot read the admin address from ${file}: ${(e as Error).message.split('\n')[0]}` };
  }
}

function networkReason(e: unknown): string {
  if (e instanceof Error && e.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000}s`;
  const cause = e instanceof Error ? (e.cause as NodeJS.ErrnoException | undefined) : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code) return cause.code;
  return e instanceof Error ? e.message : String(e);
}

function prettyJson(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body.trimEnd();
  }
}
