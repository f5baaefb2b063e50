/**
 * Slow and misbehaving clients: slowloris heads and bodies are cut after client_timeout, a client that
 * never reads does not make the proxy buffer the backend's answer (backpressure reaches the origin), and a
 * client that aborts an upload does not leave the upstream request hanging.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { get, parseResponses, type Running, robustConfig, sleep, startProxy } from './harness.js';

let proxy: Running | undefined;
let server: Server | undefined;

afterEach(async () => {
  await proxy?.app.shutdown();
  if (server !== undefined) {
    server.closeAllConnections();
    await new Promise<void>((r) => server?.close(() => r()));
  }
  proxy = undefined;
  server = undefined;
});

async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** Sends `text` one byte every `everyMs` until the proxy closes; resolves with what it answered. */
function trickle(
  port: number,
  text: string,
  everyMs: number,
): Promise<{ text: string; elapsed: number; sent: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const chunks: Buffer[] = [];
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const socket = connect(port, '127.0.0.1');
    const step = (): void => {
      if (sent < text.length && !socket.destroyed) {
        socket.write(text[sent++] as string);
        timer = setTimeout(step, everyMs);
      }
    };
    socket.on('connect', step);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), elapsed: performance.now() - t0, sent });
    });
  });
}

describe('slow clients', () => {
  it('a slowloris head (one byte every 200 ms) is cut with 408 after client_timeout', async () => {
    let reached = 0;
    const backend = await startServer((_req, res) => {
      reached++;
      res.end('no');
    });
    proxy = await startProxy(robustConfig({ backend_addr: backend, client_timeout: 1 }));
    const head = `GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ${'s'.repeat(100)}\r\n\r\n`;
    const r = await trickle(proxy.port, head, 200);
    const [answer, ...more] = parseResponses(r.text);
    expect(answer?.status).toBe(408);
    expect(answer?.headers.connection).toBe('close');
    expect(answer?.body).toBe('408 Request Timeout\n');
    expect(more).toEqual([]);
    expect(r.sent).toBeLessThan(head.length);
    expect(r.elapsed).toBeGreaterThanOrEqual(900);
    expect(r.elapsed).toBeLessThan(4000);
    expect(reached).toBe(0);
    expect((await get(proxy.port)).status).toBe(200);
  });

  it('a slowloris body is cut after client_timeout and the origin never gets a complete request', async () => {
    const origin = { complete: 0, aborted: 0, started: 0 };
    const backend = await startServer((req, res) => {
      if (req.url === '/ok') {
        res.end('ok');
        return;
      }
      origin.started++;
      req.resume();
      req.on('end', () => {
        origin.complete++;
        res.end('got it');
      });
      req.on('close', () => {
        if (!req.complete) origin.aborted++;
      });
    });
    proxy = await startProxy(robustConfig({ backend_addr: backend, client_timeout: 1 }));
    const head = 'POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n';
    const socket = connect(proxy.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    const closed = new Promise<number>((r) => socket.on('close', () => r(performance.now())));
    await new Promise<void>((r) => socket.on('connect', () => r()));
    const t0 = performance.now();
    socket.write(head);
    const trickler = setInterval(() => socket.destroyed || socket.write('b'), 200);
    const t1 = await closed;
    clearInterval(trickler);
    const [answer] = parseResponses(Buffer.concat(chunks).toString('latin1'));
    expect(answer?.status).toBe(408);
    expect(answer?.headers.connection).toBe('close');
    expect(t1 - t0).toBeLessThan(4000);
    await sleep(100);
    expect(origin.complete).toBe(0);
    expect(origin.aborted).toBe(origin.started);
    expect(proxy.app.inFlight).toBe(0);
    expect((await get(proxy.port, '/ok')).body).toBe('ok');
  });

  it('a client that never reads a large response: the origin is paused (backpressure), nothing piles up', async () => {
    let written = 0;
    let originClosed = false;
    const chunk = Buffer.alloc(64 * 1024, 120);
    const total = 512 * 1024 * 1024;
    const backend = await startServer((req, res) => {
      if (req.url === '/ok') {
        res.end('ok');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
      const pump = (): void => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      res.on('close', () => (originClosed = true));
    });
    proxy = await startProxy(robustConfig({ backend_addr: backend }));
    const rssBefore = process.memoryUsage().rss;
    const socket: Socket = connect(proxy.port, '127.0.0.1', () =>
      socket.write('GET /big HTTP/1.1\r\nHost: a\r\n\r\n'),
    );
    socket.on('error', () => {});
    // Read nothing: once the kernel buffers fill, only backpressure keeps the proxy from buffering.
    socket.pause();
    await sleep(1500);
    const plateau = written;
    await sleep(500);
    expect(written).toBe(plateau);
    expect(written).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(128 * 1024 * 1024);
    socket.destroy();
    for (let i = 0; i < 100 && !originClosed; i++) await sleep(20);
    expect(originClosed).toBe(true);
    expect(proxy.app.inFlight).toBe(0);
    expect((await get(proxy.port, '/ok')).body).toBe('ok');
  });

  it('a client that aborts mid-upload: the upstream request is aborted too, not left dangling', async () => {
    const origin = { started: 0, complete: 0, aborted: 0, bytes: 0 };
    const backend = await startServer((req, res) => {
      if (req.url === '/ok') {
        res.end('ok');
        return;
      }
      origin.started++;
      req.on('data', (c: Buffer) => (origin.bytes += c.length));
      req.on('end', () => {
        origin.complete++;
        res.end('done');
      });
      req.on('close', () => {
        if (!req.complete) origin.aborted++;
      });
    });
    proxy = await startProxy(robustConfig({ backend_addr: backend }));
    const socket: Socket = connect(proxy.port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((r) => socket.on('connect', () => r()));
    socket.write('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n');
    socket.write(Buffer.alloc(200 * 1024, 98));
    for (let i = 0; i < 100 && origin.bytes < 200 * 1024; i++) await sleep(20);
    expect(origin.started).toBe(1);
    socket.destroy();
    for (let i = 0; i < 100 && origin.aborted === 0; i++) await sleep(20);
    expect(origin.aborted).toBe(1);
    expect(origin.complete).toBe(0);
    for (let i = 0; i < 50 && proxy.app.inFlight > 0; i++) await sleep(20);
    expect(proxy.app.inFlight).toBe(0);
    expect((await get(proxy.port, '/ok')).body).toBe('ok');
  });
});
