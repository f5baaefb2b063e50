/**
 * Regression (found by test/e2e): `forward` never recorded NOTE_UPSTREAM_BACKEND, so the circuit
 * breaker's on_response `record(status)` ignored every upstream answer and never opened.
 */
import type { Exchange } from '@proxycache/pcmod-lang';
import { describe, expect, it } from 'vitest';
import { type HostExchange, NOTE_UPSTREAM_BACKEND } from '../../src/pipeline/host.js';
import {
  fakeModule,
  httpRequest,
  startApp,
  startOrigin,
  stopAfterEach,
  testConfig,
} from '../server/helpers.js';

const running = stopAfterEach();

describe('forward', () => {
  it('notes the backend it contacted, for upstream answers and for 502', async () => {
    running.origin = await startOrigin((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    const noted: unknown[] = [];
    const recorder = fakeModule('recorder', 10, (b) => ({
      onRequest: (x: Exchange) =>
        b.services.forward(x as HostExchange, x.path === '/dead' ? '127.0.0.1:1' : undefined),
      onResponse: (x: Exchange) => void noted.push((x as HostExchange).notes.get(NOTE_UPSTREAM_BACKEND)),
    }));
    const started = await startApp(testConfig({ backend_addr: running.origin.addr }), [recorder]);
    running.app = started.app;
    expect((await httpRequest(started.port, { path: '/' })).status).toBe(500);
    expect((await httpRequest(started.port, { path: '/dead' })).status).toBe(502);
    expect(noted).toEqual([running.origin.addr, '127.0.0.1:1']);
  });
});
