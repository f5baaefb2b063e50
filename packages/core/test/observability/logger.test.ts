import { describe, expect, it } from 'vitest';
import { createLogger, TurnBatchedStream } from '../../src/observability/logger.js';

function fakeBoom(): {
  writes: string[];
  flushes: string[];
  out: ConstructorParameters<typeof TurnBatchedStream>[0];
} {
  const writes: string[] = [];
  const flushes: string[] = [];
  const out = {
    write: (s: string) => {
      writes.push(s);
      return true;
    },
    flush: (cb?: (err?: Error) => void) => {
      flushes.push('flush');
      cb?.();
    },
    flushSync: () => {
      flushes.push('flushSync');
    },
  } as unknown as ConstructorParameters<typeof TurnBatchedStream>[0];
  return { writes, flushes, out };
}

describe('TurnBatchedStream', () => {
  it('writes the lines of one event-loop turn as one write, in order', async () => {
    const { writes, out } = fakeBoom();
    const stream = new TurnBatchedStream(out);
    stream.write('a\n');
    stream.write('b\n');
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['a\n' + 'b\n']);
    stream.write('c\n');
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['a\n' + 'b\n', 'c\n']);
  });

  it('writes pending lines before flush and flushSync, and the logger flush reaches it', async () => {
    const { writes, flushes, out } = fakeBoom();
    const stream = new TurnBatchedStream(out);
    const logger = createLogger('info', stream);
    logger.info('one');
    logger.flush();
    expect(writes).toHaveLength(1);
    expect(JSON.parse(writes[0] ?? '')).toMatchObject({ msg: 'one', level: 30 });
    expect(flushes).toEqual(['flush']);
    stream.write('x\n');
    stream.flushSync();
    expect(writes.at(-1)).toBe('x\n');
    expect(flushes).toEqual(['flush', 'flushSync']);
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(2);
  });
});
