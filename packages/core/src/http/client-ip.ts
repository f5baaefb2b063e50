/**
 * Client address resolution: the socket peer, or — only when the peer is a configured trusted proxy —
 * the rightmost untrusted hop of X-Forwarded-For (RFC 7239 §7.4 reasoning: everything left of the first
 * untrusted hop can be forged by the client).
 */
import { BlockList, isIP } from 'node:net';

/** Strips the IPv4-mapped IPv6 prefix (`::ffff:1.2.3.4` → `1.2.3.4`) and brackets. */
export function normalizeIp(ip: string): string {
  if (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) return ip.slice(7);
  if (ip.charCodeAt(0) === 91 /* [ */ && ip.endsWith(']')) return ip.slice(1, -1);
  return ip;
}

function family(ip: string): 'ipv4' | 'ipv6' | undefined {
  const f = isIP(ip);
  return f === 4 ? 'ipv4' : f === 6 ? 'ipv6' : undefined;
}

/** A set of trusted proxy addresses and CIDR ranges (IPv4 and IPv6). */
export class TrustedProxies {
  private readonly list = new BlockList();
  private count = 0;

  /** Builds the set; entries that are neither an IP nor a CIDR are returned in `invalid` and ignored. */
  static parse(entries: readonly string[]): { proxies: TrustedProxies; invalid: string[] } {
    const proxies = new TrustedProxies();
    const invalid: string[] = [];
    for (const raw of entries) {
      if (!proxies.add(raw.trim())) invalid.push(raw);
    }
    return { proxies, invalid };
  }

  private add(entry: string): boolean {
    const slash = entry.indexOf('/');
    const addr = normalizeIp(slash === -1 ? entry : entry.slice(0, slash));
    const fam = family(addr);
    if (fam === undefined) return false;
    if (slash === -1) {
      this.list.addAddress(addr, fam);
    } else {
      const bits = entry.slice(slash + 1);
      const prefix = Number(bits);
      if (!/^\d{1,3}$/.test(bits) || prefix > (fam === 'ipv4' ? 32 : 128)) return false;
      this.list.addSubnet(addr, prefix, fam);
    }
    this.count++;
    return true;
  }

  get size(): number {
    return this.count;
  }

  isTrusted(ip: string): boolean {
    if (this.count === 0) return false;
    const fam = family(ip);
    return fam !== undefined && this.list.check(ip, fam);
  }

  /** The client address for a request from `peer` carrying `xff` (already normalised peer). */
  clientIp(peer: string, xff: string | string[] | undefined): string {
    if (xff === undefined || this.count === 0 || !this.isTrusted(peer)) return peer;
    const hops = (typeof xff === 'string' ? xff : xff.join(',')).split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeIp((hops[i] as string).trim());
      // A malformed hop ends the walk: the nearest verified address is the best we know.
      if (isIP(hop) === 0) break;
      client = hop;
      if (!this.isTrusted(hop)) break;
    }
    return client;
  }
}
