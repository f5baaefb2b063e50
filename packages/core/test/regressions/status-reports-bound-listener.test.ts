/**
 * Regression: admin `GET /status` reported the configured `server.listen_addr` — `127.0.0.1:0` for an
 * ephemeral port, and after a reload that changed it (which only a restart applies) an address nothing
 * listened on. It reports where the main listener is bound.
 */
import { afterEach, expect, it } from 'vitest';
import { builtinConfig, type CachingProxy, send, startCachingProxy } from '../cache/harness.js';
import { startOrigin } from '../server/helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

it('/status names the bound main listener, also after a reload that configured another', async () => {
  const origin = await startOrigin((_req, res) => res.end('ok'));
  cleanups.push(() => origin.close());
  const proxy: CachingProxy = await startCachingProxy(origin.addr, {}, { admin: true });
  cleanups.push(() => proxy.close());
  const status = async () =>
    JSON.parse((await send(proxy.adminPort as number, '/status')).body).listeners.main;
  expect(await status()).toBe(`127.0.0.1:${proxy.port}`);

  const { config, modules } = builtinConfig(
    ['cache', 'proxy_core', 'admin_api'],
    { backend_addr: origin.addr, listen_addr: '127.0.0.1:1' },
    {
      admin_api: { listen_addr: '127.0.0.1:0' },
    },
  );
  expect((await proxy.app.swap(config, modules)).ok).toBe(true);
  expect(await status()).toBe(`127.0.0.1:${proxy.port}`);
});
