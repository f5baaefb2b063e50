/**
 * Regression: shutdown hung forever when a client had opened a TCP connection to the TLS listener but
 * never finished (or started) the TLS handshake — `server.close()` waited for that socket, and neither
 * `closeAllConnections()` nor the HTTP/2 session list knew about it. Shutdown must end within
 * `shutdown_timeout` plus a little, whatever state a socket is in.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApp, testConfig, timedShutdown } from '../server/helpers.js';
import { echoModule, makeCert, removeDir, type TestCert } from '../tls/fixtures.js';

let cert: TestCert;
beforeAll(() => {
  cert = makeCert();
});
afterAll(() => removeDir(cert?.dir));

it('shutdown closes a TLS socket stuck before its handshake', async () => {
  const { app, port } = await startApp(
    testConfig({ tls_cert: cert.certFile, tls_key: cert.keyFile, http2: true, shutdown_timeout: 1 }),
    [echoModule()],
  );
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});

  const { outcome, ms } = await timedShutdown(app);
  expect(outcome).toBe('stopped');
  expect(ms).toBeLessThan(5_000);
  await closed;
  expect(socket.destroyed).toBe(true);
});
