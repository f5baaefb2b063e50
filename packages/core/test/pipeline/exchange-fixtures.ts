/**
 * Shared fixtures of the pipeline tests: a plain exchange to start from, and a server closed after
 * each test.
 */
import type { Server } from 'node:http';
import { afterEach } from 'vitest';
import { ProxyExchange } from '../../src/pipeline/exchange.js';
import type { ResponseState } from '../../src/pipeline/host.js';

/** An HTTP/1.1 GET of `url` from 127.0.0.1 on the main listener; `response` set when given. */
export function getExchange(url = '/', response?: ResponseState): ProxyExchange {
  const x = new ProxyExchange({
    method: 'GET',
    url,
    headers: { host: 'h' },
    body: undefined,
    clientIp: '127.0.0.1',
    peerIp: '127.0.0.1',
    scheme: 'http',
    protocol: 'h1',
    listener: 'main',
    startedAt: 0,
  });
  if (response !== undefined) x.response = response;
  return x;
}

/**
 * Registers an afterEach that closes (connections included) the server last passed to the returned
 * function, so a test that failed half-way leaves no listener behind.
 */
export function closeServerAfterEach(): (server: Server) => void {
  let current: Server | undefined;
  afterEach(async () => {
    const s = current;
    current = undefined;
    if (s !== undefined) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });
  return (server) => {
    current = server;
  };
}
