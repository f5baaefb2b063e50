/**
 * Regression (found by test/e2e): stdlib log lines carried `"module":"x","module":"x"` — the host's
 * per-module logger was wrapped in a second child with the same binding.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeServices } from '../stdlib/fakes.js';

class PerModuleLoggerServices extends FakeServices {
  readonly raw: string[] = [];
  override readonly logger = pino(
    { level: 'info' },
    new Writable({
      write: (chunk, _enc, cb) => {
        this.raw.push(String(chunk));
        cb();
      },
    }),
  ).child({ module: 'my_module' });
}

describe('stdlib logger', () => {
  it('names the module once when the host logger already carries it', () => {
    const services = new PerModuleLoggerServices();
    const bindings = createBindings(services, 'my_module');
    bindings.log('info', 'hello', { file: 'mods/my.pcmod', line: 3, column: 1 }, undefined);
    expect(services.raw).toHaveLength(1);
    expect(services.raw[0]?.match(/"module":/g)).toEqual(['"module":']);
  });
});
