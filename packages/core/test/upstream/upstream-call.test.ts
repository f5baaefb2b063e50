import { createServer, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyExchange } from '../../src/pipeline/exchange.js';
import { forward, upstreamRequestHeaders } from '../../src/upstream/forward.js';
import { UpstreamPools } from '../../src/upstream/pools.js';
import { responseHeaders } from '../../src/upstream/upstream-call.js';

/** A raw TCP backend: `answer` sees each connection and the text received on it so far. */
interface RawBackend {
  readonly addr: string;
  readonly sockets: Socket[];
  readonly received: string[];
  close(): Promise<void>;
}

async function rawBackend(answer: (socket: Socket, request: string, n: number) => void): Promise<RawBackend> {
  const sockets: Socket[] = [];
  const received: string[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    const n = sockets.length;
    let text = '';
    socket.on('error', () => {});
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      received.push(text);
      const req = text;
      text = '';
      answer(socket, req, n);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    addr: `127.0.0.1:${port}`,
    sockets,
    received,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function exchange(init: {
  method?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  body?: Readable;
}): ProxyExchange {
  return new ProxyExchange({
    method: init.method ?? 'GET',
    url: init.url ?? '/p',
    headers: init.headers ?? { host: 'front.test' },
    body: init.body,
    clientIp: '192.0.2.1',
    peerIp: '192.0.2.9',
    scheme: 'http',
    protocol: 'HTTP/1.1',
    listener: 'main',
    startedAt: performance.now(),
  });
}

function readAll(body: unknown): Promise<string> {
  if (Buffer.isBuffer(body)) return Promise.resolve(body.toString('latin1'));
  const r = body as Readable;
  return new Promise((resolve, reject) => {
    let s = '';
    r.on('data', (c: Buffer) => {
      s += c.toString('latin1');
    });
    r.on('end', () => resolve(s));
    r.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * undici marks a pool's connection free only a tick after its response ended; a request sent at once
 * would open a second connection (the same with pool.request()).
 */
const idle = () => sleep(10);

let backend: RawBackend | undefined;
let pools: UpstreamPools | undefined;

afterEach(async () => {
  await pools?.close(true);
  await backend?.close();
  pools = undefined;
  backend = undefined;
});

function newPools(): UpstreamPools {
  pools = new UpstreamPools({
    connections: 4,
    keepAliveTimeoutMs: 4000,
    connectTimeoutMs: 2000,
    idleEvictMs: 60_000,
  });
  return pools;
}

const settings = { backendTimeoutMs: 1000 };

describe('responseHeaders', () => {
  const raw = (...fields: string[]) => fields.map((f) => Buffer.from(f, 'latin1'));

  it('lower-cases names, keeps repeats as arrays, drops hop-by-hop and Connection-named fields', () => {
    const h = responseHeaders(
      raw(
        'Content-Type',
        'text/plain',
        'Set-Cookie',
        'a=1',
        'X-Named',
        'secret',
        'Connection',
        'keep-alive, X-Named',
        'Set-Cookie',
        'b=2',
        'Keep-Alive',
        'timeout=5',
        'Transfer-Encoding',
        'chunked',
        'Proxy-Foo',
        'x',
        'Set-Cookie',
        'c=3',
        'X-Caf\u00e9',
        'cr\u00e8me',
      ),
    );
    expect(h).toEqual({
      'content-type': 'text/plain',
      'set-cookie': ['a=1', 'b=2', 'c=3'],
      'x-caf\u00e9': 'cr\u00e8me',
    });
  });

  it('treats names that Object.prototype has as ordinary fields and ignores __proto__', () => {
    const h = responseHeaders(raw('constructor', 'a', 'Constructor', 'b', '__proto__', 'd', 'X', '1'));
    expect(Object.getPrototypeOf(h)).toBe(Object.prototype);
    expect(h.constructor).toEqual(['a', 'b']);
    expect(Object.keys(h)).toEqual(['constructor', 'x']);
  });

  it('honours a Connection header sent in several fields', () => {
    const h = responseHeaders(raw('Connection', 'close', 'A', '1', 'Connection', 'a', 'B', '2'));
    expect(h).toEqual({ b: '2' });
  });
});

describe('upstreamRequestHeaders', () => {
  it('drops hop-by-hop, Connection-named and Expect fields and sets X-Forwarded-*', () => {
    const x = exchange({
      headers: {
        host: 'front.test',
        connection: 'Keep-Alive, X-Gone',
        'x-gone': '1',
        expect: '100-continue',
        te: 'trailers',
        accept: ['a/b', 'c/d'],
        'x-forwarded-for': ['198.51.100.1', '198.51.100.2'],
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.test',
      },
    });
    expect(upstreamRequestHeaders(x)).toEqual([
      'host',
      'front.test',
      'accept',
      'a/b',
      'accept',
      'c/d',
      'x-forwarded-for',
      '198.51.100.1, 198.51.100.2, 192.0.2.9',
      'x-forwarded-proto',
      'http',
      'x-forwarded-host',
      'front.test',
    ]);
  });
});

describe('forward through dispatch()', () => {
  it('a body that came with the head is a Buffer; a HEAD answer is a stream keeping Content-Length', async () => {
    backend = await rawBackend((socket, req) => {
      const body = req.startsWith('HEAD') ? '' : 'hello';
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\n${body}`);
    });
    const p = newPools();
    const get = exchange({});
    await forward(p, get, backend.addr, settings);
    expect(get.response?.status).toBe(200);
    expect(Buffer.isBuffer(get.response?.body)).toBe(true);
    expect(get.response?.body?.toString()).toBe('hello');
    expect(get.response?.headers).toEqual({ 'content-length': '5', 'x-a': '1' });

    await idle();
    const head = exchange({ method: 'HEAD' });
    await forward(p, head, backend.addr, settings);
    expect(head.response?.status).toBe(200);
    expect(head.response?.body).toBeInstanceOf(Readable);
    expect(head.response?.headers['content-length']).toBe('5');
    expect(await readAll(head.response?.body)).toBe('');
    expect(backend.sockets.length).toBe(1);
  });

  it('streams a body that is still arriving, and the connection is reused afterwards', async () => {
    backend = await rawBackend((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
      setTimeout(() => socket.write('4\r\ndefg\r\n0\r\n\r\n'), 30);
    });
    const p = newPools();
    for (let i = 0; i < 2; i++) {
      const x = exchange({});
      await forward(p, x, backend.addr, settings);
      expect(x.response?.body).toBeInstanceOf(Readable);
      expect(x.response?.headers['transfer-encoding']).toBeUndefined();
      expect(await readAll(x.response?.body)).toBe('abcdefg');
      await idle();
    }
    expect(backend.sockets.length).toBe(1);
  });

  it('applies backpressure to a large body and still delivers all of it', async () => {
    const size = 8 * 1024 * 1024;
    backend = await rawBackend((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
      socket.write(Buffer.alloc(size, 'z'));
    });
    const p = newPools();
    const x = exchange({});
    await forward(p, x, backend.addr, settings);
    const body = x.response?.body as Readable;
    await sleep(100);
    // Unread: the proxy buffered only about a stream's high-water mark plus socket buffers, not 8 MiB.
    expect(body.readableLength).toBeLessThan(1024 * 1024);
    let n = 0;
    for await (const c of body) n += (c as Buffer).length;
    expect(n).toBe(size);
  });

  it('fails the body stream when the backend pauses inside it for longer than backend_timeout', async () => {
    backend = await rawBackend((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    });
    const p = newPools();
    const x = exchange({});
    const t0 = performance.now();
    await forward(p, x, backend.addr, { backendTimeoutMs: 300 });
    expect(x.response?.status).toBe(200);
    await expect(readAll(x.response?.body)).rejects.toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('answers 504 when the head does not come within backend_timeout', async () => {
    backend = await rawBackend(() => {});
    const x = exchange({});
    await forward(newPools(), x, backend.addr, { backendTimeoutMs: 200 });
    expect(x.response?.status).toBe(504);
    expect(x.error?.code).toBe('PC_ERR_UPSTREAM_TIMEOUT');
  });

  it('answers 502 for a malformed head; an answer breaking after its head fails its body', async () => {
    backend = await rawBackend((socket, req) => {
      if (req.includes('/garbage')) socket.write('NOT HTTP\r\n\r\n');
      else socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n');
    });
    const p = newPools();
    const garbage = exchange({ url: '/garbage' });
    await forward(p, garbage, backend.addr, settings);
    expect(`${garbage.response?.status} ${garbage.error?.code}`).toBe('502 PC_ERR_UPSTREAM_PROTOCOL');
    const broken = exchange({ url: '/bad-chunk' });
    await forward(p, broken, backend.addr, settings);
    expect(broken.response?.status).toBe(200);
    await expect(readAll(broken.response?.body)).rejects.toMatchObject({ name: 'HTTPParserError' });
  });

  it('a client that leaves before the head cancels the upstream request', async () => {
    let closed = false;
    backend = await rawBackend((socket) => {
      socket.on('close', () => {
        closed = true;
      });
    });
    const x = exchange({});
    const done = forward(newPools(), x, backend.addr, { backendTimeoutMs: 5000 });
    while (backend.received.length === 0) await sleep(5);
    x.abort();
    await done;
    expect(x.error?.code).toBe('PC_ERR_CLIENT_ABORTED');
    await sleep(50);
    expect(closed).toBe(true);
  });

  it('a client that leaves mid-body cancels the upstream request and fails the body stream', async () => {
    let closed = false;
    backend = await rawBackend((socket) => {
      socket.on('close', () => {
        closed = true;
      });
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc');
    });
    const x = exchange({});
    await forward(newPools(), x, backend.addr, { backendTimeoutMs: 5000 });
    const body = x.response?.body as Readable;
    expect(body).toBeInstanceOf(Readable);
    const failed = readAll(body);
    x.abort();
    await expect(failed).rejects.toMatchObject({ name: 'AbortError' });
    await sleep(50);
    expect(closed).toBe(true);
  });

  it('destroying an unfinished body frees its connection; the next request opens a new one', async () => {
    backend = await rawBackend((socket, req) => {
      if (req.includes('/slow')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc');
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const p = new UpstreamPools({
      connections: 1,
      keepAliveTimeoutMs: 4000,
      connectTimeoutMs: 2000,
      idleEvictMs: 60_000,
    });
    pools = p;
    const slow = exchange({ url: '/slow' });
    await forward(p, slow, backend.addr, settings);
    (slow.response as { body: Readable }).body.destroy();
    const next = exchange({ url: '/next' });
    await forward(p, next, backend.addr, settings);
    expect(next.response?.body?.toString()).toBe('ok');
    expect(backend.sockets.length).toBe(2);
  });

  it('sends a bodiless GET once more when the kept-alive connection is closed under it', async () => {
    backend = await rawBackend((socket, _req, n) => {
      if (n === 1 && backend?.received.length === 2) socket.destroy();
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const p = newPools();
    for (let i = 0; i < 3; i++) {
      const x = exchange({ url: `/r${i}` });
      await forward(p, x, backend.addr, settings);
      expect(`${x.response?.status} ${x.response?.body?.toString()}`).toBe('200 ok');
      await idle();
    }
    expect(backend.received.length).toBe(4);
  });

  it('streams a request body upstream', async () => {
    let all = '';
    backend = await rawBackend((socket, req) => {
      all = req;
      const check = (): void => {
        if (all.endsWith('hello world')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      };
      socket.on('data', (d) => {
        all += d.toString('latin1');
        check();
      });
      check();
    });
    const body = new Readable({ read() {} });
    const x = exchange({ method: 'POST', headers: { host: 'a', 'content-length': '11' }, body });
    const done = forward(newPools(), x, backend.addr, settings);
    body.push('hello ');
    setTimeout(() => {
      body.push('world');
      body.push(null);
    }, 30);
    await done;
    expect(x.response?.status).toBe(200);
    expect(all).toMatch(/^POST \/p HTTP\/1\.1\r\n[\s\S]*\r\n\r\nhello world$/);
  });
});
