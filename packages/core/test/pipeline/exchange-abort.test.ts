/**
 * The exchange's client-gone state: `signal` (AbortSignal, created on demand) and `upstreamSignal` (the
 * emitter handed to undici) agree with `aborted` whichever is asked for first, and fire exactly once.
 */
import { describe, expect, it } from 'vitest';
import { peekNote } from '../../src/pipeline/exchange.js';
import { getExchange } from './exchange-fixtures.js';

describe('ProxyExchange abort', () => {
  it('creates no signal or notes map until asked for', () => {
    const x = getExchange();
    expect(x.aborted).toBe(false);
    expect(peekNote(x, 'k')).toBeUndefined();
    expect(x.peekNote('k')).toBeUndefined();
    x.notes.set('k', 1);
    expect(peekNote(x, 'k')).toBe(1);
  });

  it('tells both signals once, with an AbortError reason', () => {
    const x = getExchange();
    const signal = x.signal;
    const upstream = x.upstreamSignal;
    let fired = 0;
    upstream.once('abort', () => fired++);
    x.abort();
    x.abort();
    expect(x.aborted).toBe(true);
    expect(signal.aborted).toBe(true);
    expect(upstream.aborted).toBe(true);
    expect(fired).toBe(1);
    expect((upstream.reason as DOMException).name).toBe('AbortError');
    expect(upstream.listenerCount('abort')).toBe(0);
  });

  it('hands out already-aborted signals after the client left', () => {
    const x = getExchange();
    x.abort();
    expect(x.signal.aborted).toBe(true);
    expect(x.upstreamSignal.aborted).toBe(true);
    expect(x.upstreamSignal).toBe(x.upstreamSignal);
  });
});
