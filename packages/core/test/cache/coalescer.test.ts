import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../src/cache/coalescer.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Coalescer', () => {
  it('one leader per key until it releases; followers wake on the release', async () => {
    const c = new Coalescer(30_000);
    expect(c.lead('k')).toBe(true);
    expect(c.lead('k')).toBe(false);
    expect(c.lead('other')).toBe(true);
    expect(c.busy('k')).toBe(true);
    let woke = 0;
    const waits = [c.wait('k', 30_000, undefined), c.wait('k', 30_000, undefined)].map((p) =>
      p.then(() => {
        woke++;
      }),
    );
    await sleep(5);
    expect(woke).toBe(0);
    c.release('k');
    await Promise.all(waits);
    expect(woke).toBe(2);
    expect([c.busy('k'), c.size]).toEqual([false, 1]);
    expect(c.lead('k')).toBe(true);
  });

  it('waiting on a key nobody leads resolves at once; a follower gives up after its own timeout', async () => {
    const c = new Coalescer(30_000);
    await c.wait('free', 30_000, undefined);
    c.lead('k');
    const t0 = performance.now();
    await c.wait('k', 20, undefined);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
    expect(c.busy('k')).toBe(true);
  });

  it('a lease its leader never released is taken over by the next miss, waking its followers', async () => {
    const c = new Coalescer(20);
    expect(c.lead('k')).toBe(true);
    let woke = false;
    const waiting = c.wait('k', 30_000, undefined).then(() => {
      woke = true;
    });
    await sleep(30);
    expect(c.busy('k')).toBe(false);
    expect(c.lead('k')).toBe(true);
    await waiting;
    expect(woke).toBe(true);
    expect(c.lead('k')).toBe(false);
  });

  it('a sweep drops leases past their time that nobody asks for again', async () => {
    const c = new Coalescer(20);
    c.lead('a');
    c.lead('b');
    expect(c.size).toBe(2);
    await sleep(70);
    expect(c.size).toBe(0);
  });
});
