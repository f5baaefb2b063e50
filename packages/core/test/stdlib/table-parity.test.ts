import { stdFunctions } from '@proxycache/pcmod-lang';
import { describe, expect, it } from 'vitest';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeServices } from './fakes.js';

describe('stdlib implementations match the declaration table', () => {
  const bindings = createBindings(new FakeServices(), 'parity');

  it('implements exactly the declared names', () => {
    const implemented = Object.keys(bindings.fns).sort();
    const declared = stdFunctions.map((f) => f.name).sort();
    expect(implemented).toEqual(declared);
  });

  it.each(stdFunctions.map((f) => [f.name, f.params.length + 1] as const))(
    '%s takes the exchange plus its declared parameters (%i)',
    (name, arity) => {
      expect(bindings.fns[name]?.length).toBe(arity);
    },
  );

  it('returns a promise exactly from the functions declared async', async () => {
    const services = new FakeServices();
    services.verifyConfig = async () => ({ ok: true, file: undefined, errors: [] });
    const fns = createBindings(services, 'parity').fns;
    for (const name of ['std.metrics.prometheus', 'std.admin.config_verify']) {
      const decl = stdFunctions.find((f) => f.name === name);
      expect(decl?.effects.async).toBe(true);
      expect(fns[name]?.({})).toBeInstanceOf(Promise);
    }
  });
});
