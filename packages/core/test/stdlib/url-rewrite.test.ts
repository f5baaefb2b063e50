import { describe, expect, it } from 'vitest';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeExchange, FakeServices } from './fakes.js';

const rewrite = createBindings(new FakeServices(), 'url_rewriter').fns['std.url_rewrite'];
const rules = new Map([
  ['/api/v1/', '/v1/'],
  ['/api/', '/internal/'],
  ['/old', 'new'],
]);

describe('std.url_rewrite', () => {
  it('applies the first matching prefix in map order and keeps the query', () => {
    const x = new FakeExchange({ path: '/api/v1/users', query: 'page=2' });
    expect(rewrite?.(x, rules)).toBe(true);
    expect(x.path).toBe('/v1/users');
    expect(x.uri).toBe('/v1/users?page=2');
    const y = new FakeExchange({ path: '/api/v2/users' });
    expect(rewrite?.(y, rules)).toBe(true);
    expect(y.path).toBe('/internal/v2/users');
  });

  it('keeps the result in origin form and leaves unmatched paths alone', () => {
    const x = new FakeExchange({ path: '/older' });
    rewrite?.(x, rules);
    expect(x.path).toBe('/newer');
    const y = new FakeExchange({ path: '/static/a.css' });
    expect(rewrite?.(y, rules)).toBe(false);
    expect(y.path).toBe('/static/a.css');
    expect(rewrite?.(new FakeExchange({ path: '/x' }), new Map())).toBe(false);
  });
});
