import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import type { HeaderRecord } from '../../src/pipeline/host.js';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeExchange, type FakeExchangeInit, FakeServices, manualClock } from './fakes.js';

function setup(services = new FakeServices()) {
  const clock = manualClock();
  const fns = createBindings(services, 'cache', undefined, { now: clock.now }).fns;
  /** Runs check; on a miss plays the origin's answer and store, like the pipeline would. */
  const request = (
    init: FakeExchangeInit,
    origin: { status?: number; headers?: HeaderRecord; body?: Buffer | Readable } = {},
    maxSize = 100,
  ): FakeExchange => {
    const x = new FakeExchange(init);
    fns['std.cache.check']?.(x);
    if (!x.responded) {
      x.response = {
        status: origin.status ?? 200,
        headers: { 'content-type': 'text/plain', ...(origin.headers ?? {}) },
        body: origin.body ?? Buffer.from(`body of ${x.path}`),
      };
    }
    fns['std.cache.store']?.(x, 60, maxSize);
    return x;
  };
  return { clock, fns, request, services };
}

const bodyOf = (x: FakeExchange): string => (x.response?.body as Buffer | undefined)?.toString() ?? '';

describe('std.cache', () => {
  it('misses, stores a GET 200, then hits with X-Cache: HIT and Age from a buffer', () => {
    const { clock, request } = setup();
    const miss = request({ path: '/a', query: 'v=1' });
    expect(miss.response?.headers['x-cache']).toBe('MISS');
    clock.advance(5_500);
    const hit = request({ path: '/a', query: 'v=1' }, { body: Buffer.from('different') });
    expect(hit.response?.status).toBe(200);
    expect(hit.response?.headers['x-cache']).toBe('HIT');
    expect(hit.response?.headers.age).toBe('5');
    expect(hit.response?.headers['content-length']).toBe(String('body of /a'.length));
    expect(Buffer.isBuffer(hit.response?.body)).toBe(true);
    expect(bodyOf(hit)).toBe('body of /a');
  });

  it('keys on host, path and query but not the method; HEAD is served from a stored GET without body', () => {
    const { request } = setup();
    request({ path: '/k' });
    expect(request({ path: '/k', host: 'other.test' }).response?.headers['x-cache']).toBe('MISS');
    expect(request({ path: '/k', query: 'x=1' }).response?.headers['x-cache']).toBe('MISS');
    const head = request({ path: '/k', method: 'HEAD' });
    expect(head.response?.headers['x-cache']).toBe('HIT');
    expect(head.response?.body).toBeUndefined();
  });

  it('does not store HEAD, non-200, POST, no-store, private, no-cache or Set-Cookie responses', () => {
    const { request } = setup();
    const cases: [FakeExchangeInit, { status?: number; headers?: HeaderRecord }][] = [
      [{ path: '/head', method: 'HEAD' }, {}],
      [{ path: '/404' }, { status: 404 }],
      [{ path: '/nostore' }, { headers: { 'cache-control': 'no-store' } }],
      [{ path: '/private' }, { headers: { 'cache-control': 'max-age=60, private' } }],
      [{ path: '/nocache' }, { headers: { 'cache-control': 'no-cache' } }],
      [{ path: '/cookie' }, { headers: { 'set-cookie': ['a=b'] } }],
      [{ path: '/auth', headers: { authorization: 'Bearer t' } }, {}],
    ];
    for (const [init, origin] of cases) {
      request(init, origin);
      expect(request({ path: init.path }).response?.headers['x-cache'], init.path).toBe('MISS');
    }
    const post = request({ path: '/post', method: 'POST' });
    expect(post.response?.headers['x-cache']).toBeUndefined();
    expect(request({ path: '/post' }).response?.headers['x-cache']).toBe('MISS');
  });

  it('expires entries after the ttl, or the origin max-age when given', () => {
    const { clock, request } = setup();
    request({ path: '/ttl' });
    request({ path: '/short' }, { headers: { 'cache-control': 'max-age=2' } });
    clock.advance(2_000);
    expect(request({ path: '/short' }).response?.headers['x-cache']).toBe('MISS');
    expect(request({ path: '/ttl' }).response?.headers['x-cache']).toBe('HIT');
    clock.advance(58_000);
    expect(request({ path: '/ttl' }).response?.headers['x-cache']).toBe('MISS');
  });

  it('bounds the store to max_size entries, evicting the least recently used', () => {
    const { request } = setup();
    request({ path: '/1' }, {}, 2);
    request({ path: '/2' }, {}, 2);
    expect(request({ path: '/1' }, {}, 2).response?.headers['x-cache']).toBe('HIT');
    request({ path: '/3' }, {}, 2);
    expect(request({ path: '/1' }, {}, 2).response?.headers['x-cache']).toBe('HIT');
    expect(request({ path: '/2' }, {}, 2).response?.headers['x-cache']).toBe('MISS');
  });

  it('tees a streamed body to the client unchanged and stores it once complete', async () => {
    const { request } = setup();
    const x = request(
      { path: '/stream' },
      { body: Readable.from([Buffer.from('hello '), Buffer.from('world')]) },
    );
    expect(x.response?.body).toBeInstanceOf(Readable);
    expect(request({ path: '/stream' }).response?.headers['x-cache']).toBe('MISS');
    expect(await text(x.response?.body as Readable)).toBe('hello world');
    const hit = request({ path: '/stream' });
    expect(hit.response?.headers['x-cache']).toBe('HIT');
    expect(bodyOf(hit)).toBe('hello world');
  });

  it('never stores a stream that fails half-way', async () => {
    const { request } = setup();
    const origin = new Readable({ read() {} });
    const x = request({ path: '/broken' }, { body: origin });
    origin.push('partial');
    origin.destroy(new Error('upstream reset'));
    await expect(text(x.response?.body as Readable)).rejects.toThrow('upstream reset');
    expect(request({ path: '/broken' }).response?.headers['x-cache']).toBe('MISS');
  });

  it('serves a Vary: Accept-Encoding entry only to requests with the same Accept-Encoding', () => {
    const { request } = setup();
    request(
      { path: '/v', headers: { 'accept-encoding': 'gzip' } },
      { headers: { vary: 'Accept-Encoding', 'content-encoding': 'gzip' } },
    );
    expect(
      request({ path: '/v', headers: { 'accept-encoding': 'GZIP ' } }).response?.headers['x-cache'],
    ).toBe('HIT');
    expect(request({ path: '/v' }).response?.headers['x-cache']).toBe('MISS');
  });

  it('keeps the store across bindings when the host offers persistent state', () => {
    const services = new FakeServices();
    services.persistent = new Map();
    setup(services).request({ path: '/kept' });
    expect(setup(services).request({ path: '/kept' }).response?.headers['x-cache']).toBe('HIT');
    expect(setup(new FakeServices()).request({ path: '/kept' }).response?.headers['x-cache']).toBe('MISS');
  });

  it('purges by path or by prefix ending in *', () => {
    const { fns, request } = setup();
    for (const p of ['/a', '/img/1', '/img/2']) request({ path: p });
    expect(fns['std.cache.purge']?.(undefined, '/img/*')).toBe(2);
    expect(fns['std.cache.purge']?.(undefined, '/a')).toBe(1);
    expect(fns['std.cache.purge']?.(undefined, '/a')).toBe(0);
  });

  it('warms the given paths through the pipeline after start', async () => {
    const services = new FakeServices();
    const { fns } = setup(services);
    fns['std.cache.warm']?.(undefined, ['/x', '/y']);
    expect(services.internal).toEqual([]);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(services.internal).toEqual(['/x', '/y']);
  });
});
