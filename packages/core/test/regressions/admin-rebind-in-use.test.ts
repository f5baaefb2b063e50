/**
 * Regression: a reload that moved `admin_api.listen_addr` to an address already in use answered 200,
 * closed the old admin listener and opened none (the listen was not awaited, its failure only logged):
 * the admin API was gone until a SIGHUP. The reload must fail instead, with the old listener serving.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { builtinConfig, type CachingProxy, send, startCachingProxy } from '../cache/harness.js';
import { startOrigin } from '../server/helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

it('a reload onto an admin address in use fails; the admin API keeps listening where it was', async () => {
  const origin = await startOrigin((_req, res) => res.end('ok'));
  cleanups.push(() => origin.close());
  const proxy: CachingProxy = await startCachingProxy(origin.addr, {}, { admin: true });
  cleanups.push(() => proxy.close());
  const busy: Server = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => busy.close(() => r())));
  const busyAddr = `127.0.0.1:${(busy.address() as { port: number }).port}`;

  const { config, modules } = builtinConfig(
    ['cache', 'proxy_core', 'admin_api'],
    { backend_addr: origin.addr },
    {
      admin_api: { listen_addr: busyAddr },
    },
  );
  const result = await proxy.app.swap(config, modules);
  expect(result.ok).toBe(false);
  expect(result.ok ? '' : result.error.message).toContain(`admin API cannot listen on ${busyAddr}`);
  const status = await send(proxy.adminPort as number, '/status');
  expect(status.status).toBe(200);
});
