/**
 * The RFC 9111 rules of the cache, one test per rule, driven through std.cache.check/store with a
 * manual clock (no sleeping). Section numbers are RFC 9111 unless named otherwise.
 */
import { describe, expect, it } from 'vitest';
import { parseDirectives } from '../../src/cache/cache-control.js';
import { parseHttpDate } from '../../src/cache/http-date.js';
import type { FakeExchangeInit } from '../stdlib/fakes.js';
import { type Origin, cacheSetup as setup } from './bindings-setup.js';

const fresh = { headers: { 'cache-control': 'max-age=60' } };

describe('RFC 9111 cache rules', () => {
  it('§4.1: the key is scheme + host + target; Vary-named request fields select variants', () => {
    const { request, xc } = setup();
    const varied = { headers: { 'cache-control': 'max-age=60', vary: 'Accept-Language' } };
    request({ path: '/v', headers: { 'accept-language': 'en' } }, varied);
    expect(xc(request({ path: '/v', headers: { 'accept-language': 'EN' } }))).toBe('HIT');
    expect(xc(request({ path: '/v', headers: { 'accept-language': 'de' } }, varied))).toBe('MISS');
    expect(xc(request({ path: '/v', scheme: 'https', headers: { 'accept-language': 'en' } }, varied))).toBe(
      'MISS',
    );
    expect(xc(request({ path: '/v' }, varied))).toBe('MISS');
    expect(xc(request({ path: '/v', headers: { 'accept-language': 'de' } }))).toBe('HIT');
  });

  it('§4.1: variants of one key beyond max_bytes together: the oldest go, the new one is kept', () => {
    const { request, xc } = setup(0, { max_bytes: 20_000 });
    const varied = { headers: { 'cache-control': 'max-age=60', vary: 'X-V' }, body: 'v'.repeat(7_000) };
    const ask = (v: string) => xc(request({ path: '/mb', headers: { 'x-v': v } }, varied));
    expect([ask('a'), ask('b'), ask('c')]).toEqual(['MISS', 'MISS', 'MISS']);
    // Three variants of ~7 KB do not fit in 20 KB: a (the oldest) went, b and c stay.
    expect([ask('c'), ask('b'), ask('a'), ask('a')]).toEqual(['HIT', 'HIT', 'MISS', 'HIT']);
  });

  it('§4.1: Vary: * is never stored', () => {
    const { request, xc } = setup(60);
    request({ path: '/s' }, { headers: { 'cache-control': 'max-age=60', vary: 'Accept, *' } });
    expect(xc(request({ path: '/s' }))).toBe('MISS');
  });

  it('§3: no-store, private, Authorization (without public/s-maxage) and Set-Cookie are not stored', () => {
    const { request, xc } = setup();
    const cases: [string, FakeExchangeInit, Origin][] = [
      ['/ns', {}, { headers: { 'cache-control': 'max-age=60, no-store' } }],
      ['/pr', {}, { headers: { 'cache-control': 'max-age=60, private' } }],
      ['/au', { headers: { authorization: 'Basic x' } }, fresh],
      ['/ck', {}, { headers: { 'cache-control': 'max-age=60', 'set-cookie': 'a=b' } }],
    ];
    for (const [path, init, origin] of cases) {
      request({ ...init, path }, origin);
      expect(xc(request({ path }, fresh)), path).toBe('MISS');
    }
    request(
      { path: '/pub', headers: { authorization: 'Basic x' } },
      { headers: { 'cache-control': 'public, max-age=60' } },
    );
    expect(xc(request({ path: '/pub', headers: { authorization: 'Basic y' } }))).toBe('HIT');
  });

  it('§3: Set-Cookie responses are stored when store_set_cookie is set', () => {
    const { request, xc } = setup(0, { store_set_cookie: true });
    request({ path: '/ck' }, { headers: { 'cache-control': 'max-age=60', 'set-cookie': 'a=b' } });
    expect(xc(request({ path: '/ck' }))).toBe('HIT');
  });

  it('§4.2.1: s-maxage beats max-age beats Expires; an invalid max-age means stale', () => {
    const { clock, request, xc } = setup();
    request({ path: '/s' }, { headers: { 'cache-control': 'max-age=100, s-maxage=5' } });
    request({ path: '/neg' }, { headers: { 'cache-control': 'max-age=-1' } });
    request({ path: '/q' }, { headers: { 'cache-control': "max-age='60'" } });
    clock.advance(4_000);
    expect(xc(request({ path: '/s' }, fresh))).toBe('HIT');
    expect(xc(request({ path: '/neg' }, { headers: {} }))).toBe('MISS');
    expect(xc(request({ path: '/q' }, { headers: {} }))).toBe('MISS');
    clock.advance(2_000);
    expect(xc(request({ path: '/s' }, { headers: {} }))).toBe('MISS');
  });

  it('§4.2.1: Expires minus Date; an invalid Expires ("0") is already expired', () => {
    const { request, xc } = setup();
    const now = Date.now();
    const date = new Date(now).toUTCString();
    request({ path: '/e' }, { headers: { date, expires: new Date(now + 60_000).toUTCString() } });
    request({ path: '/z' }, { headers: { date, expires: '0' } });
    expect(xc(request({ path: '/e' }))).toBe('HIT');
    expect(xc(request({ path: '/z' }))).toBe('MISS');
  });

  it('§4.2.2: heuristic freshness only for heuristically cacheable statuses with Last-Modified', () => {
    const { request, xc } = setup();
    const lm = new Date(Date.now() - 10 * 86_400_000).toUTCString();
    request({ path: '/h200' }, { headers: { 'last-modified': lm } });
    request({ path: '/h201' }, { status: 201, headers: { 'last-modified': lm } });
    expect(xc(request({ path: '/h200' }))).toBe('HIT');
    expect(xc(request({ path: '/h201' }))).toBe('MISS');
  });

  it('§4.2 default: ttl_seconds applies to a 200 whose origin said nothing', () => {
    const { clock, request, xc } = setup(30);
    request({ path: '/d' });
    clock.advance(29_000);
    expect(xc(request({ path: '/d' }))).toBe('HIT');
    clock.advance(2_000);
    expect(xc(request({ path: '/d' }))).toBe('MISS');
  });

  it('§4.2.3: Age counts the origin Age, response delay and residence; a malformed Age means stale', () => {
    const { clock, request, xc } = setup();
    request({ path: '/a' }, { headers: { 'cache-control': 'max-age=60', age: '10' } });
    clock.advance(5_000);
    const hit = request({ path: '/a' });
    expect([xc(hit), hit.response?.headers.age]).toEqual(['HIT', '15']);
    request({ path: '/bad' }, { headers: { 'cache-control': 'max-age=60', age: '-5' } });
    expect(xc(request({ path: '/bad' }, fresh))).toBe('MISS');
  });

  it('§5.2.2.4/§5.2.2.2: no-cache and must-revalidate entries are revalidated, never served stale', () => {
    const { clock, request, upstream, xc } = setup();
    request({ path: '/nc' }, { headers: { 'cache-control': 'no-cache', etag: '"a"' } });
    const second = request({ path: '/nc' }, { status: 304, headers: { etag: '"a"' } });
    expect(upstream[1]?.requestHeaders['if-none-match']).toBe('"a"');
    expect(xc(second)).toBe('REVALIDATED');
    request(
      { path: '/mr' },
      { headers: { 'cache-control': 'max-age=1, must-revalidate, stale-if-error=60' } },
    );
    clock.advance(2_000);
    expect(request({ path: '/mr' }, { status: 503 }).response?.status).toBe(503);
  });

  it('§4.3.1/§4.3.4: revalidation sends If-None-Match and If-Modified-Since; a 304 updates stored headers', () => {
    const { clock, request, upstream, xc } = setup();
    const lm = new Date(Date.now() - 86_400_000).toUTCString();
    request(
      { path: '/r' },
      {
        headers: { 'cache-control': 'max-age=1', etag: 'W/"1"', 'last-modified': lm, 'x-v': '1' },
        body: 'orig',
      },
    );
    clock.advance(2_000);
    const r = request(
      { path: '/r' },
      { status: 304, headers: { 'cache-control': 'max-age=60', 'x-v': '2', etag: 'W/"1"' } },
    );
    expect(upstream[1]?.requestHeaders['if-none-match']).toBe('W/"1"');
    expect(upstream[1]?.requestHeaders['if-modified-since']).toBe(lm);
    expect([r.response?.status, xc(r), r.response?.headers['x-v'], String(r.response?.body)]).toEqual([
      200,
      'REVALIDATED',
      '2',
      'orig',
    ]);
    clock.advance(30_000);
    expect(xc(request({ path: '/r' }))).toBe('HIT');
  });

  it('§4.3.4 with RFC 9110 §6.6.1: a 304 without Date dates the freshened response, so Age starts again at 0', () => {
    const { clock, request } = setup();
    request({ path: '/nd' }, { headers: { 'cache-control': 'max-age=1', etag: '"d"' }, body: 'x' });
    clock.advance(5_000);
    const r = request(
      { path: '/nd' },
      { status: 304, headers: { 'cache-control': 'max-age=60', etag: '"d"' } },
    );
    expect([r.response?.headers['x-cache'], r.response?.headers.age]).toEqual(['REVALIDATED', '0']);
    clock.advance(2_000);
    const hit = request({ path: '/nd' });
    expect([hit.response?.headers['x-cache'], hit.response?.headers.age]).toEqual(['HIT', '2']);
  });

  it('§4.3.4 with §3: a Set-Cookie in a 304 reaches the revalidating client but is not stored for later hits', () => {
    const { clock, request, xc } = setup();
    request({ path: '/sc' }, { headers: { 'cache-control': 'max-age=1', etag: '"s"' }, body: 'page' });
    clock.advance(2_000);
    const alice = request(
      { path: '/sc', headers: { cookie: 'session=alice' } },
      {
        status: 304,
        headers: { 'cache-control': 'max-age=60', etag: '"s"', 'set-cookie': 'session=alice2' },
      },
    );
    expect([xc(alice), alice.response?.headers['set-cookie'], String(alice.response?.body)]).toEqual([
      'REVALIDATED',
      'session=alice2',
      'page',
    ]);
    const bob = request({ path: '/sc' });
    expect([xc(bob), bob.response?.headers['set-cookie']]).toEqual(['HIT', undefined]);
  });

  it("§4.3.4: with store_set_cookie, a 304's Set-Cookie is stored like any other field", () => {
    const { clock, request } = setup(0, { store_set_cookie: true });
    request({ path: '/sc2' }, { headers: { 'cache-control': 'max-age=1', etag: '"s"' } });
    clock.advance(2_000);
    request(
      { path: '/sc2' },
      { status: 304, headers: { 'cache-control': 'max-age=60', 'set-cookie': 'k=v' } },
    );
    expect(request({ path: '/sc2' }).response?.headers['set-cookie']).toBe('k=v');
  });

  it('§4.3.4: a 304 keeps the Vary members of the stored response it does not name (compression added Accept-Encoding)', () => {
    const { clock, request } = setup();
    // What compression stores on a miss: the origin's Vary plus Accept-Encoding.
    request(
      { path: '/vz', headers: { 'accept-encoding': 'gzip' } },
      {
        headers: {
          'cache-control': 'max-age=1',
          etag: '"z"',
          vary: 'Origin, Accept-Encoding',
          'content-encoding': 'gzip',
        },
      },
    );
    clock.advance(2_000);
    const r = request(
      { path: '/vz', headers: { 'accept-encoding': 'gzip' } },
      { status: 304, headers: { 'cache-control': 'max-age=60', etag: '"z"', vary: 'origin, X-New' } },
    );
    expect([r.response?.status, r.response?.headers.vary]).toEqual([200, 'Origin, Accept-Encoding, X-New']);
    const hit = request({ path: '/vz', headers: { 'accept-encoding': 'gzip' } });
    expect([hit.response?.headers['x-cache'], hit.response?.headers.vary]).toEqual([
      'HIT',
      'Origin, Accept-Encoding, X-New',
    ]);
  });

  it('§4.3.2: a client conditional that matches the stored response is answered 304 from cache', () => {
    const { request } = setup();
    request({ path: '/c' }, { headers: { 'cache-control': 'max-age=60', etag: '"x"' } });
    const r = request({ path: '/c', headers: { 'if-none-match': '"y", W/"x"' } });
    expect([
      r.response?.status,
      r.response?.headers.etag,
      r.response?.body,
      r.response?.headers['content-length'],
    ]).toEqual([304, '"x"', undefined, undefined]);
    expect(request({ path: '/c', headers: { 'if-none-match': '"y"' } }).response?.status).toBe(200);
  });

  it('§4.4: unsafe methods invalidate the target and same-origin Location / Content-Location only', () => {
    const { request, xc } = setup();
    for (const p of ['/t', '/loc', '/cl', '/failed']) request({ path: p }, fresh);
    request(
      { path: '/t', method: 'PUT' },
      { status: 200, headers: { location: '/loc', 'content-location': 'http://other.test/cl' } },
    );
    request({ path: '/failed', method: 'DELETE' }, { status: 500 });
    expect(xc(request({ path: '/t' }, fresh))).toBe('MISS');
    expect(xc(request({ path: '/loc' }, fresh))).toBe('MISS');
    expect(xc(request({ path: '/cl' }))).toBe('HIT');
    expect(xc(request({ path: '/failed' }))).toBe('HIT');
  });

  it('RFC 5861 §3: stale-while-revalidate serves stale and refreshes in the background', async () => {
    const { clock, request, services, xc } = setup();
    request({ path: '/swr' }, { headers: { 'cache-control': 'max-age=1, stale-while-revalidate=30' } });
    clock.advance(2_000);
    const stale = request({ path: '/swr' });
    expect(xc(stale)).toBe('STALE');
    expect(services.forwarded.map((f) => f.x.uri)).toEqual(['/swr']);
  });

  it('RFC 5861 §4 / grace: stale-if-error and grace answer 5xx with the stale entry', () => {
    const { clock, request, xc } = setup(0, { grace: 5 });
    request({ path: '/g' }, { headers: { 'cache-control': 'max-age=1' } });
    clock.advance(3_000);
    const r = request({ path: '/g' }, { status: 502 });
    expect([r.response?.status, xc(r)]).toEqual([200, 'STALE']);
    clock.advance(10_000);
    expect(request({ path: '/g' }, { status: 502 }).response?.status).toBe(502);
  });

  it('§5.2.1: request max-age=0 / no-cache force revalidation; only-if-cached answers 504 on a miss', () => {
    const { clock, request, xc } = setup();
    request({ path: '/q' }, fresh);
    clock.advance(1_000);
    expect(xc(request({ path: '/q', headers: { 'cache-control': 'max-age=0' } }, fresh))).toBe('MISS');
    expect(xc(request({ path: '/q', headers: { pragma: 'no-cache' } }, fresh))).toBe('MISS');
    expect(request({ path: '/none', headers: { 'cache-control': 'only-if-cached' } }).response?.status).toBe(
      504,
    );
  });

  it('§3.1: hop-by-hop fields are not stored; Date is kept from the origin, not rewritten on hits', () => {
    const { clock, request } = setup();
    const date = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000).toUTCString();
    request({ path: '/h' }, { headers: { 'cache-control': 'max-age=60', date, 'keep-alive': 'timeout=5' } });
    clock.advance(2_000);
    const hit = request({ path: '/h' });
    expect(hit.response?.headers.date).toBe(date);
    expect(hit.response?.headers['keep-alive']).toBeUndefined();
  });

  it('max_bytes and max_object_size bound what is stored', () => {
    const { request, xc } = setup(0, { max_object_size: 10, max_bytes: 100_000 });
    request({ path: '/big' }, { headers: { 'cache-control': 'max-age=60' }, body: 'x'.repeat(11) });
    request({ path: '/small' }, { headers: { 'cache-control': 'max-age=60' }, body: 'x'.repeat(10) });
    expect(xc(request({ path: '/big' }, fresh))).toBe('MISS');
    expect(xc(request({ path: '/small' }))).toBe('HIT');
  });

  it('§5.2 parsing: quoted commas, case, duplicates (first wins); RFC 9110 §5.6.7 dates', () => {
    const d = parseDirectives('foo="max-age=9, x", MAX-AGE=5, max-age=7, no-cache="set-cookie"');
    expect([d.get('max-age'), d.get('no-cache'), d.has('x')]).toEqual(['5', 'set-cookie', false]);
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(784111777000);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(784111777000);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(784111777000);
    expect([parseHttpDate('0'), parseHttpDate(''), parseHttpDate('Sun, 32 Nov 1994 08:49:37 GMT')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('std.cache.purge removes by path, host/path and prefix', () => {
    const { fns, request, xc } = setup();
    for (const p of ['/a', '/img/1', '/img/2']) request({ path: p }, fresh);
    expect(fns['std.cache.purge']?.(undefined, 'example.test/img/*')).toBe(2);
    expect(fns['std.cache.purge']?.(undefined, 'other.test/a')).toBe(0);
    expect(fns['std.cache.purge']?.(undefined, 'http://example.test/a')).toBe(1);
    expect(xc(request({ path: '/a' }, fresh))).toBe('MISS');
  });
});
