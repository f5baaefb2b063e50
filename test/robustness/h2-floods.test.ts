/**
 * HTTP/2 floods over h2c (prior knowledge) with hand-built frames: rapid reset, SETTINGS and PING floods,
 * streams beyond the advertised limit and an oversized header list. The offending session ends with
 * GOAWAY (or the streams are refused), the proxy survives, and a well-behaved client is still served.
 */
import { connect as h2connect } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCode,
  FrameType,
  getHeaders,
  goawayCode,
  h2c,
  headersFrame,
  parseFrames,
  pingFrame,
  rstFrame,
  settingsFrame,
} from './h2-frames.js';
import { type Origin, type Running, robustConfig, sleep, startOrigin, startProxy } from './harness.js';

let origin: Origin;
let proxy: Running;

beforeAll(async () => {
  origin = await startOrigin((req, res) => {
    const text = `origin ${req.url}`;
    if (req.url === '/slow') setTimeout(() => res.end(text), 1000);
    else res.end(text);
  });
  proxy = await startProxy(
    robustConfig({
      backend_addr: origin.addr,
      h2_max_concurrent_streams: 10,
      h2_max_header_list_size: 2048,
    }),
  );
});

afterAll(async () => {
  await proxy?.app.shutdown();
  await origin?.close();
});

/** A well-behaved node:http2 client's GET. */
async function wellBehaved(path: string): Promise<string> {
  const client = h2connect(`http://127.0.0.1:${proxy.port}`);
  try {
    return await new Promise<string>((resolve, reject) => {
      const req = client.request({ ':path': path });
      let status = 0;
      let body = '';
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => resolve(`${status} ${body}`));
      req.on('error', reject);
      req.end();
    });
  } finally {
    client.close();
  }
}

describe('HTTP/2 floods', () => {
  it('rapid reset (1200 HEADERS + RST_STREAM): GOAWAY, the proxy survives, others are served', async () => {
    const conn = await h2c(proxy.port);
    const frames: Buffer[] = [];
    for (let i = 0; i < 1200; i++) {
      const id = 1 + 2 * i;
      frames.push(headersFrame(id, getHeaders('/rr')), rstFrame(id));
    }
    conn.socket.write(Buffer.concat(frames));
    for (let i = 0; i < 100 && goawayCode(parseFrames(conn.received())) === undefined; i++) await sleep(20);
    const code = goawayCode(parseFrames(conn.received()));
    expect(code).toBeDefined();
    expect(code).not.toBe(ErrorCode.NO_ERROR);
    conn.socket.destroy();
    // nghttp2 stops the session after ~1000 resets: not every one of the 1200 reaches the origin.
    await sleep(200);
    expect(origin.seen.filter((s) => s.url === '/rr').length).toBeLessThan(1200);
    // Known limit: each reset stream still became an upstream request whose abort costs undici a pooled
    // connection, so the pool is busy for a few seconds; a new client is served once it drains.
    expect(await wellBehaved('/after-reset')).toBe('200 origin /after-reset');
  }, 20_000);

  it('SETTINGS flood with no ACKs read: GOAWAY and the connection is closed', async () => {
    const conn = await h2c(proxy.port);
    conn.socket.pause();
    const frames: Buffer[] = [];
    for (let i = 0; i < 20_000; i++) frames.push(settingsFrame([[4, 65_535]]));
    conn.socket.write(Buffer.concat(frames));
    await sleep(300);
    conn.socket.resume();
    expect(await conn.closed(5000)).toBe(true);
    const received = parseFrames(conn.received());
    expect(goawayCode(received)).toBeDefined();
    expect(goawayCode(received)).not.toBe(ErrorCode.NO_ERROR);
    // far fewer ACKs than SETTINGS sent
    expect(received.filter((f) => f.type === FrameType.SETTINGS && f.flags === 1).length).toBeLessThan(
      20_000,
    );
    expect(await wellBehaved('/after-settings')).toBe('200 origin /after-settings');
  });

  it('PING flood with no ACKs read: GOAWAY and the connection is closed', async () => {
    const conn = await h2c(proxy.port);
    conn.socket.pause();
    const frames: Buffer[] = [];
    for (let i = 0; i < 20_000; i++) frames.push(pingFrame(i));
    conn.socket.write(Buffer.concat(frames));
    await sleep(300);
    conn.socket.resume();
    expect(await conn.closed(5000)).toBe(true);
    const received = parseFrames(conn.received());
    expect(goawayCode(received)).toBeDefined();
    expect(goawayCode(received)).not.toBe(ErrorCode.NO_ERROR);
    expect(received.filter((f) => f.type === FrameType.PING).length).toBeLessThan(20_000);
    expect(await wellBehaved('/after-ping')).toBe('200 origin /after-ping');
  });

  it('30 streams at once with a limit of 10: 10 answered, 20 refused with REFUSED_STREAM', async () => {
    const before = origin.seen.filter((s) => s.url === '/slow').length;
    const conn = await h2c(proxy.port);
    await sleep(50);
    const frames: Buffer[] = [];
    for (let i = 0; i < 30; i++) frames.push(headersFrame(1 + 2 * i, getHeaders('/slow')));
    conn.socket.write(Buffer.concat(frames));
    for (let i = 0; i < 150; i++) {
      const got = parseFrames(conn.received());
      if (got.filter((f) => f.type === FrameType.HEADERS).length >= 10) break;
      await sleep(20);
    }
    const got = parseFrames(conn.received());
    const answered = got.filter((f) => f.type === FrameType.HEADERS).map((f) => f.stream);
    const refused = got.filter((f) => f.type === FrameType.RST_STREAM);
    expect(answered).toHaveLength(10);
    expect(refused).toHaveLength(20);
    expect(new Set(refused.map((f) => f.payload.readUInt32BE(0)))).toEqual(
      new Set([ErrorCode.REFUSED_STREAM]),
    );
    expect(new Set([...answered, ...refused.map((f) => f.stream)]).size).toBe(30);
    expect(origin.seen.filter((s) => s.url === '/slow').length - before).toBe(10);
    conn.socket.destroy();
    expect(await wellBehaved('/after-streams')).toBe('200 origin /after-streams');
  });

  // Regression: node advertised h2_max_header_list_size but forwarded bigger header lists anyway.
  it('a header list over h2_max_header_list_size: 431 on that stream, the origin never sees it', async () => {
    const conn = await h2c(proxy.port);
    await sleep(50);
    conn.socket.write(headersFrame(1, getHeaders('/big-headers', [['x-big', 'b'.repeat(4000)]])));
    conn.socket.write(headersFrame(3, getHeaders('/small-headers')));
    for (let i = 0; i < 100; i++) {
      if (parseFrames(conn.received()).filter((f) => f.type === FrameType.DATA).length >= 2) break;
      await sleep(20);
    }
    const got = parseFrames(conn.received());
    const data = got.filter((f) => f.type === FrameType.DATA && f.payload.length > 0);
    expect(data.find((f) => f.stream === 1)?.payload.toString()).toBe(
      '431 Request Header Fields Too Large\n',
    );
    expect(data.find((f) => f.stream === 3)?.payload.toString()).toBe('origin /small-headers');
    expect(origin.seen.some((s) => s.url === '/big-headers')).toBe(false);
    conn.socket.destroy();
    expect(await wellBehaved('/after-big')).toBe('200 origin /after-big');
  });
});
