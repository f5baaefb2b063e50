/**
 * The shared tier: two proxies with `store = "redis"` on one real redis-server (started here, stopped
 * by PID) share entries; purges through the admin API reach Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_SKIP_MS } from '../../src/cache/redis-store.js';
import { type Origin, startOrigin } from '../server/helpers.js';
import { type CachingProxy, send, startCachingProxy } from './harness.js';
import { redisAvailable, startRedis, type TestRedis } from './redis-server.js';

/**
 * Requests `path` until a second request is a hit (at most ~4 s) and returns the last X-Cache: a process
 * stores nothing in Redis until its client has connected (nothing is queued before).
 */
async function untilStored(port: number, path: string): Promise<string> {
  let state = '';
  for (let i = 0; i < 40 && state !== 'HIT'; i++) {
    await send(port, path);
    await new Promise((r) => setTimeout(r, 100));
    state = String((await send(port, path)).headers['x-cache'] ?? '');
  }
  return state;
}

describe.skipIf(!redisAvailable())('cache shared tier on Redis', () => {
  let redis: TestRedis;
  let origin: Origin;
  let a: CachingProxy;
  let b: CachingProxy;

  beforeAll(async () => {
    redis = await startRedis();
    origin = await startOrigin((req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'cache-control': 'max-age=60', etag: '"e"' });
        res.end(`shared ${req.url}`);
      }, 50);
    });
    a = await startCachingProxy(origin.addr, { store: 'redis', redis_url: redis.url }, { admin: true });
    b = await startCachingProxy(origin.addr, { store: 'redis', redis_url: redis.url });
    // Each process stores nothing until its Redis client has connected (nothing is queued): wait for it.
    for (const [p, path] of [
      [a, '/ready-a'],
      [b, '/ready-b'],
    ] as const) {
      await untilStored(p.port, path);
    }
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await origin?.close();
    await redis?.stop();
  });

  it('a response stored by one process is a hit in another; the origin sees one request', async () => {
    // The Host is part of the key: both processes are addressed as the same site.
    const host = { host: 'shared.test' };
    const first = await send(a.port, '/s', { headers: host });
    expect([first.headers['x-cache'], first.body]).toEqual(['MISS', 'shared /s']);
    await new Promise((r) => setTimeout(r, 100));
    const other = await send(b.port, '/s', { headers: host });
    expect([other.status, other.headers['x-cache'], other.body]).toEqual([200, 'HIT', 'shared /s']);
    expect(origin.seen.filter((s) => s.url === '/s')).toHaveLength(1);
  });

  it('coalesces concurrent misses in one process against the Redis tier', async () => {
    const replies = await Promise.all(Array.from({ length: 8 }, () => send(b.port, '/c')));
    expect(replies.every((r) => r.body === 'shared /c')).toBe(true);
    expect(origin.seen.filter((s) => s.url === '/c')).toHaveLength(1);
  });

  it('admin purge removes the key from Redis for every process', async () => {
    const host = { host: 'shared.test' };
    await send(a.port, '/p', { headers: host });
    await new Promise((r) => setTimeout(r, 100));
    const purged = await send(a.adminPort as number, '/cache?key=/p', { method: 'PURGE' });
    expect([purged.status, JSON.parse(purged.body).purged]).toEqual([200, 1]);
    expect((await send(b.port, '/p', { headers: host })).headers['x-cache']).toBe('MISS');
  });
});

describe.skipIf(!redisAvailable())('cache shared tier with Redis going away', () => {
  it('serves fast misses while Redis is down and uses it again once it is back', async () => {
    let redis = await startRedis();
    const origin = await startOrigin((req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      res.end(`down ${req.url}`);
    });
    const proxy = await startCachingProxy(origin.addr, { store: 'redis', redis_url: redis.url });
    try {
      expect(await untilStored(proxy.port, '/before')).toBe('HIT');

      await redis.stop();
      const started = Date.now();
      for (let i = 0; i < 5; i++) {
        const r = await send(proxy.port, `/while-down-${i}`);
        expect([r.status, r.headers['x-cache'], r.body]).toEqual([200, 'MISS', `down /while-down-${i}`]);
      }
      // Before: each request waited for Redis (a reconnection queue, then the 2 s command timeout).
      expect(Date.now() - started).toBeLessThan(1_500);

      redis = await startRedis(redis.port);
      // Hung rather than gone (connected, not answering): one lookup waits for the command timeout, then
      // Redis is skipped for a while. Before: every request waited 2 s, one after another.
      await new Promise((r) => setTimeout(r, 300));
      redis.pause();
      const hung = Date.now();
      for (let i = 0; i < 5; i++) {
        const r = await send(proxy.port, `/while-hung-${i}`);
        expect([r.status, r.body]).toEqual([200, `down /while-hung-${i}`]);
      }
      expect(Date.now() - hung).toBeLessThan(2_000);
      redis.resume();
      await new Promise((r) => setTimeout(r, REDIS_SKIP_MS));
      expect(await untilStored(proxy.port, '/after')).toBe('HIT');
    } finally {
      await proxy.close();
      await origin.close();
      await redis.stop();
    }
  });
});
