import { describe, expect, it } from 'vitest';
import { BatchedStream, type BatchSink, createLogger } from '../../src/observability/logger.js';

function fakeBoom(): { writes: Buffer[]; flushes: string[]; out: BatchSink } {
  const writes: Buffer[] = [];
  const flushes: string[] = [];
  const out: BatchSink = {
    write: (chunk: Buffer) => {
      expect(Buffer.isBuffer(chunk)).toBe(true);
      writes.push(chunk);
      return true;
    },
    flush: (cb?: (err?: Error) => void) => {
      flushes.push('flush');
      cb?.();
    },
    flushSync: () => {
      flushes.push('flushSync');
    },
  };
  return { writes, flushes, out };
}

const text = (writes: Buffer[]): string[] => writes.map((b) => b.toString('utf8'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('BatchedStream', () => {
  it('writes the lines of one delay window as one Buffer, in order, and nothing before', async () => {
    const { writes, out } = fakeBoom();
    const stream = new BatchedStream(out, { maxDelayMs: 20 });
    stream.write('a\n');
    stream.writeAscii('b\n');
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual([]);
    stream.write('c\n');
    await sleep(40);
    expect(text(writes)).toEqual(['a\nb\nc\n']);
    stream.write('d\n');
    await sleep(40);
    expect(text(writes)).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes at once when maxChars are pending', () => {
    const { writes, out } = fakeBoom();
    const stream = new BatchedStream(out, { maxChars: 10, maxDelayMs: 60_000 });
    stream.writeAscii('12345\n');
    expect(writes).toEqual([]);
    stream.writeAscii('6789\n');
    expect(text(writes)).toEqual(['12345\n6789\n']);
    stream.write('x\n');
    expect(writes).toHaveLength(1);
    stream.flushSync();
    expect(text(writes)).toEqual(['12345\n6789\n', 'x\n']);
  });

  it('encodes non-ASCII lines as UTF-8, also in a batch with ASCII-only lines', () => {
    const { writes, out } = fakeBoom();
    const stream = new BatchedStream(out, { maxDelayMs: 60_000 });
    stream.writeAscii('{"a":"plain"}\n');
    stream.write('{"a":"é日本🙂\u00ff"}\n');
    stream.writeAscii('{"b":1}\n');
    stream.flushSync();
    stream.writeAscii('{"c":"\u007f"}\n');
    stream.flushSync();
    expect(writes.map((b) => b.toString('hex'))).toEqual([
      Buffer.from('{"a":"plain"}\n{"a":"é日本🙂\u00ff"}\n{"b":1}\n', 'utf8').toString('hex'),
      Buffer.from('{"c":"\u007f"}\n', 'utf8').toString('hex'),
    ]);
  });

  it('writes pending lines before flush and flushSync, and the logger flush reaches it', async () => {
    const { writes, flushes, out } = fakeBoom();
    const stream = new BatchedStream(out, { maxDelayMs: 10 });
    const logger = createLogger('info', stream);
    logger.info('one');
    logger.flush();
    expect(writes).toHaveLength(1);
    expect(JSON.parse(writes[0]?.toString('utf8') ?? '')).toMatchObject({ msg: 'one', level: 30 });
    expect(flushes).toEqual(['flush']);
    stream.write('x\n');
    stream.flushSync();
    expect(writes.at(-1)?.toString('utf8')).toBe('x\n');
    expect(flushes).toEqual(['flush', 'flushSync']);
    await sleep(30);
    expect(writes).toHaveLength(2);
  });

  it('swallows a destination that fails at flushSync (exit after close)', () => {
    const stream = new BatchedStream({
      write: () => {
        throw new Error('SonicBoom destroyed');
      },
      flush: () => {},
      flushSync: () => {
        throw new Error('sonic boom is not ready yet');
      },
    });
    stream.write('lost\n');
    expect(() => stream.flushSync()).not.toThrow();
  });
});
