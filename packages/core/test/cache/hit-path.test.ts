import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import type { HeaderRecord } from '../../src/pipeline/host.js';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeExchange, type FakeExchangeInit, FakeServices, manualClock } from '../stdlib/fakes.js';

function setup() {
  const clock = manualClock();
  const fns = createBindings(new FakeServices(), 'cache', undefined, { now: clock.now }).fns;
  const request = (
    init: FakeExchangeInit,
    origin: { headers?: HeaderRecord; body?: Buffer | Readable } = {},
  ): FakeExchange => {
    const x = new FakeExchange(init);
    fns['std.cache.check']?.(x);
    if (!x.responded) {
      x.response = {
        status: 200,
        headers: { 'content-type': 'text/plain', 'cache-control': 'max-age=60', ...(origin.headers ?? {}) },
        body: origin.body ?? Buffer.from(`body of ${x.path}`),
      };
    }
    fns['std.cache.store']?.(x, 60, 100);
    return x;
  };
  return { clock, request };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('cache hit path', () => {
  it('a hit writes only the cache-state note; a miss also its key, request time and leadership', () => {
    const { request } = setup();
    const miss = request({ path: '/n' });
    expect([...miss.notes.keys()].sort()).toEqual([
      'cache.key',
      'cache.leader',
      'cache.request_time',
      'cache.state',
    ]);
    const hit = request({ path: '/n' });
    expect([...hit.notes.entries()]).toEqual([['cache.state', 'hit']]);
  });

  it('hands every hit its own header record: stored fields, then Age, then X-Cache', () => {
    const { clock, request } = setup();
    request({ path: '/h' }, { headers: { etag: '"e"' } });
    const first = request({ path: '/h' });
    const headers = first.response?.headers as HeaderRecord;
    expect(Object.keys(headers)).toEqual([
      'content-type',
      'cache-control',
      'etag',
      'content-length',
      'date',
      'age',
      'x-cache',
    ]);
    // What a module that ran before the cache does in on_response must not reach the next hit.
    headers['x-request-id'] = 'one';
    headers.etag = undefined;
    headers.age = '999';
    clock.advance(2_000);
    const second = request({ path: '/h' }).response?.headers as HeaderRecord;
    expect(second).not.toBe(headers);
    expect(second['x-request-id']).toBeUndefined();
    expect(second.etag).toBe('"e"');
    expect(second.age).toBe('2');
    expect(second['x-cache']).toBe('HIT');
    clock.advance(500);
    expect(request({ path: '/h' }).response?.headers.age).toBe('2');
    clock.advance(500);
    expect(request({ path: '/h' }).response?.headers.age).toBe('3');
    clock.advance(58_000);
    // Past max-age: revalidated upstream (a miss here, the fake origin answering 200).
    expect(request({ path: '/h' }).response?.headers['x-cache']).toBe('MISS');
    expect(request({ path: '/h' }).response?.headers.age).toBe('0');
  });

  it('destroys the origin body and stores nothing when the client stream is torn down first', async () => {
    const { request } = setup();
    const origin = new Readable({ read() {} });
    const x = request({ path: '/gone' }, { body: origin });
    origin.push('partial');
    const client = x.response?.body as Readable;
    client.destroy();
    await tick();
    expect(origin.destroyed).toBe(true);
    expect(request({ path: '/gone' }).response?.headers['x-cache']).toBe('MISS');
  });

  it('fails the client stream when the origin body closes before its end, and stores nothing', async () => {
    const { request } = setup();
    const origin = new Readable({ read() {} });
    const x = request({ path: '/cut' }, { body: origin });
    origin.push('partial');
    origin.destroy();
    await expect(text(x.response?.body as Readable)).rejects.toThrow('Premature close');
    expect(request({ path: '/cut' }).response?.headers['x-cache']).toBe('MISS');
  });

  it('fails the client stream when the origin body failed before store() ran', async () => {
    const { request } = setup();
    const origin = new Readable({ read() {} });
    origin.on('error', () => {});
    origin.destroy(new Error('reset early'));
    await tick();
    const x = request({ path: '/early' }, { body: origin });
    await expect(text(x.response?.body as Readable)).rejects.toThrow('reset early');
    expect(request({ path: '/early' }).response?.headers['x-cache']).toBe('MISS');
  });
});

describe('cache memory', () => {
  it('stores a body that is a view of a larger buffer (undici read buffer) as its own copy', () => {
    const { request } = setup();
    const readBuffer = Buffer.alloc(64 * 1024, 0x61);
    const view = readBuffer.subarray(1000, 2024);
    request({ path: '/v' }, { body: view });
    const hit = request({ path: '/v' });
    const body = hit.response?.body as Buffer;
    expect(body.equals(view)).toBe(true);
    // The entry does not pin the 64 KiB allocation it was sliced from.
    expect(body.buffer).not.toBe(readBuffer.buffer);
    expect(body.buffer.byteLength).toBe(1024);
  });
});
