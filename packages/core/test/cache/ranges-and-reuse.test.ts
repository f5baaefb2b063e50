/**
 * Byte ranges from cache, POST reuse, language selection, Surrogate-Control targeting, HEAD
 * freshening and the stale-while-revalidate backend, driven through std.cache.check/store with a
 * manual clock. Each test names the section it checks.
 */
import { describe, expect, it } from 'vitest';
import { preferredLanguage } from '../../src/cache/cache-key.js';
import { parseAge } from '../../src/cache/freshness.js';
import { parseContentRange, parseRange, resolveRange } from '../../src/cache/range.js';
import { NOTE_UPSTREAM_BACKEND } from '../../src/pipeline/host.js';
import { cacheSetup } from './bindings-setup.js';

const full = { headers: { 'cache-control': 'max-age=3600', etag: '"v1"' }, body: '01234567890' };

describe('RFC 9110 §14 / RFC 9111 §3.3: ranges answered from a complete stored 200', () => {
  it('RFC 9110 §14.1.1: byte-range, open-ended and suffix ranges get a 206 with Content-Range', () => {
    const { request, xc, text, upstream } = cacheSetup();
    request({ path: '/r' }, full);
    const cases: [string, string, string][] = [
      ['bytes=0-1', '01', 'bytes 0-1/11'],
      ['bytes=1-', '1234567890', 'bytes 1-10/11'],
      ['bytes=-1', '0', 'bytes 10-10/11'],
      ['bytes=9-100', '90', 'bytes 9-10/11'],
      ['BYTES = 2-3', '23', 'bytes 2-3/11'],
    ];
    for (const [range, body, cr] of cases) {
      const r = request({ path: '/r', headers: { range } });
      expect([range, r.response?.status, xc(r), text(r)]).toEqual([range, 206, 'HIT', body]);
      expect(r.response?.headers['content-range']).toBe(cr);
      expect(r.response?.headers['content-length']).toBe(String(body.length));
      expect(r.response?.headers.etag).toBe('"v1"');
    }
    expect(upstream).toHaveLength(1);
  });

  it('RFC 9110 §15.5.17: a range past the end is answered 416 with `bytes */length`', () => {
    const { request } = cacheSetup();
    request({ path: '/r' }, full);
    const r = request({ path: '/r', headers: { range: 'bytes=11-' } });
    expect(r.response?.status).toBe(416);
    expect(r.response?.headers['content-range']).toBe('bytes */11');
    expect(r.response?.body).toBeUndefined();
  });

  it('RFC 9110 §14.2: several ranges, another unit or an invalid range get the whole 200', () => {
    const { request, text } = cacheSetup();
    request({ path: '/r' }, full);
    for (const range of ['bytes=0-1,3-4', 'items=0-1', 'bytes=5-2', 'bytes=x-']) {
      const r = request({ path: '/r', headers: { range } });
      expect([range, r.response?.status, text(r)]).toEqual([range, 200, '01234567890']);
    }
  });

  it('RFC 9110 §13.1.5: If-Range applies the range only when the strong validator matches', () => {
    const { request, text } = cacheSetup();
    request({ path: '/r' }, full);
    const same = request({ path: '/r', headers: { range: 'bytes=0-1', 'if-range': '"v1"' } });
    expect([same.response?.status, text(same)]).toEqual([206, '01']);
    const other = request({ path: '/r', headers: { range: 'bytes=0-1', 'if-range': '"v0"' } });
    expect([other.response?.status, text(other)]).toEqual([200, '01234567890']);
    const weak = request({ path: '/r', headers: { range: 'bytes=0-1', 'if-range': 'W/"v1"' } });
    expect(weak.response?.status).toBe(200);
  });

  it('RFC 9110 §13.2.2: a matching If-None-Match wins over Range; HEAD ignores Range', () => {
    const { request } = cacheSetup();
    request({ path: '/r' }, full);
    const r = request({ path: '/r', headers: { range: 'bytes=0-1', 'if-none-match': '"v1"' } });
    expect(r.response?.status).toBe(304);
    const head = request({ path: '/r', method: 'HEAD', headers: { range: 'bytes=0-1' } });
    expect([head.response?.status, head.response?.body]).toEqual([200, undefined]);
  });

  it('RFC 9111 §4.3.4: a range of a stale entry revalidated with 304 is served from the entry', () => {
    const { clock, request, text, upstream } = cacheSetup();
    request({ path: '/r' }, { ...full, headers: { ...full.headers, 'cache-control': 'max-age=1' } });
    clock.advance(2_000);
    const r = request(
      { path: '/r', headers: { range: 'bytes=0-1' } },
      { status: 304, headers: { etag: '"v1"' } },
    );
    expect(upstream[1]?.requestHeaders['if-none-match']).toBe('"v1"');
    expect([r.response?.status, text(r), r.response?.headers['x-cache']]).toEqual([206, '01', 'REVALIDATED']);
  });
});

describe('RFC 9111 §3.3: stored partial responses', () => {
  const part = {
    status: 206,
    headers: { 'cache-control': 'max-age=3600', 'content-range': 'bytes 4-9/10', etag: '"p"' },
    body: '456789',
  };

  it('a 206 is stored and answers ranges wholly inside it, never a request for the whole', () => {
    const { request, xc, text, upstream } = cacheSetup();
    request({ path: '/p', headers: { range: 'bytes=-6' } }, part);
    const cases: [string, string, string][] = [
      ['bytes=-6', '456789', 'bytes 4-9/10'],
      ['bytes=6-8', '678', 'bytes 6-8/10'],
      ['bytes=6-', '6789', 'bytes 6-9/10'],
      ['bytes=-1', '9', 'bytes 9-9/10'],
    ];
    for (const [range, body, cr] of cases) {
      const r = request({ path: '/p', headers: { range } });
      expect([range, r.response?.status, xc(r), text(r), r.response?.headers['content-range']]).toEqual([
        range,
        206,
        'HIT',
        body,
        cr,
      ]);
    }
    expect(upstream).toHaveLength(1);
    expect(xc(request({ path: '/p', headers: { range: 'bytes=0-5' } }, part))).toBe('MISS');
    expect(xc(request({ path: '/p' }, full))).toBe('MISS');
    expect(upstream).toHaveLength(3);
  });

  it('a 206 whose body is not what its Content-Range names is not stored', () => {
    const { request, xc } = cacheSetup();
    request({ path: '/p', headers: { range: 'bytes=-5' } }, { ...part, body: '01234' });
    expect(xc(request({ path: '/p', headers: { range: 'bytes=6-8' } }))).toBe('MISS');
  });

  it('a 206 never replaces a complete response with the same Vary values', () => {
    const { clock, request, xc, text } = cacheSetup();
    request({ path: '/p' }, { ...full, headers: { ...full.headers, 'cache-control': 'max-age=1' } });
    clock.advance(2_000);
    request({ path: '/p', headers: { range: 'bytes=4-9' } }, part);
    const whole = request({ path: '/p', headers: { 'cache-control': 'max-stale' } });
    expect([xc(whole), text(whole)]).toEqual(['STALE', '01234567890']);
  });
});

describe('RFC 9110 §9.3.3: a POST response reused for GET', () => {
  const postAnswer = (location: string | undefined, cc = 'max-age=600') => ({
    headers: {
      'cache-control': cc,
      ...(location === undefined ? {} : { 'content-location': location }),
    },
    body: 'posted',
  });

  it('explicit freshness and Content-Location equal to the target URI make it reusable', () => {
    const { request, xc, text } = cacheSetup();
    const post = request({ path: '/f', method: 'POST' }, postAnswer('http://example.test/f'));
    expect(post.response?.headers['x-cache']).toBeUndefined();
    const get = request({ path: '/f' });
    expect([xc(get), text(get)]).toEqual(['HIT', 'posted']);
    request({ path: '/g', method: 'POST' }, postAnswer('/g'));
    expect(xc(request({ path: '/g' }))).toBe('HIT');
  });

  it('without Content-Location, with another one, or without explicit freshness it is not stored', () => {
    const { request, xc } = cacheSetup();
    request({ path: '/a', method: 'POST' }, postAnswer(undefined));
    request({ path: '/b', method: 'POST' }, postAnswer('/other'));
    request({ path: '/c', method: 'POST' }, postAnswer('/c', 'public'));
    request({ path: '/d', method: 'POST' }, { ...postAnswer('/d'), status: 500 });
    for (const path of ['/a', '/b', '/c', '/d'])
      expect([path, xc(request({ path }))]).toEqual([path, 'MISS']);
  });

  it('RFC 9111 §4.4: the POST still invalidates what was stored for the target first', () => {
    const { request, xc, text } = cacheSetup();
    request({ path: '/i' }, { headers: { 'cache-control': 'max-age=600' }, body: 'old' });
    request({ path: '/i', method: 'POST' }, postAnswer('/i'));
    const get = request({ path: '/i' });
    expect([xc(get), text(get)]).toEqual(['HIT', 'posted']);
  });
});

describe('RFC 9111 §4.1: selecting a variant by the preferred language', () => {
  const de = {
    headers: { 'cache-control': 'max-age=600', vary: 'Accept-Language', 'content-language': 'de' },
  };

  it('a request that prefers the stored Content-Language above all others selects it', () => {
    const { request, xc } = cacheSetup();
    request({ path: '/l', headers: { 'accept-language': 'en, de' } }, de);
    expect(xc(request({ path: '/l', headers: { 'accept-language': 'fr;q=0.5, de;q=1.0' } }))).toBe('HIT');
    expect(xc(request({ path: '/l', headers: { 'accept-language': 'DE' } }))).toBe('HIT');
    expect(xc(request({ path: '/l', headers: { 'accept-language': 'de, fr' } }, de))).toBe('MISS');
    expect(xc(request({ path: '/l', headers: { 'accept-language': 'fr, de;q=0.9' } }, de))).toBe('MISS');
    expect(xc(request({ path: '/l' }, de))).toBe('MISS');
  });

  it('preferredLanguage: the unique highest q wins; ties, `*` and bad q values give none', () => {
    expect(preferredLanguage('fr;q=0.5, de;q=1.0')).toBe('de');
    expect(preferredLanguage('en-GB')).toBe('en-gb');
    expect(preferredLanguage('en, de')).toBeUndefined();
    expect(preferredLanguage('*')).toBeUndefined();
    expect(preferredLanguage('de;q=2')).toBeUndefined();
    expect(preferredLanguage('de;q=0')).toBeUndefined();
  });
});

describe('W3C Edge Architecture: Surrogate-Control aimed at proxycache', () => {
  it('every upstream request carries Surrogate-Capability (appended to one from downstream)', () => {
    const { request, upstream } = cacheSetup();
    request({ path: '/s' });
    request({ path: '/t', method: 'POST', headers: { 'surrogate-capability': 'edge="Surrogate/1.0"' } });
    expect(upstream.map((x) => x.requestHeaders['surrogate-capability'])).toEqual([
      'proxycache="Surrogate/1.0"',
      'edge="Surrogate/1.0", proxycache="Surrogate/1.0"',
    ]);
  });

  it('a hit, which goes nowhere, is left without it; a stale-while-revalidate refresh carries it', () => {
    const { clock, request, services, xc } = cacheSetup();
    request({ path: '/h' }, { headers: { 'cache-control': 'max-age=1, stale-while-revalidate=30' } });
    const hit = request({ path: '/h' });
    expect(xc(hit)).toBe('HIT');
    expect(hit.requestHeaders['surrogate-capability']).toBeUndefined();
    clock.advance(2_000);
    expect(xc(request({ path: '/h' }))).toBe('STALE');
    expect(services.forwarded.map((f) => f.x.requestHeaders['surrogate-capability'])).toEqual([
      'proxycache="Surrogate/1.0"',
    ]);
  });

  it('`max-age=…;proxycache` is honoured even with Cache-Control: no-store; the field is not forwarded', () => {
    const { request, xc } = cacheSetup();
    const first = request(
      { path: '/s' },
      { headers: { 'cache-control': 'no-store', 'surrogate-control': 'max-age=600;proxycache' } },
    );
    expect(first.response?.headers['surrogate-control']).toBeUndefined();
    expect(xc(request({ path: '/s' }))).toBe('HIT');
    request({ path: '/o' }, { headers: { 'surrogate-control': 'max-age=600;other' } });
    expect(xc(request({ path: '/o' }))).toBe('MISS');
  });
});

describe('RFC 9111 §4.3.5 / RFC 5861: HEAD freshening and background refresh', () => {
  it('§4.3.5: a 200 to HEAD with the stored validator and length freshens the stored GET', () => {
    const { clock, request, xc } = cacheSetup();
    request({ path: '/h' }, { headers: { 'cache-control': 'max-age=1', etag: '"a"' }, body: 'abc' });
    clock.advance(2_000);
    request(
      { path: '/h', method: 'HEAD' },
      { headers: { 'cache-control': 'max-age=600', etag: '"a"', 'content-length': '3' }, body: '' },
    );
    expect(xc(request({ path: '/h' }))).toBe('HIT');
  });

  it('§4.3.5: a HEAD whose ETag differs, or that has no validator, does not freshen', () => {
    const { clock, request, xc } = cacheSetup();
    request({ path: '/h' }, { headers: { 'cache-control': 'max-age=1', etag: '"a"' }, body: 'abc' });
    request({ path: '/n' }, { headers: { 'cache-control': 'max-age=1', etag: '"a"' }, body: 'abc' });
    clock.advance(2_000);
    request({ path: '/h', method: 'HEAD' }, { headers: { 'cache-control': 'max-age=600', etag: '"b"' } });
    request({ path: '/n', method: 'HEAD' }, { headers: { 'cache-control': 'max-age=600' } });
    expect(xc(request({ path: '/h' }, { status: 304 }))).toBe('REVALIDATED');
    expect(xc(request({ path: '/n' }, { status: 304 }))).toBe('REVALIDATED');
  });

  it('RFC 5861 §3: the background refresh goes to the backend the stored response came from', () => {
    const { clock, request, services } = cacheSetup();
    services.backends = ['127.0.0.1:8080', '127.0.0.1:8081'];
    request({ path: '/swr' }, (x) => {
      x.notes.set(NOTE_UPSTREAM_BACKEND, '127.0.0.1:9000');
      return { headers: { 'cache-control': 'max-age=1, stale-while-revalidate=30' } };
    });
    clock.advance(2_000);
    request({ path: '/swr', headers: { range: 'bytes=0-1' } });
    expect(services.forwarded.map((f) => [f.backend, f.x.requestHeaders.range])).toEqual([
      ['127.0.0.1:9000', undefined],
    ]);
  });
});

describe('parsers', () => {
  it('RFC 9110 §14.1.1 / §14.4: Range and Content-Range', () => {
    expect(parseRange('bytes=0-1')).toEqual({ kind: 'span', first: 0, last: 1 });
    expect(parseRange('bytes=-3')).toEqual({ kind: 'suffix', length: 3 });
    expect(parseRange('bytes=0-1, 4-5')).toBeUndefined();
    expect(resolveRange({ kind: 'suffix', length: 0 }, 5)).toBe('unsatisfiable');
    expect(resolveRange({ kind: 'suffix', length: 9 }, 5)).toEqual({ start: 0, end: 4 });
    expect(parseContentRange('bytes 4-9/10')).toEqual({ start: 4, end: 9, complete: 10 });
    expect(parseContentRange('bytes 4-9/*')).toBeUndefined();
    expect(parseContentRange('bytes 4-10/10')).toBeUndefined();
  });

  it('RFC 9111 §5.1: a list-valued Age is treated as invalid (stale), as the suite expects for `0, 0`', () => {
    expect(parseAge({ age: '0,7200' })).toBe('invalid');
    expect(parseAge({ age: '0, 0' })).toBe('invalid');
    expect(parseAge({ age: ['0', '0'] })).toBe('invalid');
    expect(parseAge({ age: ' 7 ' })).toBe(7);
  });
});
