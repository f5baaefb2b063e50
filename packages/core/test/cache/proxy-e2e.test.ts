/**
 * The cache through the running proxy against real origins that count what reaches them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type OriginHandler, proxyPerTest, send } from './harness.js';

/** An origin that answers 200 with `cacheControl` and `body` after `ms`. */
function answerAfter(ms: number, cacheControl: string, body: string): OriginHandler {
  return (_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'cache-control': cacheControl });
      res.end(body);
    }, ms);
  };
}

describe('cache through the proxy (end to end)', () => {
  const started = proxyPerTest();

  function setup(
    handler: OriginHandler,
    cache: Record<string, number | string | boolean> = {},
    admin = false,
  ) {
    return started(handler, cache, { admin });
  }

  it('RFC 9111 §4: a hit is answered without reaching the origin, with Age and X-Cache: HIT', async () => {
    const { origin: o, proxy: p } = await setup((_req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60', 'content-type': 'text/plain' });
      res.end('hello');
    });
    const miss = await send(p.port, '/a');
    expect([miss.status, miss.headers['x-cache'], miss.body]).toEqual([200, 'MISS', 'hello']);
    for (let i = 0; i < 5; i++) {
      const hit = await send(p.port, '/a');
      expect([hit.status, hit.headers['x-cache'], hit.body]).toEqual([200, 'HIT', 'hello']);
      // Age is whole seconds since the origin's Date: 0, or 1 when a second boundary passed meanwhile.
      expect(['0', '1']).toContain(hit.headers.age);
    }
    const head = await send(p.port, '/a', { method: 'HEAD' });
    expect([head.status, head.headers['x-cache'], head.headers['content-length'], head.body]).toEqual([
      200,
      'HIT',
      '5',
      '',
    ]);
    expect(o.requests).toBe(1);
  });

  it('coalescing: 20 concurrent misses for one key make exactly one upstream request', async () => {
    const { origin: o, proxy: p } = await setup(answerAfter(150, 'max-age=60', 'slow body'));
    const replies = await Promise.all(Array.from({ length: 20 }, () => send(p.port, '/slow')));
    expect(o.requests).toBe(1);
    expect(replies.every((r) => r.status === 200 && r.body === 'slow body')).toBe(true);
    expect(replies.filter((r) => r.headers['x-cache'] === 'MISS')).toHaveLength(1);
    expect(replies.filter((r) => r.headers['x-cache'] === 'HIT')).toHaveLength(19);
  });

  it('coalescing: followers of an uncacheable leader go upstream themselves', async () => {
    const { origin: o, proxy: p } = await setup(answerAfter(50, 'no-store', 'private'));
    const replies = await Promise.all(Array.from({ length: 5 }, () => send(p.port, '/nostore')));
    expect(replies.map((r) => r.body)).toEqual(Array(5).fill('private'));
    expect(o.requests).toBe(5);
  });

  describe('RFC 9111 §4.3.2: client preconditions on a miss are answered by the cache, which fills', () => {
    /** An origin that honours If-None-Match, as real ones do. */
    const etagged = (req: IncomingMessage, res: ServerResponse) => {
      setTimeout(() => {
        if (req.headers['if-none-match'] === '"v1"') {
          res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60' });
          res.end();
          return;
        }
        res.writeHead(200, { etag: '"v1"', 'cache-control': 'max-age=60', 'content-type': 'text/plain' });
        res.end('full body');
      }, 50);
    };

    it('a matching If-None-Match on a cold key: 304 to the client, the whole response stored', async () => {
      const { origin: o, proxy: p } = await setup(etagged);
      const first = await send(p.port, '/c1', { headers: { 'if-none-match': '"v1"' } });
      expect([first.status, first.body, first.headers['content-length']]).toEqual([304, '', undefined]);
      expect(first.headers.etag).toBe('"v1"');
      expect(o.seen.map((s) => s.headers['if-none-match'])).toEqual([undefined]);
      await new Promise((r) => setTimeout(r, 50));
      const plain = await send(p.port, '/c1');
      expect([plain.status, plain.headers['x-cache'], plain.body]).toEqual([200, 'HIT', 'full body']);
      const again = await send(p.port, '/c1', { headers: { 'if-none-match': 'W/"v1"' } });
      expect([again.status, again.headers['x-cache']]).toEqual([304, 'HIT']);
      expect(o.requests).toBe(1);
    });

    it('a non-matching If-None-Match on a cold key: the whole 200, stored', async () => {
      const { origin: o, proxy: p } = await setup(etagged);
      const first = await send(p.port, '/c2', { headers: { 'if-none-match': '"old"' } });
      expect([first.status, first.body]).toEqual([200, 'full body']);
      await new Promise((r) => setTimeout(r, 50));
      expect((await send(p.port, '/c2')).headers['x-cache']).toBe('HIT');
      expect(o.requests).toBe(1);
    });

    it('coalesced followers with preconditions get their 304 from what the leader stored', async () => {
      const { origin: o, proxy: p } = await setup(etagged);
      const leader = send(p.port, '/c3');
      await new Promise((r) => setTimeout(r, 10));
      const followers = await Promise.all(
        Array.from({ length: 3 }, () => send(p.port, '/c3', { headers: { 'if-none-match': '"v1"' } })),
      );
      expect((await leader).body).toBe('full body');
      expect(followers.map((f) => f.status)).toEqual([304, 304, 304]);
      expect(o.requests).toBe(1);
    });
  });

  it('coalescing: when the backend does not answer the leader in time, its followers get its 504 at once', async () => {
    const { origin: o, proxy: p } = await started(
      () => {
        // Never answers (the request stays open until the origin closes).
      },
      {},
      { backendTimeout: 1 },
    );
    const t0 = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => send(p.port, '/hang').then((r) => [r.status, Date.now() - t0])),
    );
    expect(replies.map((r) => r[0])).toEqual([504, 504, 504, 504, 504]);
    expect(o.requests).toBe(1);
    // Before: followers waited backend_timeout for the leader, then another one upstream each.
    expect(Math.max(...replies.map((r) => r[1] as number))).toBeLessThan(1_900);
  });

  describe("coalescing: the leader's client leaving does not cancel the fetch its followers wait for", () => {
    /** Sends a GET on a raw socket and closes it after `ms`, whatever came back by then. */
    const leaveAfter = (port: number, path: string, ms: number) =>
      new Promise<void>((resolve) => {
        // The Host `send` uses too: the same cache key.
        const s = connect(port, '127.0.0.1', () =>
          s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`),
        );
        s.on('error', () => {});
        setTimeout(() => {
          s.destroy();
          resolve();
        }, ms);
      });

    it('before the response head: one upstream request, the followers get it from cache', async () => {
      const { origin: o, proxy: p } = await setup(answerAfter(700, 'max-age=60', 'fetched once'));
      // The followers come at 50 ms, the leader leaves at 300 ms, the origin answers at 700 ms.
      const leader = leaveAfter(p.port, '/gone', 300);
      await new Promise((r) => setTimeout(r, 50));
      const followers = await Promise.all(Array.from({ length: 4 }, () => send(p.port, '/gone')));
      await leader;
      expect(followers.map((f) => [f.status, f.body])).toEqual(Array(4).fill([200, 'fetched once']));
      expect(o.requests).toBe(1);
    });

    it('in the middle of the body: the rest is still read and stored for the followers', async () => {
      const { origin: o, proxy: p } = await setup((_req, res) => {
        res.writeHead(200, { 'cache-control': 'max-age=60', 'content-type': 'text/plain' });
        res.write('first-part ');
        setTimeout(() => res.end('second-part'), 700);
      });
      // Leaves at 300 ms: mid-body (the first part came at once, the rest comes at 700 ms), with followers waiting.
      const leader = leaveAfter(p.port, '/gone-mid', 300);
      await new Promise((r) => setTimeout(r, 50));
      const followers = await Promise.all(Array.from({ length: 4 }, () => send(p.port, '/gone-mid')));
      await leader;
      expect(followers.map((f) => [f.status, f.body])).toEqual(
        Array(4).fill([200, 'first-part second-part']),
      );
      expect(o.requests).toBe(1);
    });

    it('with nobody waiting, a leaving client still cancels the upstream request', async () => {
      let closed = false;
      const { proxy: p } = await setup((req, res) => {
        req.socket.once('close', () => {
          closed = true;
        });
        setTimeout(() => {
          if (!res.destroyed) res.end('late');
        }, 1500);
      });
      await leaveAfter(p.port, '/alone', 100);
      for (let i = 0; i < 50 && !closed; i++) await new Promise((r) => setTimeout(r, 20));
      expect(closed).toBe(true);
    });
  });

  it('coalescing: misses for two Vary variants of a cold key make one upstream request per variant', async () => {
    const { origin: o, proxy: p } = await setup((req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'cache-control': 'max-age=60', vary: 'X-V' });
        res.end(`variant ${req.headers['x-v']}`);
      }, 200);
    });
    const ask = (v: string) => send(p.port, '/vary-herd', { headers: { 'x-v': v } });
    const replies = await Promise.all(['a', 'b', 'a', 'b', 'a', 'b'].map(ask));
    expect(replies.map((r) => r.body)).toEqual(['a', 'b', 'a', 'b', 'a', 'b'].map((v) => `variant ${v}`));
    // Before: the b requests waited for the a leader, then went upstream one each (4 requests).
    expect(o.requests).toBe(2);
  });

  it('coalescing: concurrent requests for an expired entry revalidate it once; a no-cache entry per request', async () => {
    const { origin: o, proxy: p } = await setup((req, res) => {
      const noCache = req.url === '/nc-reval';
      setTimeout(() => {
        if (req.headers['if-none-match'] === '"r"') {
          res.writeHead(304, { etag: '"r"', 'cache-control': noCache ? 'no-cache' : 'max-age=1' });
          res.end();
          return;
        }
        res.writeHead(200, { etag: '"r"', 'cache-control': noCache ? 'no-cache' : 'max-age=1' });
        res.end('body r');
      }, 150);
    });
    await send(p.port, '/reval');
    await send(p.port, '/nc-reval');
    await new Promise((r) => setTimeout(r, 1100));
    const before = o.requests;
    const replies = await Promise.all(Array.from({ length: 5 }, () => send(p.port, '/reval')));
    expect(replies.map((r) => [r.status, r.body])).toEqual(Array(5).fill([200, 'body r']));
    expect(replies.map((r) => r.headers['x-cache']).sort()).toEqual([
      'HIT',
      'HIT',
      'HIT',
      'HIT',
      'REVALIDATED',
    ]);
    expect(o.requests - before).toBe(1);
    // Waiters answer their own preconditions, not the validators the cache adds to its revalidation.
    await new Promise((r) => setTimeout(r, 1100));
    const mixed = await Promise.all([
      send(p.port, '/reval'),
      send(p.port, '/reval', { headers: { 'if-none-match': '"r"' } }),
      send(p.port, '/reval', { headers: { 'if-none-match': '"other"' } }),
    ]);
    expect(mixed.map((r) => [r.status, r.body])).toEqual([
      [200, 'body r'],
      [304, ''],
      [200, 'body r'],
    ]);
    expect(o.requests - before).toBe(2);
    // no-cache: every use needs its own validation (RFC 9111 §5.2.2.4), so they are not collapsed.
    const nc = await Promise.all(Array.from({ length: 3 }, () => send(p.port, '/nc-reval')));
    expect(nc.map((r) => r.headers['x-cache'])).toEqual(['REVALIDATED', 'REVALIDATED', 'REVALIDATED']);
    expect(o.requests - before).toBe(5);
  });

  it('coalescing: with max_size = 0 (nothing stored) followers do not wait for a lease nobody releases', async () => {
    const { origin: o, proxy: p } = await setup(answerAfter(100, 'max-age=60', 'unkept'), { max_size: 0 });
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 5 }, () => send(p.port, '/zero')));
    expect(replies.map((r) => r.body)).toEqual(Array(5).fill('unkept'));
    expect(o.requests).toBe(5);
    // Before: the followers waited for the whole coalescing wait (backend_timeout, 30 s by default).
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('RFC 9111 §4.3.1/§4.3.4: a stale entry is revalidated with If-None-Match and a 304 refreshes it', async () => {
    const { origin: o, proxy: p } = await setup((req, res) => {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60', 'x-version': 'two' });
        res.end();
        return;
      }
      res.writeHead(200, { etag: '"v1"', 'cache-control': 'max-age=0', 'x-version': 'one' });
      res.end('validated body');
    });
    expect((await send(p.port, '/r')).headers['x-cache']).toBe('MISS');
    const second = await send(p.port, '/r');
    expect([second.status, second.headers['x-cache'], second.body, second.headers['x-version']]).toEqual([
      200,
      'REVALIDATED',
      'validated body',
      'two',
    ]);
    expect(o.seen[1]?.headers['if-none-match']).toBe('"v1"');
    const third = await send(p.port, '/r');
    expect(third.headers['x-cache']).toBe('HIT');
    const conditional = await send(p.port, '/r', { headers: { 'if-none-match': '"v1"' } });
    expect([conditional.status, conditional.headers.etag, conditional.body]).toEqual([304, '"v1"', '']);
    expect(o.requests).toBe(2);
  });

  it('RFC 5861 §4: stale-if-error serves the stale entry when the origin answers 5xx', async () => {
    let fail = false;
    const { proxy: p } = await setup((_req, res) => {
      if (fail) {
        res.writeHead(503);
        res.end('down');
        return;
      }
      res.writeHead(200, { 'cache-control': 'max-age=1, stale-if-error=60' });
      res.end('good');
    });
    await send(p.port, '/sie');
    fail = true;
    await new Promise((r) => setTimeout(r, 2100));
    const stale = await send(p.port, '/sie');
    expect([stale.status, stale.headers['x-cache'], stale.body]).toEqual([200, 'STALE', 'good']);
  });

  it('RFC 9111 §4.4: a successful POST invalidates the target URI and its Location', async () => {
    const { origin: o, proxy: p } = await setup((req, res) => {
      if (req.method === 'POST') {
        res.writeHead(201, { location: '/items/2' });
        res.end();
        return;
      }
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      res.end(req.url);
    });
    await send(p.port, '/items');
    await send(p.port, '/items/2');
    expect((await send(p.port, '/items')).headers['x-cache']).toBe('HIT');
    await send(p.port, '/items', { method: 'POST', body: 'x' });
    expect((await send(p.port, '/items')).headers['x-cache']).toBe('MISS');
    expect((await send(p.port, '/items/2')).headers['x-cache']).toBe('MISS');
    expect(o.requests).toBe(5);
  });

  it('client X-Forwarded-Host / X-Forwarded-Proto never reach the origin nor the key (no poisoning)', async () => {
    const { origin: o, proxy: p } = await setup((req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      res.end(`link to ${req.headers['x-forwarded-proto']}://${req.headers['x-forwarded-host']}/`);
    });
    const poisoned = await send(p.port, '/home', {
      headers: { 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'https' },
    });
    expect(poisoned.body).toBe(`link to http://127.0.0.1:${p.port}/`);
    expect(o.seen[0]?.headers['x-forwarded-host']).toBe(`127.0.0.1:${p.port}`);
    const clean = await send(p.port, '/home');
    expect([clean.headers['x-cache'], clean.body]).toEqual(['HIT', `link to http://127.0.0.1:${p.port}/`]);
  });

  it('admin PURGE /cache?key= and DELETE /cache?prefix= remove entries', async () => {
    const { origin: o, proxy: p } = await setup(
      (req, res) => {
        res.writeHead(200, { 'cache-control': 'max-age=60' });
        res.end(req.url);
      },
      {},
      true,
    );
    for (const path of ['/a', '/img/1', '/img/2']) await send(p.port, path);
    const admin = p.adminPort as number;
    const one = await send(admin, '/cache?key=/a', { method: 'PURGE' });
    expect([one.status, JSON.parse(one.body)]).toEqual([200, { purged: 1, key: '/a', prefix: false }]);
    const many = await send(admin, '/cache?prefix=/img/', { method: 'DELETE' });
    expect([many.status, JSON.parse(many.body)]).toEqual([200, { purged: 2, key: '/img/', prefix: true }]);
    expect((await send(admin, '/cache', { method: 'PURGE' })).status).toBe(400);
    // Malformed escapes and both parameters at once are refused rather than guessed at.
    for (const query of ['key=%ZZ', 'prefix=%E0%A4%A', 'key=/a&prefix=/img/'])
      expect((await send(admin, `/cache?${query}`, { method: 'PURGE' })).status, query).toBe(400);
    expect((await send(admin, '/cache?key=/a', { method: 'GET' })).status).toBe(405);
    for (const path of ['/a', '/img/1', '/img/2'])
      expect((await send(p.port, path)).headers['x-cache']).toBe('MISS');
    expect(o.requests).toBe(6);
  });
});
