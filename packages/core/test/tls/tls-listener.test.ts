/**
 * TLS termination on the main listener: ALPN picks HTTP/1.1 or HTTP/2, the plain listener takes h2c with
 * prior knowledge, and `/reload` swaps the certificate without touching open connections. Clients: curl
 * (real TLS and ALPN), node's tls/http2 clients where a connection must be held open across the reload.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { connect as h2connect } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyApp } from '../../src/app/proxy-app.js';
import { startApp, testConfig } from '../server/helpers.js';
import { curl, echoModule, makeCert, missing, removeDir, type TestCert } from './fixtures.js';

let app: ProxyApp | undefined;
let certA: TestCert;
let certB: TestCert;
let live: TestCert;

beforeAll(() => {
  certA = makeCert();
  certB = makeCert();
  // The listener reads `live`'s paths; a reload test overwrites them with B's files.
  live = makeCert();
  copyFileSync(certA.certFile, live.certFile);
  copyFileSync(certA.keyFile, live.keyFile);
});

afterAll(() => {
  removeDir(certA?.dir);
  removeDir(certB?.dir);
  removeDir(live?.dir);
});

afterEach(async () => {
  await app?.shutdown();
  app = undefined;
});

function peerFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect(
      { host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] },
      () => {
        resolve(s.getPeerX509Certificate()?.fingerprint256 ?? '');
        s.end();
      },
    );
    s.on('error', reject);
  });
}

const skipCurl = missing('curl', 'curl');

describe.skipIf(skipCurl !== undefined)('TLS listener (curl)', () => {
  it('negotiates h2 and http/1.1 by ALPN and reports the protocol and scheme to modules', async () => {
    const started = await startApp(
      testConfig({ tls_cert: certA.certFile, tls_key: certA.keyFile, http2: true }),
      [echoModule()],
    );
    app = started.app;
    const base = `https://127.0.0.1:${started.port}`;
    const h1 = await curl(`${base}/proto`, ['--http1.1']);
    expect([h1.status, h1.version, h1.body]).toEqual([200, '1.1', 'h1 https']);
    expect(h1.headers['x-seen-protocol']).toBe('h1');
    const h2 = await curl(`${base}/proto`, ['--http2']);
    expect([h2.status, h2.version, h2.body]).toEqual([200, '2', 'h2 https']);
    expect(h2.headers['x-seen-protocol']).toBe('h2');
  });

  it('with http2 = false, TLS offers http/1.1 only in practice: curl --http2 falls back to 1.1', async () => {
    const started = await startApp(
      testConfig({ tls_cert: certA.certFile, tls_key: certA.keyFile, http2: false }),
      [echoModule()],
    );
    app = started.app;
    const r = await curl(`https://127.0.0.1:${started.port}/proto`, ['--http2']);
    expect([r.status, r.version, r.body]).toEqual([200, '1.1', 'h1 https']);
  });

  it('plain listener: HTTP/1.1 and h2c with prior knowledge side by side when http2 = true', async () => {
    const started = await startApp(testConfig({ http2: true }), [echoModule()]);
    app = started.app;
    const base = `http://127.0.0.1:${started.port}`;
    const h1 = await curl(`${base}/proto`, ['--http1.1']);
    expect([h1.status, h1.version, h1.body]).toEqual([200, '1.1', 'h1 http']);
    const h2c = await curl(`${base}/proto`, ['--http2-prior-knowledge']);
    expect([h2c.status, h2c.version, h2c.body]).toEqual([200, '2', 'h2 http']);
  });

  it('plain listener with http2 = false refuses the HTTP/2 preface', async () => {
    const started = await startApp(testConfig({ http2: false }), [echoModule()]);
    app = started.app;
    const r = await curl(`http://127.0.0.1:${started.port}/proto`, ['--http2-prior-knowledge']);
    expect(r.status).not.toBe(200);
  });
});

describe('certificate reload', () => {
  it('a reload with new files serves the new certificate to new connections; an open h2 session keeps working', async () => {
    copyFileSync(certA.certFile, live.certFile);
    copyFileSync(certA.keyFile, live.keyFile);
    const config = testConfig({ tls_cert: live.certFile, tls_key: live.keyFile, http2: true });
    const modules = [echoModule()];
    const started = await startApp(config, modules);
    app = started.app;
    expect(await peerFingerprint(started.port)).toBe(certA.fingerprint);

    const session = h2connect(`https://127.0.0.1:${started.port}`, { rejectUnauthorized: false });
    const get = (path: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = session.request({ ':path': path });
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => {
          body += c;
        });
        req.on('end', () => resolve(body));
        req.on('error', reject);
        req.end();
      });
    expect(await get('/proto')).toBe('h2 https');

    copyFileSync(certB.certFile, live.certFile);
    copyFileSync(certB.keyFile, live.keyFile);
    const swapped = await started.app.swap(config, modules);
    expect(swapped).toEqual({ ok: true });
    expect(await peerFingerprint(started.port)).toBe(certB.fingerprint);
    // The session opened before the reload still serves requests (no connection was dropped).
    expect(await get('/proto')).toBe('h2 https');
    expect(session.closed).toBe(false);
    session.close();
  });

  it('a reload with a broken key is refused and the old certificate keeps serving', async () => {
    copyFileSync(certA.certFile, live.certFile);
    copyFileSync(certA.keyFile, live.keyFile);
    const config = testConfig({ tls_cert: live.certFile, tls_key: live.keyFile, http2: true });
    const modules = [echoModule()];
    const started = await startApp(config, modules);
    app = started.app;
    writeFileSync(live.keyFile, 'not a key');
    const swapped = await started.app.swap(config, modules);
    expect(swapped.ok).toBe(false);
    if (!swapped.ok) expect(swapped.error.message).toContain('cannot load TLS certificate');
    expect(await peerFingerprint(started.port)).toBe(certA.fingerprint);
    copyFileSync(certA.keyFile, live.keyFile);
  });

  it('start fails with a coded error when the key does not match the certificate', async () => {
    await expect(
      startApp(testConfig({ tls_cert: certA.certFile, tls_key: certB.keyFile }), [echoModule()]),
    ).rejects.toMatchObject({ code: 'PC_ERR_INTERNAL' });
  });
});
