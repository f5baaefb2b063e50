/**
 * Regressions: a plain-text connection that the HTTP/2 prior-knowledge sniffer (or the raw TCP sniffer)
 * was still looking at was invisible to shutdown and deaf to its client's FIN.
 *  - A client that shut its side before sending a byte (a TCP health check, a port probe, a load
 *    generator stopping) stayed half-open until client_timeout.
 *  - Shutdown did not know such a socket (the tracking listener ran only after the sniffer had decided),
 *    so `server.close()` waited for it past shutdown_timeout: a SIGTERM after a `wrk` run took 30 s.
 */
import { createServer as createHttpServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawTcpSwitch } from '../../src/http/raw-tcp.js';
import { startApp, testConfig, timedShutdown } from '../server/helpers.js';
import { echoModule } from '../tls/fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
    cleanups.push(() => {
      socket.destroy();
    });
  });
}

/** Resolves with how the server answered a client that half-closed at once: 'closed' or 'still open'. */
async function halfCloseAndWait(port: number, waitMs: number): Promise<string> {
  const socket = await open(port);
  socket.on('error', () => {});
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  const ended = new Promise<string>((resolve) => socket.once('end', () => resolve('closed')));
  socket.end();
  const outcome = await Promise.race([
    ended,
    new Promise<string>((resolve) => setTimeout(() => resolve('still open'), waitMs)),
  ]);
  expect(Buffer.concat(received).length).toBe(0);
  return outcome;
}

describe('a client that shuts its side before its first byte', () => {
  it('is closed at once behind the h2c prior-knowledge sniffer', async () => {
    const { app, port } = await startApp(testConfig({ http2: true, client_timeout: 30 }), [echoModule()]);
    cleanups.push(() => app.shutdown());
    expect(await halfCloseAndWait(port, 2000)).toBe('closed');
  });

  it('is closed at once on the plain HTTP/1.1 listener (no sniffer)', async () => {
    const { app, port } = await startApp(testConfig({ http2: false, client_timeout: 30 }), [echoModule()]);
    cleanups.push(() => app.shutdown());
    expect(await halfCloseAndWait(port, 2000)).toBe('closed');
  });

  it('is closed at once behind the raw TCP sniffer', async () => {
    const server = createHttpServer((_req, res) => res.end('http'));
    const raw = new RawTcpSwitch(server, 30_000);
    raw.backend = '127.0.0.1:1';
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          raw.destroyAll();
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const port = (server.address() as { port: number }).port;
    expect(await halfCloseAndWait(port, 2000)).toBe('closed');
    expect(raw.open).toBe(0);
  });
});

it('shutdown ends a plain-text connection the h2c sniffer is still waiting on, within shutdown_timeout', async () => {
  const { app, port } = await startApp(testConfig({ http2: true, shutdown_timeout: 1, client_timeout: 30 }), [
    echoModule(),
  ]);
  const socket = await open(port);
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

  const { outcome, ms } = await timedShutdown(app);
  expect(outcome).toBe('stopped');
  expect(ms).toBeLessThan(5_000);
  await closed;
});
