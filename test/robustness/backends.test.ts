/**
 * Unreachable, slow, dying and misbehaving backends behind the real built-in modules: each gives the
 * client a clear 502/504 (or an aborted connection once the answer has started), never a hanging request,
 * and the next request is served.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  get,
  parseResponses,
  type Running,
  rawExchange,
  robustConfig,
  sleep,
  startProxy,
  startTcpBackend,
} from './harness.js';

let proxy: Running | undefined;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await proxy?.app.shutdown();
  proxy = undefined;
  for (const c of closers.splice(0)) await c();
});

/** A raw TCP backend, closed after the test. */
async function backend(onConnection: Parameters<typeof startTcpBackend>[0]) {
  const b = await startTcpBackend(onConnection);
  closers.push(() => b.close());
  return b;
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok';

/** Answers every request head received on `socket` with `reply` (keeps the connection open). */
function answerEach(socket: import('node:net').Socket, reply: string): void {
  let buf = '';
  socket.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    let end = buf.indexOf('\r\n\r\n');
    while (end !== -1) {
      buf = buf.slice(end + 4);
      socket.write(reply);
      end = buf.indexOf('\r\n\r\n');
    }
  });
}

function expectClosingError(
  r: { status: number; headers: Record<string, string>; body: string },
  status: number,
): void {
  expect(r.status).toBe(status);
  expect(r.headers.connection).toBe('close');
  expect(r.body).toMatch(new RegExp(`^${status} `));
}

describe('backends', () => {
  it("a 304 or 204 that announces a Content-Length reaches the client on node:http's path too", async () => {
    const b = await backend((socket) => {
      let buf = '';
      socket.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        let end = buf.indexOf('\r\n\r\n');
        while (end !== -1) {
          const head = buf.slice(0, end);
          buf = buf.slice(end + 4);
          // RFC 9110 §8.6: a 304 may carry the Content-Length the 200 would have had.
          socket.write(
            head.startsWith('GET /nc')
              ? 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n'
              : 'HTTP/1.1 304 Not Modified\r\nETag: "a"\r\nContent-Length: 1234\r\n\r\n',
          );
          end = buf.indexOf('\r\n\r\n');
        }
      });
    });
    proxy = await startProxy(robustConfig({ backend_addr: b.addr }));
    // HTTP/1.0 is node:http's to read (the fast lane serves HTTP/1.1 only).
    for (const [path, status] of [
      ['/nm', 304],
      ['/nc', 204],
    ] as const) {
      const r = await rawExchange(
        proxy.port,
        `GET ${path} HTTP/1.0\r\nHost: a\r\nIf-None-Match: "a"\r\n\r\n`,
      );
      expect(
        parseResponses(r.text).map((a) => a.status),
        path,
      ).toEqual([status]);
    }
    const lane = await rawExchange(proxy.port, 'GET /nm HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(parseResponses(lane.text).map((a) => a.status)).toEqual([304]);
  });

  it("an origin's own 4xx/5xx answers keep the client connection (only the proxy's errors close it)", async () => {
    const b = await backend((socket) =>
      answerEach(
        socket,
        'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nRetry-After: 1\r\n\r\nbusy',
      ),
    );
    proxy = await startProxy(robustConfig({ backend_addr: b.addr }));
    // Two requests on one connection: the fast lane's and, with a chunked body, node:http's writer.
    const r = await rawExchange(
      proxy.port,
      'GET /a HTTP/1.1\r\nHost: a\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    const answers = parseResponses(r.text);
    expect(answers.map((a) => [a.status, a.headers.connection, a.body])).toEqual([
      [503, 'keep-alive', 'busy'],
      [503, 'keep-alive', 'busy'],
      [503, 'close', 'busy'],
    ]);
  });

  it('unreachable: 502 with Connection: close, every time', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    proxy = await startProxy(robustConfig({ backend_addr: `127.0.0.1:${port}` }));
    expectClosingError(await get(proxy.port, '/down'), 502);
    expectClosingError(await get(proxy.port, '/down'), 502);
  });

  it('accepts but never answers: 504 after backend_timeout, not a hanging request', async () => {
    const b = await backend(() => {});
    proxy = await startProxy(robustConfig({ backend_addr: b.addr, backend_timeout: 1 }));
    const t0 = performance.now();
    const r = await get(proxy.port, '/silent');
    const elapsed = performance.now() - t0;
    expectClosingError(r, 504);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3000);
    expect(b.received()).toContain('GET /silent HTTP/1.1');
  });

  it('dies mid-body: the client connection is aborted (short body, closed), the next request is fine', async () => {
    const b = await backend((socket, n) => {
      if (n === 1) {
        socket.once('data', () => {
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(1000)}`);
          setTimeout(() => socket.destroy(), 50);
        });
      } else answerEach(socket, OK);
    });
    proxy = await startProxy(robustConfig({ backend_addr: b.addr }));
    const r = await rawExchange(proxy.port, 'GET /dying HTTP/1.1\r\nHost: a\r\n\r\n', 5000);
    expect(r.closed).toBe(true);
    expect(r.elapsed).toBeLessThan(3000);
    expect(r.text.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(r.text).toContain('content-length: 100000');
    const body = r.text.slice(r.text.indexOf('\r\n\r\n') + 4);
    expect(body.length).toBe(1000);
    for (let i = 0; i < 50 && proxy.app.inFlight > 0; i++) await sleep(20);
    expect(proxy.app.inFlight).toBe(0);
    const next = await get(proxy.port, '/next');
    expect(next.status).toBe(200);
    expect(next.body).toBe('ok');
  });

  it('a malformed response: 502', async () => {
    const b = await backend((socket) => answerEach(socket, 'THIS IS NOT HTTP\r\n\r\n'));
    proxy = await startProxy(robustConfig({ backend_addr: b.addr }));
    expectClosingError(await get(proxy.port, '/garbage'), 502);
    expect(b.received()).toContain('GET /garbage HTTP/1.1');
  });

  it('a response with conflicting Content-Length fields: 502', async () => {
    const b = await backend((socket) =>
      answerEach(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 30\r\n\r\nok'),
    );
    proxy = await startProxy(robustConfig({ backend_addr: b.addr }));
    expectClosingError(await get(proxy.port, '/conflict'), 502);
  });

  it('a huge response header block: 502', async () => {
    const b = await backend((socket) =>
      answerEach(
        socket,
        `HTTP/1.1 200 OK\r\nX-Huge: ${'h'.repeat(256 * 1024)}\r\nContent-Length: 2\r\n\r\nok`,
      ),
    );
    proxy = await startProxy(robustConfig({ backend_addr: b.addr }));
    expectClosingError(await get(proxy.port, '/huge'), 502);
  });

  it('closes kept-alive connections between requests: the next request still succeeds', async () => {
    const b = await backend((socket) => {
      // Answers one request as if keeping the connection alive, then hangs up.
      socket.once('data', () => {
        socket.write(OK);
        setTimeout(() => socket.end(), 30);
      });
    });
    proxy = await startProxy(robustConfig({ backend_addr: b.addr }));
    for (let i = 0; i < 4; i++) {
      const r = await get(proxy.port, `/r${i}`);
      expect(`${r.status} ${r.body}`).toBe('200 ok');
      await sleep(100);
    }
    expect(b.connections).toBe(4);
  });

  it('hangs up a kept-alive connection just as the next request arrives: answered, not a 502', async () => {
    const b = await backend((socket) => {
      let n = 0;
      socket.on('data', () => {
        n++;
        // The first request is answered; the second one on the same connection is met with a close.
        if (n === 1) socket.write(OK);
        else socket.destroy();
      });
    });
    proxy = await startProxy(robustConfig({ backend_addr: b.addr }));
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(proxy.port, `/race${i}`)).status);
    expect(statuses).toEqual([200, 200, 200]);
  });
});
