/**
 * Hop-by-hop header handling (RFC 9110 §7.6.1): these fields describe one connection and are never
 * forwarded, in either direction, together with every field the Connection header names.
 */
const hopByHop: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** True for a (lower-case) field name that must not cross the proxy. */
export function isHopByHop(name: string): boolean {
  return hopByHop.has(name) || name.startsWith('proxy-');
}

/** Lower-case field names listed in a Connection header value (`close` and `keep-alive` included). */
export function connectionNamed(connection: string | string[] | undefined): ReadonlySet<string> | undefined {
  if (connection === undefined) return undefined;
  const text = typeof connection === 'string' ? connection : connection.join(',');
  const out = new Set<string>();
  for (const part of text.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '') out.add(name);
  }
  return out;
}
