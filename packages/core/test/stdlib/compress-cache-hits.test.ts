/**
 * What a client sees of compression and the cache with the default modules, through the running proxy
 * (the shipped mods over the real bindings, in front of a counting origin on listen(0)): the cache stores
 * the compressed variant, and a hit sends it whole with a Content-Length, compressing nothing.
 */
import { type IncomingHttpHeaders, request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinNames, type CachingProxy, startCachingProxy } from '../cache/harness.js';
import { type Origin, startOrigin } from '../server/helpers.js';

/** A 10 KiB HTML page (well above compression's default min_size of 1 KiB). */
const PAGE = Buffer.from(
  `<!doctype html><ul>${'<li>proxycache compresses this page once per stored body</li>'.repeat(170)}</ul>`,
);

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

let origin: Origin;
let proxy: CachingProxy;
let port: number;

/** Requests the origin saw for `path` (active_health's probes of /health are not counted). */
const originCount = (path: string): number => origin.seen.filter((s) => s.url === path).length;

beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    const storable = req.url !== '/no-store';
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': storable ? 'public, max-age=60' : 'no-store',
      etag: '"v1"',
    });
    res.end(PAGE);
  });
  proxy = await startCachingProxy(
    origin.addr,
    {},
    {
      modules: builtinNames(),
      sections: { rate_limiter: { enabled: false } },
    },
  );
  port = proxy.port;
});

afterAll(async () => {
  await proxy?.close();
  await origin?.close();
});

/** The headers every compressed answer of PAGE carries. */
function expectCompressedHeaders(r: Reply, encoding: string): void {
  expect(r.status).toBe(200);
  expect(r.headers['content-encoding']).toBe(encoding);
  expect(r.headers.vary).toBe('Accept-Encoding');
  expect(r.headers.etag).toBe('W/"v1"');
}

describe('compressed cache hits through the proxy (default modules)', () => {
  for (const [encoding, decode] of [
    ['gzip', gunzipSync],
    ['br', brotliDecompressSync],
  ] as const) {
    it(`${encoding}: the origin is asked once; hits carry Content-Length and decode to the page`, async () => {
      const path = `/page-${encoding}`;
      const headers = { 'accept-encoding': encoding };
      const first = await get(port, path, headers);
      expectCompressedHeaders(first, encoding);
      expect(first.headers['x-cache']).toBe('MISS');
      expect(first.headers['transfer-encoding']).toBe('chunked');
      expect(decode(first.body).equals(PAGE)).toBe(true);
      const hits = [await get(port, path, headers), await get(port, path, headers)];
      expect(originCount(path)).toBe(1);
      for (const hit of hits) {
        expectCompressedHeaders(hit, encoding);
        expect(hit.headers['x-cache']).toBe('HIT');
        expect(hit.headers['transfer-encoding']).toBeUndefined();
        expect(hit.headers['content-length']).toBe(String(hit.body.length));
        expect(hit.body.length).toBeLessThan(PAGE.length);
        expect(decode(hit.body).equals(PAGE)).toBe(true);
      }
      // The cache stored the compressed representation the miss produced: every hit sends those bytes.
      expect(hits[0]?.body.equals(first.body)).toBe(true);
      expect(hits[1]?.body.equals(first.body)).toBe(true);
    });
  }

  it('a client without Accept-Encoding gets the identity body on a hit, a gzip client its own variant', async () => {
    const path = '/page-identity';
    await get(port, path);
    const hit = await get(port, path);
    expect(hit.status).toBe(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['content-encoding']).toBeUndefined();
    expect(hit.headers.vary).toBe('Accept-Encoding');
    expect(hit.headers.etag).toBe('"v1"');
    expect(hit.headers['content-length']).toBe(String(PAGE.length));
    expect(hit.body.equals(PAGE)).toBe(true);
    expect(originCount(path)).toBe(1);
    // Vary: Accept-Encoding: the identity variant is not handed to a client that takes gzip.
    const zipped = await get(port, path, { 'accept-encoding': 'gzip' });
    expect(zipped.headers['x-cache']).toBe('MISS');
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).equals(PAGE)).toBe(true);
    expect(originCount(path)).toBe(2);
  });

  it('a pass-through (no-store) compressible response is compressed on every request', async () => {
    for (let i = 1; i <= 2; i++) {
      const r = await get(port, '/no-store', { 'accept-encoding': 'gzip' });
      expectCompressedHeaders(r, 'gzip');
      expect(r.headers['x-cache']).toBe('MISS');
      expect(r.headers['transfer-encoding']).toBe('chunked');
      expect(r.headers['content-length']).toBeUndefined();
      expect(gunzipSync(r.body).equals(PAGE)).toBe(true);
      expect(originCount('/no-store')).toBe(i);
    }
  });
});
