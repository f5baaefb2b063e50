/**
 * Durations, sizes and socket addresses as config.toml writes them. Each parser returns the normalised
 * value or a message saying what was expected; none throws.
 */
import { isIP } from 'node:net';

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

const durationUnits: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };
const sizeUnits: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

const quantity = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/;

/** `"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"1d"` → seconds. */
export function parseDuration(text: string): Parsed<number> {
  const m = quantity.exec(text);
  const unit = m ? durationUnits[m[2] ?? ''] : undefined;
  if (!m || unit === undefined) {
    return {
      ok: false,
      message: `expected a duration such as "500ms", "30s", "5m", "1h" or "1d", got "${text}"`,
    };
  }
  return { ok: true, value: Number(m[1]) * unit };
}

/** `"512B"`, `"64KiB"`, `"16MiB"`, `"1GB"` → bytes (whole bytes). */
export function parseSize(text: string): Parsed<number> {
  const m = quantity.exec(text);
  const unit = m ? sizeUnits[m[2] ?? ''] : undefined;
  if (!m || unit === undefined) {
    return {
      ok: false,
      message: `expected a size such as "512B", "64KiB" or "16MiB" (units B, KB, MB, GB, KiB, MiB, GiB), got "${text}"`,
    };
  }
  return { ok: true, value: Math.round(Number(m[1]) * unit) };
}

/** Seconds as config.toml would write them: whole seconds as an int, otherwise milliseconds. */
export function formatDuration(seconds: number): number | string {
  if (Number.isInteger(seconds)) return seconds;
  return `${Math.round(seconds * 1000)}ms`;
}

/** Bytes in the largest binary unit that divides them exactly. */
export function formatSize(bytes: number): number | string {
  for (const unit of ['GiB', 'MiB', 'KiB'] as const) {
    const factor = sizeUnits[unit] ?? 1;
    if (bytes > 0 && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return bytes;
}

/**
 * A `host:port` socket address: an IPv4 address, a host name, or an IPv6 address in brackets
 * (`[::1]:8080`), with a port from 1 to 65535.
 */
export function parseSocketAddress(text: string): Parsed<{ host: string; port: number }> {
  const bad = (why: string): Parsed<never> => ({
    ok: false,
    message: `invalid socket address "${text}": ${why}`,
  });
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return bad('missing "]" after the IPv6 address');
    host = text.slice(1, close);
    if (isIP(host) !== 6) return bad(`"${host}" is not an IPv6 address`);
    if (text[close + 1] !== ':') return bad('expected ":PORT" after "]"');
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return bad('expected HOST:PORT');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) return bad('IPv6 addresses must be written in brackets, e.g. "[::1]:8080"');
    if (host === '') return bad('the host is empty');
    if (isIP(host) !== 4 && !isHostName(host)) return bad(`"${host}" is not an IPv4 address or host name`);
  }
  if (!/^\d{1,5}$/.test(portText)) return bad('the port must be a number from 1 to 65535');
  const port = Number(portText);
  if (port < 1 || port > 65_535) return bad('the port must be a number from 1 to 65535');
  return { ok: true, value: { host, port } };
}

function isHostName(host: string): boolean {
  // A dotted-quad that isIP rejected (e.g. 300.1.1.1) is a bad address, not a host name.
  if (/^[\d.]+$/.test(host)) return false;
  return (
    host.length <= 253 &&
    host.split('.').every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label))
  );
}

/** An IP address or CIDR block (`10.0.0.0/8`, `fd00::/8`), as used by `trusted_proxies`. */
export function parseIpOrCidr(text: string): Parsed<string> {
  const [ip = '', bits, ...rest] = text.split('/');
  const family = isIP(ip);
  const max = family === 4 ? 32 : 128;
  const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
  if (family === 0 || rest.length > 0 || !bitsOk) {
    return { ok: false, message: `expected an IP address or CIDR block such as "10.0.0.0/8", got "${text}"` };
  }
  return { ok: true, value: text };
}
