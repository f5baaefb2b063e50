import { describe, expect, it } from 'vitest';
import { normalizeIp, TrustedProxies } from '../../src/http/client-ip.js';

describe('TrustedProxies', () => {
  const { proxies, invalid } = TrustedProxies.parse([
    '10.0.0.0/8',
    '192.0.2.1',
    '2001:db8::/32',
    '::1',
    'nonsense',
    '10.0.0.0/33',
    '1.2.3.4/x',
  ]);

  it('accepts IPv4/IPv6 addresses and CIDRs and reports the rest', () => {
    expect(invalid).toEqual(['nonsense', '10.0.0.0/33', '1.2.3.4/x']);
    expect(proxies.size).toBe(4);
    expect(proxies.isTrusted('10.200.3.4')).toBe(true);
    expect(proxies.isTrusted('11.0.0.1')).toBe(false);
    expect(proxies.isTrusted('192.0.2.1')).toBe(true);
    expect(proxies.isTrusted('192.0.2.2')).toBe(false);
    expect(proxies.isTrusted('2001:db8:1::5')).toBe(true);
    expect(proxies.isTrusted('2001:db9::5')).toBe(false);
    expect(proxies.isTrusted('::1')).toBe(true);
    expect(proxies.isTrusted('garbage')).toBe(false);
  });

  it('uses the peer when it is not trusted, whatever X-Forwarded-For says', () => {
    expect(proxies.clientIp('198.51.100.7', '1.1.1.1')).toBe('198.51.100.7');
  });

  it('walks X-Forwarded-For from the right to the first untrusted hop', () => {
    expect(proxies.clientIp('10.0.0.1', '6.6.6.6, 203.0.113.5, 10.1.1.1')).toBe('203.0.113.5');
    expect(proxies.clientIp('::1', ['6.6.6.6', '2001:db8::9'])).toBe('6.6.6.6');
  });

  it('takes the leftmost hop when every hop is trusted, and stops at a malformed hop', () => {
    expect(proxies.clientIp('10.0.0.1', '10.0.0.2, 10.0.0.3')).toBe('10.0.0.2');
    expect(proxies.clientIp('10.0.0.1', '6.6.6.6, not-an-ip, 10.0.0.3')).toBe('10.0.0.3');
    expect(proxies.clientIp('10.0.0.1', '')).toBe('10.0.0.1');
  });

  it('trusts nobody when the list is empty', () => {
    const empty = TrustedProxies.parse([]).proxies;
    expect(empty.clientIp('127.0.0.1', '1.2.3.4')).toBe('127.0.0.1');
  });

  it('normalises IPv4-mapped IPv6 and bracketed addresses', () => {
    expect(normalizeIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeIp('[::1]')).toBe('::1');
    expect(normalizeIp('::1')).toBe('::1');
  });
});
