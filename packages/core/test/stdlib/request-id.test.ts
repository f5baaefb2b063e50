import { describe, expect, it } from 'vitest';
import { ProxyExchange } from '../../src/pipeline/exchange.js';
import { createBindings } from '../../src/stdlib/bindings.js';
import { getExchange } from '../pipeline/exchange-fixtures.js';
import { FakeExchange, FakeServices } from './fakes.js';

const inject = createBindings(new FakeServices(), 'request_id').fns['std.request_id.inject'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('std.request_id.inject', () => {
  it('keeps an incoming id and stores it in ctx.request_id', () => {
    const x = new FakeExchange({ headers: { 'x-request-id': 'abc-123' } });
    expect(inject?.(x, 'X-Request-Id')).toBe('abc-123');
    expect(x.ctxGet('request_id')).toBe('abc-123');
    expect(x.requestHeaders['x-request-id']).toBe('abc-123');
  });

  it('generates a UUID when none is sent and sets the request header', () => {
    const x = new FakeExchange();
    const id = inject?.(x, 'X-Request-Id') as string;
    expect(id).toMatch(UUID);
    expect(x.ctxGet('request_id')).toBe(id);
    expect(x.requestHeaders['x-request-id']).toBe(id);
    expect(inject?.(new FakeExchange(), 'X-Request-Id')).not.toBe(id);
  });

  it('replaces ids with spaces, control characters or excessive length', () => {
    for (const bad of ['has space', 'evil\u0007', 'x'.repeat(201), '']) {
      const x = new FakeExchange({ headers: { 'x-trace': bad } });
      expect(inject?.(x, 'X-Trace')).toMatch(UUID);
    }
  });

  it('on a ProxyExchange: a bad configured header name fails every call; the id is echoed as set', () => {
    const bad = getExchange();
    expect(() => inject?.(bad, 'X Bad')).toThrow();
    expect(() => inject?.(getExchange(), 'X Bad')).toThrow();
    const x = getExchange();
    x.response = { status: 200, headers: {}, body: undefined };
    const id = inject?.(x, 'X-Request-Id') as string;
    x.setHeader('on_response', 'X-Request-Id', x.ctxGet('request_id'));
    expect([x.requestHeaders['x-request-id'], x.response.headers['x-request-id']]).toEqual([id, id]);
    // A value is checked even right after a valid one.
    expect(() => x.setHeader('on_response', 'X-Request-Id', `${id}\n`)).toThrow();
    expect(x).toBeInstanceOf(ProxyExchange);
  });
});
