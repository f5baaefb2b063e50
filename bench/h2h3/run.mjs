#!/usr/bin/env node
// HTTP/2 and HTTP/3 benchmark: the same proxycache build over h1 (TLS), h2 (TLS) and h3 (QUIC), and h2
// against nginx (TLS + http2, proxy_cache) in front of the same origin. Requests/s and MB/s per run.
//
//   npx tsc -b && node bench/h2h3/run.mjs [--requests N] [--connections C] [--streams M] [--paths /small,/large]
//                                         [--protos h1,h2,h3,nginx]
//
// Clients: h2load (nghttp2-client) for h1 and h2; HTTP/3 with ngtcp2's gtlsclient, the fastest h3 client
// that works here (Debian's h2load is built without QUIC): P processes each sending N/P requests as
// streams of one connection, timed from spawn to exit. Certificates are made with openssl.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const REPO = path.dirname(BENCH);
const CLI = path.join(REPO, 'packages/core/bin/proxycache.js');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : process.argv[i + 1];
}
const REQUESTS = Number(arg('requests', '20000'));
const CONNECTIONS = Number(arg('connections', '8'));
const STREAMS = Number(arg('streams', '16'));
const PATHS = arg('paths', '/small,/large').split(',');
const PROTOS = new Set(arg('protos', 'h1,h2,h3,nginx').split(','));

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitPort(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`port ${port} never opened`);
}

function run(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { ...r, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** h2load's summary: req/s, MB/s, succeeded. */
function h2load(url, extra) {
  const r = run('h2load', ['-n', String(REQUESTS), '-c', String(CONNECTIONS), ...extra, url]);
  const fin = /finished in [\d.]+m?s, ([\d.]+) req\/s, ([\d.]+)([KMG]?)B\/s/.exec(r.stdout);
  const ok = /(\d+) succeeded/.exec(r.stdout);
  const scale = { '': 1 / 1e6, K: 1 / 1e3, M: 1, G: 1e3 };
  return {
    rps: fin ? Number(fin[1]) : 0,
    mbps: fin ? Number(fin[2]) * (scale[fin[3]] ?? 1) * (1e6 / (1024 * 1024)) : 0,
    ok: ok ? Number(ok[1]) : 0,
  };
}

/** gtlsclient × CONNECTIONS processes, each REQUESTS/CONNECTIONS requests on one connection. */
async function h3(port, pathName, dir) {
  const per = Math.ceil(REQUESTS / CONNECTIONS);
  const t0 = process.hrtime.bigint();
  const codes = await Promise.all(
    Array.from({ length: CONNECTIONS }, (_, i) => {
      const out = path.join(dir, `h3-${i}`);
      fs.mkdirSync(out, { recursive: true });
      return new Promise((resolve) => {
        const p = spawn(
          'gtlsclient',
          [
            '-q',
            '--exit-on-all-streams-close',
            '--timeout=30s',
            '--max-streams-bidi=0',
            '--download',
            out,
            '-n',
            String(per),
            '127.0.0.1',
            String(port),
            `https://127.0.0.1:${port}${pathName}`,
          ],
          { stdio: 'ignore' },
        );
        p.on('exit', (code) => resolve(code));
      });
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const file = path.join(dir, 'h3-0', path.basename(pathName));
  const bytes = fs.existsSync(file) ? fs.statSync(file).size : 0;
  const total = per * CONNECTIONS;
  return {
    rps: total / seconds,
    mbps: (total * bytes) / seconds / (1024 * 1024),
    ok: codes.every((c) => c === 0) ? total : 0,
  };
}

async function main() {
  for (const tool of ['openssl', 'h2load', 'gtlsclient'])
    if (!has(tool)) throw new Error(`${tool} is not installed`);
  if (!fs.existsSync(path.join(REPO, 'packages/core/dist/cli/main.js')))
    throw new Error('build first: npx tsc -b');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxycache-h2h3-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  const [originPort, statusPort, port, adminPort, nginxPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const children = [];
  const origin = spawn(process.execPath, [path.join(BENCH, 'peers/origin.mjs')], {
    env: { ...process.env, PORT: String(originPort), STATUS_PORT: String(statusPort) },
    stdio: 'ignore',
  });
  children.push(origin);
  const config = path.join(dir, 'proxycache.toml');
  fs.writeFileSync(
    config,
    `[server]
listen_addr = "127.0.0.1:${port}"
backend_addr = "127.0.0.1:${originPort}"
log_level = "warn"
tls_cert = "${cert}"
tls_key = "${key}"
http2 = true
http3 = true

[cache]
ttl_seconds = 3600

[rate_limiter]
enabled = false

[active_health]
enabled = false

[admin_api]
listen_addr = "127.0.0.1:${adminPort}"
`,
  );
  const proxy = spawn(process.execPath, [CLI, 'run', '--config', config], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(proxy);
  let nginx;
  if (has('nginx')) {
    const conf = path.join(dir, 'nginx.conf');
    fs.mkdirSync(path.join(dir, 'nginx-cache'));
    fs.writeFileSync(
      conf,
      `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  proxy_cache_path ${dir}/nginx-cache keys_zone=c:10m;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  upstream origin { server 127.0.0.1:${originPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${nginxPort} ssl http2;
    ssl_certificate ${cert}; ssl_certificate_key ${key};
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_cache c; }
  }
}
`,
    );
    nginx = spawn('nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
    children.push(nginx);
  }
  const stop = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  process.on('exit', stop);
  try {
    await waitPort(originPort);
    await waitPort(port);
    if (nginx) await waitPort(nginxPort);
    await sleep(500);
    const rows = [];
    for (const p of PATHS) {
      const base = `https://127.0.0.1:${port}${p}`;
      // Warm the cache (and the JIT) once per path.
      h2load(base, ['-m', String(STREAMS)]);
      if (PROTOS.has('h1'))
        rows.push({ target: 'proxycache', proto: 'h1', path: p, ...h2load(base, ['--h1']) });
      if (PROTOS.has('h2'))
        rows.push({ target: 'proxycache', proto: 'h2', path: p, ...h2load(base, ['-m', String(STREAMS)]) });
      if (PROTOS.has('h3'))
        rows.push({
          target: 'proxycache',
          proto: 'h3',
          path: p,
          ...(await h3(port, p, path.join(dir, `dl${p}`))),
        });
      if (nginx && PROTOS.has('nginx')) {
        const n = `https://127.0.0.1:${nginxPort}${p}`;
        h2load(n, ['-m', String(STREAMS)]);
        rows.push({ target: 'nginx', proto: 'h2', path: p, ...h2load(n, ['-m', String(STREAMS)]) });
      }
    }
    const h2 = (t, p) => rows.find((r) => r.target === t && r.proto === 'h2' && r.path === p)?.rps ?? 0;
    console.log(
      `# h1 / h2 / h3 (${REQUESTS} requests, ${CONNECTIONS} connections, ${STREAMS} streams each for h2)\n`,
    );
    console.log('| target | protocol | path | req/s | MB/s | succeeded | vs proxycache h2 |');
    console.log('|---|---|---|---:|---:|---:|---:|');
    for (const r of rows) {
      const ratio = h2('proxycache', r.path) > 0 ? (r.rps / h2('proxycache', r.path)).toFixed(2) : '-';
      console.log(
        `| ${r.target} | ${r.proto} | ${r.path} | ${r.rps.toFixed(0)} | ${r.mbps.toFixed(1)} | ${r.ok} | ${ratio} |`,
      );
    }
  } finally {
    stop();
    await sleep(300);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
