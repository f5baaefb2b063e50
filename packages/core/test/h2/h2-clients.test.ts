/**
 * HTTP/2 through the same pipeline as HTTP/1.1, driven by clients nobody here wrote: curl, nghttp and
 * h2load. Covers module answers, proxied bodies in both directions (large ones too), error statuses,
 * many concurrent streams, and that no connection-specific field reaches an HTTP/2 response.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyApp } from '../../src/app/proxy-app.js';
import { type Origin, proxyModule, startApp, startOrigin, testConfig } from '../server/helpers.js';
import { curl, echoModule, makeCert, missing, removeDir, runTool, type TestCert } from '../tls/fixtures.js';

// Text (the origin fixture decodes bodies as UTF-8), 6 MiB and not a multiple of any frame size.
const big = Buffer.from(randomBytes(4.5 * 1024 * 1024 + 123).toString('base64'));
const bigSha = createHash('sha256').update(big).digest('hex');
let cert: TestCert;
let origin: Origin;
let app: ProxyApp | undefined;
let upload: string;

beforeAll(async () => {
  cert = makeCert();
  upload = join(cert.dir, 'upload.bin');
  writeFileSync(upload, big);
  origin = await startOrigin((req, res, body) => {
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', connection: 'keep-alive' });
      res.end(big);
    } else if (req.url === '/upload') {
      const sha = createHash('sha256').update(body).digest('hex');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${Buffer.byteLength(body)} ${sha}`);
    } else {
      res.writeHead(200, { 'content-type': 'text/plain', 'keep-alive': 'timeout=5', 'x-origin': '1' });
      res.end(`origin ${req.method} ${req.url} host=${req.headers.host}`);
    }
  });
});

afterAll(async () => {
  await origin?.close();
  removeDir(cert?.dir);
});

afterEach(async () => {
  await app?.shutdown();
  app = undefined;
});

async function startTls(extra: Parameters<typeof testConfig>[0] = {}): Promise<string> {
  const started = await startApp(
    testConfig({
      tls_cert: cert.certFile,
      tls_key: cert.keyFile,
      http2: true,
      backend_addr: origin.addr,
      ...extra,
    }),
    [echoModule(), proxyModule()],
  );
  app = started.app;
  return `https://127.0.0.1:${started.port}`;
}

const skipCurl = missing('curl', 'curl');
const skipNghttp = missing('nghttp', 'nghttp2-client');
const skipH2load = missing('h2load', 'nghttp2-client');

describe.skipIf(skipCurl !== undefined)('HTTP/2 with curl', () => {
  it('proxies to the origin with Host from :authority and strips its connection-specific fields', async () => {
    const base = await startTls();
    const r = await curl(`${base}/hello?a=1`, ['--http2']);
    expect(r.version).toBe('2');
    expect(r.status).toBe(200);
    expect(r.body).toBe(`origin GET /hello?a=1 host=127.0.0.1:${base.split(':')[2]}`);
    expect(r.headers['x-origin']).toBe('1');
    expect(r.headers['x-seen-protocol']).toBe('h2');
    for (const name of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'])
      expect(r.headerNames).not.toContain(name);
  });

  it('an invalid :authority (userinfo in it) is refused with 400 and does not reach the origin (nghttp2 itself resets a path in it)', async () => {
    const base = await startTls();
    const before = origin.seen.length;
    const r = await curl(`${base}/b`, ['--http2', '-H', 'Host: user@victim.example']);
    expect([r.version, r.status]).toEqual(['2', 400]);
    expect(origin.seen.length).toBe(before);
  });

  it('streams a 6 MiB response and a 6 MiB upload intact', async () => {
    const base = await startTls();
    const down = await curl(`${base}/big`, ['--http2']);
    expect(down.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(down.body, 'latin1')).digest('hex')).toBe(bigSha);
    const up = await curl(`${base}/upload`, ['--http2', '--data-binary', `@${upload}`]);
    expect(up.status).toBe(200);
    expect(up.body).toBe(`${big.length} ${bigSha}`);
  });

  it('error answers keep their status and body but drop Connection: close (500, 413, module status)', async () => {
    const base = await startTls({ max_body_size: 1024 });
    const boom = await curl(`${base}/boom`, ['--http2']);
    expect([boom.status, boom.body]).toEqual([500, '500 Internal Server Error\n']);
    expect(boom.headers['content-length']).toBe('26');
    expect(boom.headerNames).not.toContain('connection');
    const tooBig = await curl(`${base}/upload`, ['--http2', '--data-binary', `@${upload}`]);
    expect(tooBig.status).toBe(413);
    expect(tooBig.headerNames).not.toContain('connection');
    const teapot = await curl(`${base}/status/418`, ['--http2']);
    expect([teapot.status, teapot.body]).toEqual([418, 'status 418']);
    // The session survives an error answer: the next request on a new stream works.
    const again = await curl(`${base}/proto`, ['--http2']);
    expect(again.body).toBe('h2 https');
  });

  it('an unannounced (no content-length) h2 upload over max_body_size answers 413', async () => {
    const base = await startTls({ max_body_size: 1024 });
    const before = origin.seen.length;
    const r = await curl(`${base}/upload`, [
      '--http2',
      '-H',
      'content-length:',
      '-H',
      'transfer-encoding: chunked',
      '--data-binary',
      `@${upload}`,
    ]);
    expect([413, 0]).toContain(r.status);
    expect(origin.seen.slice(before).some((s) => s.url === '/upload' && s.body.length > 1024)).toBe(false);
  });
});

describe.skipIf(skipNghttp !== undefined)('HTTP/2 with nghttp', () => {
  it('serves 64 concurrent streams on one connection, each answered by the pipeline', async () => {
    const base = await startTls();
    const urls = Array.from({ length: 64 }, (_, i) => `${base}/hello-${i}`);
    const r = await runTool('nghttp', ['-n', '-s', '-m', '1', ...urls]);
    expect(r.code).toBe(0);
    // -s prints one line per stream id; 64 streams were answered.
    const lines = r.stdout.split('\n').filter((l) => /^\s*\d+\s+\+/.test(l) || /\s200\s/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(64);
  });

  it('prints no connection-specific header in the response HEADERS frame', async () => {
    const base = await startTls();
    const r = await runTool('nghttp', ['-v', `${base}/boom`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(':status: 500');
    expect(r.stdout).not.toMatch(/^\s*\[[^\]]+\]\s+recv\s+\(stream_id=\d+\)\s+connection:/m);
    expect(r.stdout).not.toMatch(/recv \(stream_id=\d+\) (connection|keep-alive|transfer-encoding):/);
  });
});

describe.skipIf(skipH2load !== undefined)('HTTP/2 with h2load', () => {
  it('2000 requests over 4 connections x 50 streams all succeed (TLS)', async () => {
    const base = await startTls();
    const r = await runTool('h2load', ['-n', '2000', '-c', '4', '-m', '50', `${base}/proto`], 60_000);
    expect(r.stdout).toMatch(
      /requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored/,
    );
    expect(r.stdout).toMatch(/status codes: 2000 2xx/);
  });

  it('h2c with prior knowledge under h2load', async () => {
    const started = await startApp(testConfig({ http2: true, backend_addr: origin.addr }), [
      echoModule(),
      proxyModule(),
    ]);
    app = started.app;
    const r = await runTool(
      'h2load',
      ['-n', '1000', '-c', '2', '-m', '32', `http://127.0.0.1:${started.port}/hello`],
      60_000,
    );
    expect(r.stdout).toMatch(/1000 succeeded, 0 failed/);
  });

  it('the configured concurrent-stream limit is what the server advertises', async () => {
    const base = await startTls({ h2_max_concurrent_streams: 7 });
    const r = await runTool('nghttp', ['-nv', `${base}/proto`]);
    expect(r.stdout).toMatch(/SETTINGS_MAX_CONCURRENT_STREAMS\(0x03\):7/);
  });
});
