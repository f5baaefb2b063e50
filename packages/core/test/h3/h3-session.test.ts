/**
 * The HTTP/3 session over a fake QUIC connection: request validation (RFC 9114 §4.3.1), stream and
 * connection errors with their codes, control-stream rules, and the 431 answer to oversized heads.
 */
import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeSettings, FrameReader, H3Error } from '../../src/h3/h3-frames.js';
import type { H3Request, H3Response } from '../../src/h3/h3-message.js';
import { H3Session, type QuicStreamIo, requestHead } from '../../src/h3/h3-session.js';
import { decodeFieldSection, encodeFieldSection, type FieldLine } from '../../src/h3/qpack.js';

class FakeIo implements QuicStreamIo {
  readonly incoming = new Map<number, { data: Buffer; fin: boolean }>();
  readonly sent = new Map<number, Buffer[]>();
  readonly shutdowns: [number, boolean, boolean, number][] = [];
  closed: [number, string] | undefined = undefined;
  streamSend(id: number, data: Buffer, fin: boolean): number {
    const list = this.sent.get(id) ?? [];
    list.push(data);
    if (fin) list.push(Buffer.from('<FIN>'));
    this.sent.set(id, list);
    return data.length;
  }
  streamRecv(id: number, buf: Buffer): [number, boolean] | undefined {
    const s = this.incoming.get(id);
    if (s === undefined) return undefined;
    this.incoming.delete(id);
    s.data.copy(buf);
    return [s.data.length, s.fin];
  }
  streamShutdown(id: number, read: boolean, write: boolean, code: number): void {
    this.shutdowns.push([id, read, write, code]);
  }
  close(code: number, reason: string): void {
    this.closed = [code, reason];
  }
  wake(): void {}
}

function session(): { io: FakeIo; s: H3Session; requests: { req: H3Request; res: H3Response }[] } {
  const io = new FakeIo();
  const requests: { req: H3Request; res: H3Response }[] = [];
  const s = new H3Session(io, {
    maxFieldSectionSize: 1024,
    streamHighWater: 65536,
    transport: { remoteAddress: '127.0.0.1', encrypted: true, bytesRead: 0, bytesWritten: 0 },
    onRequest: (req, res) => requests.push({ req, res }),
  });
  s.start();
  return { io, s, requests };
}

const get: FieldLine[] = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':authority', 'example.test'],
  [':path', '/a?b=1'],
  ['accept', '*/*'],
];

function deliver(io: FakeIo, s: H3Session, id: number, data: Buffer, fin: boolean): void {
  io.incoming.set(id, { data, fin });
  s.readStream(id);
}

const headers = (fields: readonly FieldLine[]): Buffer => encodeFrame(0x1, encodeFieldSection(fields));
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('H3Session', () => {
  it('opens a control stream with SETTINGS (capacity 0) and both QPACK streams', () => {
    const { io } = session();
    const control = Buffer.concat(io.sent.get(3) ?? []);
    expect(control[0]).toBe(0x00);
    expect(control.subarray(1)).toEqual(
      encodeSettings([
        [0x1, 0],
        [0x7, 0],
        [0x6, 1024],
      ]),
    );
    expect(io.sent.get(7)).toEqual([Buffer.from([0x02])]);
    expect(io.sent.get(11)).toEqual([Buffer.from([0x03])]);
  });

  it('turns HEADERS + FIN into a bodiless request and writes HEADERS + DATA + FIN back', async () => {
    const { io, s, requests } = session();
    deliver(io, s, 0, headers(get), true);
    await tick();
    expect(requests).toHaveLength(1);
    const { req, res } = requests[0] as { req: H3Request; res: H3Response };
    expect([req.method, req.url, req.headers.host, req.headers.accept, req.hasBody]).toEqual([
      'GET',
      '/a?b=1',
      'example.test',
      '*/*',
      false,
    ]);
    res.writeHead(201, { 'content-type': 'text/plain', connection: 'close', 'x-a': ['1', '2'] });
    res.end(Buffer.from('hi'));
    await tick();
    const out = Buffer.concat((io.sent.get(0) ?? []).filter((b) => b.toString() !== '<FIN>'));
    const frames = new FrameReader(4096).push(out);
    const head = frames[0];
    expect(head?.kind).toBe('frame');
    if (head?.kind === 'frame') {
      const dec = decodeFieldSection(head.payload, 4096);
      expect(dec.ok && dec.fields).toEqual([
        [':status', '201'],
        ['content-type', 'text/plain'],
        ['x-a', '1'],
        ['x-a', '2'],
      ]);
    }
    expect(frames[1]).toEqual({ kind: 'data', chunk: Buffer.from('hi') });
    expect((io.sent.get(0) ?? []).at(-1)?.toString()).toBe('<FIN>');
  });

  it('delivers DATA frames as the request body and ends it at FIN', async () => {
    const { io, s, requests } = session();
    const post: FieldLine[] = [[':method', 'POST'], ...get.slice(1, 4), ['content-length', '5']];
    deliver(io, s, 4, Buffer.concat([headers(post), encodeFrame(0x0, Buffer.from('hel'))]), false);
    await tick();
    const { req } = requests[0] as { req: H3Request };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((r) => req.on('end', r));
    deliver(io, s, 4, encodeFrame(0x0, Buffer.from('lo')), true);
    await ended;
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    expect(req.complete).toBe(true);
  });

  it.each([
    ['missing :path', get.filter((f) => f[0] !== ':path')],
    ['upper-case name', [...get, ['X-Up', '1']]],
    ['connection-specific field', [...get, ['connection', 'close']]],
    ['pseudo after regular', [...get.slice(0, 3), ['accept', '*/*'], [':path', '/']]],
    ['te other than trailers', [...get, ['te', 'gzip']]],
    ['unknown pseudo-header', [[':foo', 'x'], ...get]],
  ] as [string, FieldLine[]][])(
    'a malformed request (%s) resets its stream with H3_MESSAGE_ERROR',
    async (_, fields) => {
      const { io, s, requests } = session();
      deliver(io, s, 0, headers(fields), true);
      await tick();
      expect(requests).toHaveLength(0);
      expect(io.shutdowns.some(([id, , , code]) => id === 0 && code === H3Error.MESSAGE_ERROR)).toBe(true);
      expect(io.closed).toBeUndefined();
    },
  );

  it('a content-length that disagrees with the DATA received is H3_MESSAGE_ERROR', async () => {
    const { io, s } = session();
    const post: FieldLine[] = [[':method', 'POST'], ...get.slice(1), ['content-length', '2']];
    deliver(io, s, 0, Buffer.concat([headers(post), encodeFrame(0x0, Buffer.from('abc'))]), true);
    await tick();
    expect(io.shutdowns.some(([id, , , code]) => id === 0 && code === H3Error.MESSAGE_ERROR)).toBe(true);
  });

  it('DATA before HEADERS is a connection error H3_FRAME_UNEXPECTED', () => {
    const { io, s } = session();
    deliver(io, s, 0, encodeFrame(0x0, Buffer.from('x')), false);
    expect(io.closed?.[0]).toBe(H3Error.FRAME_UNEXPECTED);
  });

  it('control stream: must start with SETTINGS, may not close, and is unique', () => {
    const a = session();
    deliver(a.io, a.s, 2, Buffer.concat([Buffer.from([0x00]), encodeFrame(0x7, Buffer.from([0]))]), false);
    expect(a.io.closed?.[0]).toBe(H3Error.MISSING_SETTINGS);

    const b = session();
    deliver(b.io, b.s, 2, Buffer.concat([Buffer.from([0x00]), encodeSettings([[0x6, 100]])]), false);
    expect(b.io.closed).toBeUndefined();
    deliver(b.io, b.s, 6, Buffer.from([0x00]), false);
    expect(b.io.closed?.[0]).toBe(H3Error.STREAM_CREATION_ERROR);

    const c = session();
    deliver(c.io, c.s, 2, Buffer.concat([Buffer.from([0x00]), encodeSettings([])]), true);
    expect(c.io.closed?.[0]).toBe(H3Error.CLOSED_CRITICAL_STREAM);
  });

  it('a QPACK encoder stream inserting into the (zero-capacity) table is QPACK_ENCODER_STREAM_ERROR', () => {
    const { io, s } = session();
    deliver(io, s, 2, Buffer.from([0x02, 0x3f, 0xe1, 0x1f]), false);
    expect(io.closed?.[0]).toBe(0x201);
  });

  it('an oversized request head is answered 431 without running the pipeline', async () => {
    const { io, s, requests } = session();
    deliver(io, s, 0, headers([...get, ['x-big', 'v'.repeat(2000)]]), true);
    await tick();
    expect(requests).toHaveLength(0);
    const out = Buffer.concat((io.sent.get(0) ?? []).filter((b) => b.toString() !== '<FIN>'));
    const first = new FrameReader(4096).push(out)[0];
    expect(first?.kind === 'frame' && decodeFieldSection(first.payload, 4096)).toMatchObject({
      ok: true,
      fields: expect.arrayContaining([[':status', '431']]),
    });
  });

  it('after GOAWAY new request streams are refused with H3_REQUEST_REJECTED', async () => {
    const { io, s, requests } = session();
    deliver(io, s, 0, headers(get), true);
    s.goaway();
    deliver(io, s, 4, headers(get), true);
    await tick();
    expect(requests).toHaveLength(1);
    expect(io.shutdowns).toContainEqual([4, true, true, H3Error.REQUEST_REJECTED]);
  });

  it('requestHead joins repeated cookies with "; " and takes host from :authority', () => {
    const r = requestHead([...get, ['cookie', 'a=1'], ['cookie', 'b=2']]);
    expect(r.ok && [r.headers.cookie, r.headers.host]).toEqual(['a=1; b=2', 'example.test']);
  });
});
