/**
 * HTTP/3 end to end with two independent clients: Debian's Chromium (headless, pinned to the test
 * certificate's SPKI) and ngtcp2's gtlsclient. The server side confirms that each request came over h3
 * (the access-log hook sees `protocol = h3`), and responses go through the same pipeline as h1/h2.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyApp } from '../../src/app/proxy-app.js';
import type { ServerConfig } from '../../src/config/types.js';
import type { ProxyExchange } from '../../src/pipeline/exchange.js';
import { type Origin, proxyModule, startApp, startOrigin, testConfig } from '../server/helpers.js';
import { curl, echoModule, makeCert, missing, removeDir, runTool, type TestCert } from '../tls/fixtures.js';

const big = Buffer.from(randomBytes(3 * 1024 * 1024 + 77).toString('base64'));
const bigSha = createHash('sha256').update(big).digest('hex');
let cert: TestCert;
let origin: Origin;
let app: ProxyApp | undefined;
let seen: { protocol: string; path: string; status: number }[] = [];

beforeAll(async () => {
  cert = makeCert();
  origin = await startOrigin((req, res, body) => {
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(big);
    } else if (req.url === '/upload') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${Buffer.byteLength(body)} ${createHash('sha256').update(body).digest('hex')}`);
    } else {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-origin': '1' });
      res.end(`origin ${req.method} ${req.url}`);
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
  seen = [];
});

async function startH3(server: Partial<ServerConfig> = {}): Promise<number> {
  const started = await startApp(
    testConfig({
      tls_cert: cert.certFile,
      tls_key: cert.keyFile,
      http2: true,
      http3: true,
      backend_addr: origin.addr,
      ...server,
    }),
    [echoModule(), proxyModule()],
    {
      onComplete: (x: ProxyExchange) => {
        seen.push({ protocol: x.protocol, path: x.path, status: x.status });
      },
    },
  );
  app = started.app;
  return started.port;
}

function chromium(origin: string, url: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'proxycache-chromium-'));
  return runTool(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${dir}`,
      '--enable-quic',
      `--origin-to-force-quic-on=${origin}`,
      `--ignore-certificate-errors-spki-list=${cert.spki}`,
      '--dump-dom',
      url,
    ],
    60_000,
  ).then((r) => {
    removeDir(dir);
    // A text/plain answer is shown as <pre>BODY</pre>.
    const m = /<pre[^>]*>([\s\S]*?)<\/pre>/.exec(r.stdout);
    return m?.[1] ?? `(no body; exit ${r.code})`;
  });
}

async function gtls(
  port: number,
  paths: readonly string[],
  extra: readonly string[] = [],
): Promise<{ dir: string; code: number; out: string }> {
  const dir = mkdtempSync(join(cert.dir, 'dl-'));
  const r = await runTool(
    'gtlsclient',
    [
      '-q',
      '--exit-on-all-streams-close',
      '--timeout=20s',
      '--download',
      dir,
      ...extra,
      '127.0.0.1',
      String(port),
      ...paths.map((p) => `https://127.0.0.1:${port}${p}`),
    ],
    60_000,
  );
  return { dir, code: r.code, out: r.stdout + r.stderr };
}

const skipChromium = missing('chromium', 'chromium');
const skipGtls = missing('gtlsclient', 'ngtcp2-client');

describe.skipIf(skipChromium !== undefined)('HTTP/3 with Chromium', () => {
  it('answers over h3 on 127.0.0.1; the module and the access log see protocol h3', async () => {
    const port = await startH3();
    const body = await chromium(`127.0.0.1:${port}`, `https://127.0.0.1:${port}/proto`);
    expect(body).toBe('h3 https');
    expect(seen).toContainEqual({ protocol: 'h3', path: '/proto', status: 200 });
    expect(seen.every((s) => s.protocol === 'h3')).toBe(true);
  });

  it('listens on ::1 too when bound to localhost (Chromium tries ::1 first)', async () => {
    const port = await startH3({ listen_addr: 'localhost:0' });
    const body = await chromium(`localhost:${port}`, `https://localhost:${port}/proto`);
    expect(body).toBe('h3 https');
    expect(seen.map((s) => s.protocol)).toContain('h3');
  });

  it('survives garbage datagrams and keeps serving', async () => {
    const port = await startH3();
    const sock = createSocket('udp4');
    for (let i = 0; i < 200; i++) {
      const junk = randomBytes(1 + ((i * 37) % 1400));
      if (i % 3 === 0) junk[0] = 0xc0; // looks like a long header
      sock.send(junk, port, '127.0.0.1');
    }
    await new Promise((r) => setTimeout(r, 200));
    sock.close();
    expect(await chromium(`127.0.0.1:${port}`, `https://127.0.0.1:${port}/proto`)).toBe('h3 https');
  });
});

describe.skipIf(skipGtls !== undefined)('HTTP/3 with gtlsclient (ngtcp2)', () => {
  it('module answers, statuses and proxied responses over several streams of one connection', async () => {
    const port = await startH3();
    const r = await gtls(port, ['/proto', '/status/404', '/hello', '/boom']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(r.dir, 'proto'), 'utf8')).toBe('h3 https');
    expect(readFileSync(join(r.dir, '404'), 'utf8')).toBe('status 404');
    expect(readFileSync(join(r.dir, 'hello'), 'utf8')).toBe('origin GET /hello');
    expect(readFileSync(join(r.dir, 'boom'), 'utf8')).toBe('500 Internal Server Error\n');
    expect(seen.map((s) => `${s.protocol} ${s.path} ${s.status}`).sort()).toEqual([
      'h3 /boom 500',
      'h3 /hello 200',
      'h3 /proto 200',
      'h3 /status/404 404',
    ]);
  });

  it('streams a 4 MiB proxied response intact', async () => {
    const port = await startH3();
    const r = await gtls(port, ['/big']);
    expect(r.code).toBe(0);
    const got = readFileSync(join(r.dir, 'big'));
    expect(got.length).toBe(big.length);
    expect(createHash('sha256').update(got).digest('hex')).toBe(bigSha);
  });

  it('forwards an uploaded body (POST with DATA frames) to the origin', async () => {
    const port = await startH3();
    const file = join(cert.dir, 'upload.txt');
    const payload = Buffer.from(randomBytes(300_000).toString('hex'));
    writeFileSync(file, payload);
    const r = await gtls(port, ['/upload'], ['-m', 'POST', '-d', file]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(r.dir, 'upload'), 'utf8')).toBe(
      `${payload.length} ${createHash('sha256').update(payload).digest('hex')}`,
    );
  });

  it('20 concurrent requests on one connection all answered', async () => {
    const port = await startH3();
    const r = await gtls(port, ['/proto'], ['-n', '20']);
    expect(r.code).toBe(0);
    expect(seen.filter((s) => s.protocol === 'h3' && s.path === '/proto')).toHaveLength(20);
  });
});

describe.skipIf(missing('curl', 'curl') !== undefined)('Alt-Svc', () => {
  it('h1 and h2 responses advertise the HTTP/3 port; without http3 nothing is advertised', async () => {
    const port = await startH3();
    const h3Port = app?.http3Port;
    expect(h3Port).toBe(port);
    for (const flag of ['--http1.1', '--http2']) {
      const r = await curl(`https://127.0.0.1:${port}/proto`, [flag]);
      expect(r.headers['alt-svc']).toBe(`h3=":${h3Port}"; ma=86400`);
    }
    await app?.shutdown();
    app = undefined;
    const plain = await startApp(
      testConfig({ tls_cert: cert.certFile, tls_key: cert.keyFile, http2: true }),
      [echoModule()],
    );
    app = plain.app;
    const r = await curl(`https://127.0.0.1:${plain.port}/proto`, ['--http2']);
    expect(r.headerNames).not.toContain('alt-svc');
  });

  it('http3 without a certificate refuses to start with a coded error', async () => {
    await expect(startApp(testConfig({ http3: true }), [echoModule()])).rejects.toMatchObject({
      code: 'PC_ERR_INTERNAL',
      message: 'server.http3 needs server.tls_cert and server.tls_key',
    });
  });
});
