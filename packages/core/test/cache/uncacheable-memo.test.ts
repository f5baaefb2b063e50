import { describe, expect, it } from 'vitest';
import { UNCACHEABLE_MEMO_MS } from '../../src/cache/http-cache.js';
import type { HostExchange } from '../../src/pipeline/host.js';
import { FakeExchange } from '../stdlib/fakes.js';
import { cacheSetup } from './bindings-setup.js';

const LEADER = 'cache.leader';
const FOLLOW = 'cache.before_forward';

type BeforeForward = (x: HostExchange) => Promise<boolean>;

/**
 * A leader for `path` with one follower waiting on it (as std.proxy.forward makes it wait), answered
 * by the origin with `cacheControl`; resolves once the follower has woken (false: it goes upstream).
 */
async function contended(setup: ReturnType<typeof cacheSetup>, path: string, cacheControl: string) {
  const { fns } = setup;
  const leader = new FakeExchange({ path });
  fns['std.cache.check']?.(leader);
  expect(leader.notes.get(LEADER)).toBe(`http://example.test${path}`);
  const follower = new FakeExchange({ path });
  fns['std.cache.check']?.(follower);
  const wait = (follower.notes.get(FOLLOW) as BeforeForward)(follower);
  leader.response = { status: 200, headers: { 'cache-control': cacheControl }, body: Buffer.from('a') };
  fns['std.cache.store']?.(leader, 60, 100);
  return wait;
}

function miss(setup: ReturnType<typeof cacheSetup>, path: string): FakeExchange {
  const x = new FakeExchange({ path });
  setup.fns['std.cache.check']?.(x);
  expect(x.responded).toBe(false);
  return x;
}

describe('misses for a key whose response was not storable are not coalesced (hit-for-miss)', () => {
  it('after an uncacheable leader that kept a request waiting, misses neither lead nor wait', async () => {
    const setup = cacheSetup(60);
    expect(await contended(setup, '/p', 'no-store')).toBe(false);
    const next = miss(setup, '/p');
    const concurrent = miss(setup, '/p');
    for (const x of [next, concurrent]) {
      expect(x.notes.has(LEADER)).toBe(false);
      expect(x.notes.has(FOLLOW)).toBe(false);
    }
    // Another key is unaffected.
    expect(setup.request({ path: '/q' }).notes.has(LEADER)).toBe(true);
    // Until the memo expires.
    setup.clock.advance(UNCACHEABLE_MEMO_MS);
    expect(miss(setup, '/p').notes.get(LEADER)).toBe('http://example.test/p');
  });

  it('a key nobody waited on is not remembered (one-off URLs cost nothing)', () => {
    const setup = cacheSetup(60);
    setup.request({ path: '/once' }, { headers: { 'cache-control': 'no-store' } });
    expect(miss(setup, '/once').notes.has(LEADER)).toBe(true);
  });

  it('a storable response ends the memo: the key is then cached and coalesced again', async () => {
    const setup = cacheSetup(60);
    const { fns, request, xc } = setup;
    await contended(setup, '/c', 'private');
    const unled = request({ path: '/c' }, { headers: { 'cache-control': 'max-age=60' } });
    expect(unled.notes.has(LEADER)).toBe(false);
    expect(xc(unled)).toBe('MISS');
    expect(xc(request({ path: '/c' }))).toBe('HIT');
    fns['std.cache.purge']?.(undefined, '/c');
    expect(miss(setup, '/c').notes.get(LEADER)).toBe('http://example.test/c');
  });

  it('a cacheable leader still answers its followers from cache', async () => {
    const setup = cacheSetup(60);
    expect(await contended(setup, '/ok', 'max-age=60')).toBe(true);
  });
});
