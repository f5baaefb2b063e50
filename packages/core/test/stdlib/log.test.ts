import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeExchange, FakeServices } from './fakes.js';

class LogServices extends FakeServices {
  readonly lines: Record<string, unknown>[] = [];
  override readonly logger = pino(
    { level: 'info' },
    new Writable({
      write: (chunk, _enc, cb) => {
        this.lines.push(JSON.parse(String(chunk)));
        cb();
      },
    }),
  );
}

describe('bindings.log', () => {
  it('logs through a child logger with the module, the .pcmod file:line and the request id', () => {
    const services = new LogServices();
    const bindings = createBindings(services, 'my_module');
    const x = new FakeExchange();
    x.ctxSet('request_id', 'req-1');
    bindings.log('warn', 'hello world', { file: 'mods/my.pcmod', line: 12, column: 3 }, x);
    bindings.log('info', 'at start', { file: 'mods/my.pcmod', line: 4, column: 3 }, undefined);
    bindings.log('debug', 'filtered out', { file: 'mods/my.pcmod', line: 5, column: 3 }, undefined);
    expect(services.lines).toHaveLength(2);
    expect(services.lines[0]).toMatchObject({
      level: 40,
      module: 'my_module',
      src: 'mods/my.pcmod:12',
      request_id: 'req-1',
      msg: 'hello world',
    });
    expect(services.lines[1]).toMatchObject({
      level: 30,
      module: 'my_module',
      src: 'mods/my.pcmod:4',
      msg: 'at start',
    });
    expect(services.lines[1]).not.toHaveProperty('request_id');
  });
});
