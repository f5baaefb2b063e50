import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { negotiateEncoding } from '../../src/http/content-coding.js';
import type { HeaderRecord } from '../../src/pipeline/host.js';
import { createBindings } from '../../src/stdlib/bindings.js';
import { isCompressibleType } from '../../src/stdlib/compress.js';
import { FakeExchange, FakeServices } from './fakes.js';

const fns = createBindings(new FakeServices(), 'compression').fns;
const BIG = Buffer.from('{"items":['.concat('"lorem ipsum dolor sit amet",'.repeat(200), '"end"]}'));

function exchange(
  acceptEncoding: string | undefined,
  headers: HeaderRecord = {},
  body: Buffer | Readable | null = BIG,
  method = 'GET',
) {
  return new FakeExchange({
    method,
    headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
    response: {
      status: 200,
      headers: { 'content-type': 'application/json', 'content-length': '999', ...headers },
      body: body ?? undefined,
    },
  });
}

const check = (x: FakeExchange, min = 1024): boolean => fns['std.compress.check']?.(x, min) as boolean;

describe('std.compress negotiation', () => {
  it('picks the highest-weighted supported encoding, br on a tie, none for q=0 or unknown codings', () => {
    expect(negotiateEncoding('gzip')).toBe('gzip');
    expect(negotiateEncoding('gzip, deflate, br')).toBe('br');
    expect(negotiateEncoding('br;q=0.5, gzip;q=0.8')).toBe('gzip');
    expect(negotiateEncoding('gzip;q=0, br;q=0')).toBeUndefined();
    expect(negotiateEncoding('*')).toBe('br');
    expect(negotiateEncoding('*;q=0.1, br;q=0')).toBe('gzip');
    expect(negotiateEncoding('deflate, identity')).toBeUndefined();
    expect(negotiateEncoding('')).toBeUndefined();
  });

  it('knows compressible types', () => {
    for (const t of [
      'text/html; charset=utf-8',
      'application/json',
      'application/problem+json',
      'application/javascript',
      'text/css',
      'image/svg+xml',
      'application/xml',
    ]) {
      expect(isCompressibleType(t), t).toBe(true);
    }
    for (const t of [
      'image/png',
      'application/octet-stream',
      'video/mp4',
      'text/event-stream',
      '',
      'application/zip',
    ]) {
      expect(isCompressibleType(t), t).toBe(false);
    }
  });

  it('check is true only when accepted, compressible, not encoded and large enough', () => {
    expect(check(exchange('gzip'))).toBe(true);
    expect(check(exchange(undefined))).toBe(false);
    expect(check(exchange('gzip', { 'content-type': 'image/png' }))).toBe(false);
    expect(check(exchange('gzip', { 'content-encoding': 'br' }))).toBe(false);
    expect(check(exchange('gzip', { 'cache-control': 'public, no-transform' }))).toBe(false);
    expect(check(exchange('gzip', {}, Buffer.from('{"small":true}')))).toBe(false);
    expect(check(exchange('gzip', {}, null))).toBe(false);
    expect(check(exchange('gzip', {}, BIG, 'HEAD'))).toBe(false);
    // A stream's size comes from Content-Length; without one it is compressed.
    expect(check(exchange('gzip', { 'content-length': '10' }, Readable.from([BIG])))).toBe(false);
    const unknown = exchange('gzip', {}, Readable.from([BIG]));
    delete unknown.response?.headers['content-length'];
    expect(check(unknown)).toBe(true);
  });

  it('adds Vary: Accept-Encoding to eligible responses even when the client takes no encoding', () => {
    const x = exchange(undefined, { vary: 'Origin' });
    expect(check(x)).toBe(false);
    expect(x.response?.headers.vary).toBe('Origin, Accept-Encoding');
  });
});

describe('std.compress.apply', () => {
  it('gzips a buffer body: Content-Encoding, Vary, no Content-Length, weak ETag, round-trips', async () => {
    const x = exchange('gzip', { etag: '"abc"' });
    expect(check(x)).toBe(true);
    fns['std.compress.apply']?.(x);
    const headers = x.response?.headers ?? {};
    expect(headers['content-encoding']).toBe('gzip');
    expect(headers.vary).toBe('Accept-Encoding');
    expect(headers['content-length']).toBeUndefined();
    expect(headers.etag).toBe('W/"abc"');
    const zipped = await buffer(x.response?.body as Readable);
    expect(zipped.length).toBeLessThan(BIG.length);
    expect(gunzipSync(zipped).equals(BIG)).toBe(true);
  });

  it('brotli-compresses a streamed body', async () => {
    const x = exchange('br', {}, Readable.from([BIG.subarray(0, 100), BIG.subarray(100)]));
    delete x.response?.headers['content-length'];
    expect(check(x)).toBe(true);
    fns['std.compress.apply']?.(x);
    expect(x.response?.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(await buffer(x.response?.body as Readable)).equals(BIG)).toBe(true);
  });

  it('does nothing when the client accepts no supported encoding', () => {
    const x = exchange('deflate');
    fns['std.compress.apply']?.(x);
    expect(x.response?.body).toBe(BIG);
    expect(x.response?.headers['content-encoding']).toBeUndefined();
  });
});
