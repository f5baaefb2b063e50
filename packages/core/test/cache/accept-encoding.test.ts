/**
 * Accept-Encoding normalisation (`[cache] normalize_accept_encoding`, cache/accept-encoding.ts): a GET or
 * HEAD the cache looks up carries only what it says of br and gzip, to the variant key (RFC 9111
 * §4.1) and to the origin, so that browsers' different spellings of one preference share one variant.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { normalAcceptEncoding } from '../../src/cache/accept-encoding.js';
import type { Origin } from '../server/helpers.js';
import { proxyPerTest, send } from './harness.js';

const CHROME = 'gzip, deflate, br, zstd';
const SAFARI = 'gzip, deflate, br';

describe('normalAcceptEncoding (RFC 9110 §12.5.3)', () => {
  it.each([
    [CHROME, 'br, gzip'],
    [SAFARI, 'br, gzip'],
    ['br;q=0.5, gzip;q=0.5', 'br, gzip'],
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['gzip;q=0.8, br;q=0.5', 'gzip, br;q=0.5'],
    ['GZIP', 'gzip'],
    ['*', 'br, gzip'],
    ['*;q=0.5, br;q=0', 'gzip'],
    ['deflate', 'identity'],
    ['zstd', 'identity'],
    ['gzip;q=0, br;q=0', 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
  ])('%j -> %s', (raw, normal) => {
    expect(normalAcceptEncoding(raw)).toBe(normal);
  });
});

describe('the cache normalises Accept-Encoding before lookup and forwarding (RFC 9111 §4.1)', () => {
  const started = proxyPerTest();

  /** What the origin was asked with, in order. */
  const aeSeen = (origin: Origin): (string | undefined)[] =>
    origin.seen.map((s) => s.headers['accept-encoding'] as string | undefined);

  /** Behind an origin that varies on Accept-Encoding and names in its body the value it received. */
  async function start(normalize?: boolean): Promise<{ port: number; seen: () => (string | undefined)[] }> {
    const { origin, proxy } = await started(
      (req, res) => {
        res.writeHead(200, {
          'content-type': 'text/plain',
          'cache-control': 'public, max-age=60',
          vary: 'Accept-Encoding',
        });
        res.end(`ae=${req.headers['accept-encoding'] ?? '(none)'}`);
      },
      normalize === undefined ? {} : { normalize_accept_encoding: normalize },
    );
    return { port: proxy.port, seen: () => aeSeen(origin) };
  }

  it('two spellings of one preference share one variant; the origin sees the chosen coding', async () => {
    const { port, seen } = await start();
    const first = await send(port, '/page', { headers: { 'accept-encoding': CHROME } });
    const second = await send(port, '/page', { headers: { 'accept-encoding': SAFARI } });
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toBe('ae=br, gzip');
    expect(seen()).toEqual(['br, gzip']);
  });

  it('a client accepting neither br nor gzip gets its own variant, asked for as identity', async () => {
    const { port, seen } = await start();
    await send(port, '/page', { headers: { 'accept-encoding': CHROME } });
    const deflate = await send(port, '/page', { headers: { 'accept-encoding': 'deflate' } });
    const zstd = await send(port, '/page', { headers: { 'accept-encoding': 'zstd' } });
    expect(deflate.headers['x-cache']).toBe('MISS');
    expect(deflate.body).toBe('ae=identity');
    expect(zstd.headers['x-cache']).toBe('HIT');
    expect(seen()).toEqual(['br, gzip', 'identity']);
  });

  it('the normal form keeps what each coding gets: gzip-only and br-only clients have their own variants', async () => {
    const { port, seen } = await start();
    await send(port, '/page', { headers: { 'accept-encoding': CHROME } });
    const gzipOnly = await send(port, '/page', { headers: { 'accept-encoding': 'gzip, deflate' } });
    const brOnly = await send(port, '/page', { headers: { 'accept-encoding': 'br' } });
    const gzipFirst = await send(port, '/page', { headers: { 'accept-encoding': 'gzip, br;q=0.1' } });
    expect([gzipOnly.body, brOnly.body, gzipFirst.body]).toEqual(['ae=gzip', 'ae=br', 'ae=gzip, br;q=0.5']);
    expect(seen()).toEqual(['br, gzip', 'gzip', 'br', 'gzip, br;q=0.5']);
  });

  it('an origin that compresses with gzip only still compresses for browsers', async () => {
    const wasm = Buffer.alloc(20_000, 7);
    const { origin, proxy } = await started((req, res) => {
      const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      res.writeHead(200, {
        'content-type': 'application/wasm',
        'cache-control': 'public, max-age=60',
        vary: 'Accept-Encoding',
        ...(gz ? { 'content-encoding': 'gzip' } : {}),
      });
      res.end(gz ? gzipSync(wasm) : wasm);
    });
    const r = await send(proxy.port, '/app.wasm', { headers: { 'accept-encoding': CHROME } });
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(aeSeen(origin)).toEqual(['br, gzip']);
  });

  it('a request without Accept-Encoding stays without it (its own variant)', async () => {
    const { port, seen } = await start();
    await send(port, '/page', { headers: { 'accept-encoding': 'gzip' } });
    const none = await send(port, '/page');
    expect(none.headers['x-cache']).toBe('MISS');
    expect(none.body).toBe('ae=(none)');
    expect(seen()).toEqual(['gzip', undefined]);
  });

  it('requests the cache does not look up (POST) are forwarded as sent', async () => {
    const { port, seen } = await start();
    await send(port, '/form', {
      method: 'POST',
      headers: { 'accept-encoding': CHROME },
      body: 'a=1',
    });
    expect(seen()).toEqual([CHROME]);
  });

  it('normalize_accept_encoding = false keys and forwards the values as sent', async () => {
    const { port, seen } = await start(false);
    await send(port, '/page', { headers: { 'accept-encoding': CHROME } });
    const second = await send(port, '/page', { headers: { 'accept-encoding': SAFARI } });
    expect(second.headers['x-cache']).toBe('MISS');
    expect(seen()).toEqual([CHROME, SAFARI]);
  });
});
