/**
 * One table of cases, run over every protocol the proxy speaks, with the same expectations:
 * h1 and h2 over TLS (curl), h3 (ngtcp2's gtlsclient) on one TLS proxy, and h1 plus h2c with prior
 * knowledge (curl) on one plain proxy (TLS and plain cannot share a listener). Both proxies are the real
 * CLI with the built-in modules, a user module from `--mods`, and one real origin.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  curl,
  makeCert,
  missing,
  removeDir,
  runTool,
  type TestCert,
} from '../../packages/core/test/tls/fixtures.js';
import {
  echoHandler,
  freePort,
  type Origin,
  type ProxyProcess,
  SLOW_TIMEOUT_MS,
  startOrigin,
  startProxy,
  stopAll,
} from '../e2e/harness.js';

type Proto = 'h1' | 'h2' | 'h3';

interface Answer {
  readonly status: number;
  /** Lower-case names, last value wins. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

interface Client {
  readonly name: string;
  readonly proto: Proto;
  readonly scheme: 'http' | 'https';
  /** The User-Agent the client sends (the origin must see it unchanged). */
  readonly userAgent: string;
  readonly skip: string | undefined;
  get(path: string): Promise<Answer>;
}

const BIG = randomBytes(1024 * 1024 + 4099);
const BIG_SHA = createHash('sha256').update(BIG).digest('hex');
const CURL_UA = 'proxycache-protocol-test';

let cert: TestCert;
let origin: Origin;
let tlsProxy: ProxyProcess;
let plainProxy: ProxyProcess;

/** The user module: a generated answer, a module 404, a forward to a closed port, protocol echoes. */
function probeModule(deadPort: number): string {
  return `mod proto_probe
version 1.0
priority 5

on_request {
  set_header "X-Client-Protocol" protocol
  if path == "/mod" {
    respond 201 text "module \${protocol} \${method}"
  }
  if path == "/nope" {
    respond 404 text "not here"
  }
  if path == "/dead" {
    std.proxy.forward("127.0.0.1:${deadPort}")
  }
}

on_response {
  set_header "X-Seen-Protocol" protocol
}
`;
}

beforeAll(async () => {
  cert = makeCert();
  origin = await startOrigin((req, body, res) => {
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(BIG);
    } else echoHandler('origin')(req, body, res);
  });
  // A port nobody listens on (bound once by freePort, then released).
  const deadPort = await freePort();
  const common = {
    backend: origin.addr,
    admin: false,
    mods: { 'proto_probe.pcmod': probeModule(deadPort) },
    modules: { cache: { enabled: false }, rate_limiter: { enabled: false } },
  } as const;
  [tlsProxy, plainProxy] = await Promise.all([
    startProxy({
      ...common,
      server: { tls_cert: cert.certFile, tls_key: cert.keyFile, http2: true, http3: true },
    }),
    startProxy({ ...common, server: { http2: true } }),
  ]);
}, SLOW_TIMEOUT_MS);

afterAll(async () => {
  await stopAll();
  removeDir(cert?.dir);
});

function curlClient(name: string, proto: Proto, scheme: 'http' | 'https', flag: string): Client {
  return {
    name,
    proto,
    scheme,
    userAgent: CURL_UA,
    skip: missing('curl', 'curl'),
    async get(path) {
      const proxy = scheme === 'https' ? tlsProxy : plainProxy;
      const r = await curl(`${scheme}://127.0.0.1:${proxy.port}${path}`, [flag, '-A', CURL_UA]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.version).toBe(proto === 'h1' ? '1.1' : '2');
      return { status: r.status, headers: r.headers, body: Buffer.from(r.body, 'latin1') };
    },
  };
}

/** gtlsclient: the body from --download, status and headers from its HTTP dump. */
const h3Client: Client = {
  name: 'h3 (gtlsclient)',
  proto: 'h3',
  scheme: 'https',
  userAgent: 'nghttp3/ngtcp2 client',
  skip: missing('gtlsclient', 'ngtcp2-client'),
  async get(path) {
    const dir = mkdtempSync(join(cert.dir, 'h3-'));
    const port = tlsProxy.port;
    // The HTTP dump (headers, and a hex dump of the body) goes to a file: through a pipe, the hex dump of
    // a 1 MiB random body takes seconds.
    const log = join(dir, '..', `${dir.split('/').at(-1)}.log`);
    const args = [
      '--no-quic-dump',
      '--exit-on-all-streams-close',
      '--timeout=20s',
      '--download',
      dir,
      '127.0.0.1',
      String(port),
      `https://127.0.0.1:${port}${path}`,
    ];
    const r = await runTool('sh', ['-c', 'exec gtlsclient "$@" >"$0" 2>&1', log, ...args], 60_000);
    const dump = readFileSync(log, 'latin1');
    expect(r.code, r.stderr).toBe(0);
    const headers: Record<string, string> = {};
    for (const m of dump.matchAll(/^http: stream 0x0 \[([^:\]][^:]*|:status): (.*)\]$/gm))
      headers[(m[1] as string).toLowerCase()] = m[2] as string;
    const status = Number(headers[':status'] ?? 0);
    delete headers[':status'];
    // One request, so at most one file (named after the path; with or without the query).
    const saved = readdirSync(dir);
    const body = saved[0] === undefined ? Buffer.alloc(0) : readFileSync(join(dir, saved[0]));
    removeDir(dir);
    return { status, headers, body };
  },
};

const clients: Client[] = [
  curlClient('h1 over TLS (curl --http1.1)', 'h1', 'https', '--http1.1'),
  curlClient('h1 plain (curl --http1.1)', 'h1', 'http', '--http1.1'),
  curlClient('h2 over TLS (curl --http2)', 'h2', 'https', '--http2'),
  curlClient('h2c prior knowledge (curl)', 'h2', 'http', '--http2-prior-knowledge'),
  h3Client,
];

interface Case {
  readonly name: string;
  readonly path: string;
  check(a: Answer, c: Client): void;
}

const cases: Case[] = [
  {
    name: 'a module-generated response: status, content type, body',
    path: '/mod',
    check(a, c) {
      expect(a.status).toBe(201);
      expect(a.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(a.body.toString()).toBe(`module ${c.proto} GET`);
    },
  },
  {
    name: 'a proxied 1 MiB response arrives byte for byte',
    path: '/big',
    check(a) {
      expect(a.status).toBe(200);
      expect(a.body.length).toBe(BIG.length);
      expect(createHash('sha256').update(a.body).digest('hex')).toBe(BIG_SHA);
    },
  },
  {
    name: 'an unreachable backend is 502',
    path: '/dead',
    check(a) {
      expect(a.status).toBe(502);
    },
  },
  {
    name: 'a 404 from a module',
    path: '/nope',
    check(a) {
      expect(a.status).toBe(404);
      expect(a.body.toString()).toBe('not here');
    },
  },
  {
    name: 'request headers reach the origin, plus the module’s protocol header',
    path: '/echo?q=1',
    check(a, c) {
      expect(a.status).toBe(200);
      expect(a.headers['x-origin']).toBe('origin');
      const seen = JSON.parse(a.body.toString()) as { url: string; headers: Record<string, string> };
      expect(seen.url).toBe('/echo?q=1');
      expect(seen.headers['user-agent']).toBe(c.userAgent);
      expect(seen.headers['x-client-protocol']).toBe(c.proto);
      expect(seen.headers['x-forwarded-proto']).toBe(c.scheme);
      expect(seen.headers.host).toBe(`127.0.0.1:${c.scheme === 'https' ? tlsProxy.port : plainProxy.port}`);
    },
  },
];

describe.each(clients)('$name', (client) => {
  test.skipIf(client.skip !== undefined).each(cases)(
    '$name',
    async (kase) => {
      const a = await client.get(kase.path);
      kase.check(a, client);
      // Every answer, whoever produced it, passed on_response and saw the client's protocol.
      expect(a.headers['x-seen-protocol']).toBe(client.proto);
      for (const banned of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade']) {
        if (client.proto !== 'h1') expect(a.headers[banned]).toBeUndefined();
      }
      // gtlsclient hex-dumps bodies as it receives them (~6 s for the 1 MiB one on a loaded machine).
    },
    90_000,
  );
});
