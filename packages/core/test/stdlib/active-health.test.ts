import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeServices } from './fakes.js';

const servers: Server[] = [];
let services: FakeServices | undefined;

/** An origin on an ephemeral loopback port answering `status` on /health, counting probes. */
async function origin(status: () => number): Promise<{ addr: string; probes: () => number }> {
  let probes = 0;
  const server = createServer((req, res) => {
    if (req.url === '/health') probes++;
    res.statusCode = req.url === '/health' ? status() : 404;
    res.end('ok');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { addr: `127.0.0.1:${(server.address() as AddressInfo).port}`, probes: () => probes };
}

async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise<void>((r) => server.close(() => r()));
  return addr;
}

afterEach(async () => {
  services?.dispose();
  services = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

describe('std.active_health', () => {
  it('marks backends that fail the probe unhealthy and brings them back when they answer 2xx', async () => {
    let failing = 503;
    const good = await origin(() => 200);
    const flaky = await origin(() => failing);
    const dead = await closedPort();
    services = new FakeServices();
    services.backends = [good.addr, flaky.addr, dead];
    createBindings(services, 'active_health').fns['std.active_health']?.(undefined, 0.1, '/health', 5);
    const s = services;
    await vi.waitFor(() => {
      expect(s.isHealthy(flaky.addr)).toBe(false);
      expect(s.isHealthy(dead)).toBe(false);
    });
    expect(s.isHealthy(good.addr)).toBe(true);
    failing = 200;
    await vi.waitFor(() => expect(s.isHealthy(flaky.addr)).toBe(true));
    expect(good.probes()).toBeGreaterThanOrEqual(2);
  });

  it('stops probing once the pipeline is disposed', async () => {
    const backend = await origin(() => 200);
    services = new FakeServices();
    services.backends = [backend.addr];
    createBindings(services, 'active_health').fns['std.active_health']?.(undefined, 0.1, '/health', 5);
    const s = services;
    await vi.waitFor(() => expect(backend.probes()).toBeGreaterThanOrEqual(1));
    s.dispose();
    const seen = backend.probes();
    await new Promise((r) => setTimeout(r, 350));
    expect(backend.probes()).toBeLessThanOrEqual(seen + 1);
  });

  it('treats a probe slower than the timeout as a failure', async () => {
    const server = createServer(() => {
      /* never answers */
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    services = new FakeServices();
    services.backends = [addr];
    createBindings(services, 'active_health').fns['std.active_health']?.(undefined, 0.2, '/health', 0.1);
    const s = services;
    await vi.waitFor(() => expect(s.isHealthy(addr)).toBe(false));
    server.closeAllConnections();
  });
});
