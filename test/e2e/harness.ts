/**
 * End-to-end harness: real origins on listen(0) that count requests and connections, and the real
 * `proxycache` process started from the built CLI (`npx tsc -b` first) with a temp config.toml.
 * Every process and server it starts is tracked and stopped by `stopAll()` (call it in afterAll).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import {
  type Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The repository root. */
export const ROOT = new URL('../../', import.meta.url).pathname;
export const PROXYCACHE_BIN = join(ROOT, 'packages/core/bin/proxycache.js');
export const PCMOD_BIN = join(ROOT, 'packages/pcmod-lang/bin/pcmod.js');

/**
 * Start-up compiles every module (about 1.5 s of CPU); on a shared, overloaded 2-core machine that has
 * taken over 25 s. Generous limits only cost time when something is really broken.
 */
export const READY_TIMEOUT_MS = 60_000;
/** For hooks and tests that start processes (vitest's default of 30 s is too tight under load). */
export const SLOW_TIMEOUT_MS = 90_000;

const cleanups: (() => Promise<void> | void)[] = [];

/** Stops every proxy, origin and temp dir this process started (reverse order). */
export async function stopAll(): Promise<void> {
  const all = cleanups.splice(0).reverse();
  await Promise.allSettled(all.map((fn) => fn()));
}

/** A free loopback TCP port: listen(0), read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createTcpServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A fresh temp directory, removed by stopAll. */
export function tempDir(prefix = 'pc-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---------------------------------------------------------------------------------------------------
// Origins

/** One request an origin received. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Which origin connection (1-based) carried it. */
  readonly connection: number;
}

export type OriginHandler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

export interface Origin {
  readonly port: number;
  /** `127.0.0.1:PORT` */
  readonly addr: string;
  readonly requests: SeenRequest[];
  /** Connections accepted so far. */
  connections: number;
  /** Requests whose path (without query) equals `path`. */
  count(path: string): number;
  close(): Promise<void>;
}

/**
 * The default origin answer: 200 JSON echo of method, url, headers and body, with `X-Origin: NAME`
 * and `Cache-Control: no-store` (unless a test handler says otherwise).
 */
export function echoHandler(name: string): OriginHandler {
  return (req, body, res) => {
    const text = JSON.stringify({
      origin: name,
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: body.toString('utf8'),
    });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
      'x-origin': name,
    });
    res.end(text);
  };
}

/** Starts an HTTP origin on 127.0.0.1:0 that records every request and connection. */
export function startOrigin(handler: OriginHandler = echoHandler('origin')): Promise<Origin> {
  const requests: SeenRequest[] = [];
  const connIds = new WeakMap<Socket, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: body.toString('utf8'),
        connection: connIds.get(req.socket) ?? 0,
      });
      handler(req, body, res);
    });
  });
  const origin: Origin = {
    port: 0,
    addr: '',
    requests,
    connections: 0,
    count: (path) => requests.filter((r) => r.url.split('?')[0] === path).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (s: Socket) => {
    origin.connections += 1;
    connIds.set(s, origin.connections);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      Object.assign(origin, { port, addr: `127.0.0.1:${port}` });
      cleanups.push(() => origin.close());
      resolve(origin);
    });
  });
}

/** A TCP echo server on 127.0.0.1:0 (raw_tcp backend). */
export function startTcpEcho(): Promise<{ port: number; addr: string; received: Buffer[] }> {
  const received: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('data', (d: Buffer) => {
      received.push(d);
      s.write(d);
    });
    s.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      cleanups.push(
        () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      );
      resolve({ port, addr: `127.0.0.1:${port}`, received });
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// config.toml

export type TomlValue = string | number | boolean | readonly string[] | Readonly<Record<string, string>>;
export type TomlSections = Readonly<Record<string, Readonly<Record<string, TomlValue>>>>;

function tomlValue(v: TomlValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((s) => JSON.stringify(s)).join(', ')}]`;
  const entries = Object.entries(v as Record<string, string>);
  return `{ ${entries.map(([k, s]) => `${JSON.stringify(k)} = ${JSON.stringify(s)}`).join(', ')} }`;
}

/** Renders sections as TOML (`[name]` then `key = value` lines). */
export function renderToml(sections: TomlSections): string {
  return Object.entries(sections)
    .map(
      ([name, fields]) =>
        `[${name}]\n${Object.entries(fields)
          .map(([k, v]) => `${k} = ${tomlValue(v)}`)
          .join('\n')}\n`,
    )
    .join('\n');
}

// ---------------------------------------------------------------------------------------------------
// The proxy process

/** One parsed JSON log line of the proxy's stdout. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface ProxyOptions {
  /** Backend for `[server] backend_addr`. */
  readonly backend?: string;
  /** Extra `[server]` fields. */
  readonly server?: Readonly<Record<string, TomlValue>>;
  /** Module sections. */
  readonly modules?: TomlSections;
  /** false → `[admin_api] enabled = false` (no admin port is picked). */
  readonly admin?: boolean;
  /** User modules for `--mods`: file name → text. */
  readonly mods?: Readonly<Record<string, string>>;
}

export interface ProxyProcess {
  readonly pid: number;
  readonly port: number;
  /** 0 when the admin API is disabled. */
  readonly adminPort: number;
  readonly dir: string;
  readonly configFile: string;
  /** The `--mods` dir, when user modules were given. */
  readonly modsDir: string | undefined;
  readonly child: ChildProcess;
  /** Parsed JSON lines of stdout so far. */
  logs(): LogLine[];
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Resolves when a log line matching `pred` has appeared. */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  url(path: string): string;
  adminUrl(path: string): string;
  /** Sends SIGTERM and waits for exit; resolves with the exit code. */
  stop(): Promise<number | string>;
}

/** `node packages/core/bin/proxycache.js ARGS` with output collected; resolves when it exits. */
export function runCli(
  bin: string,
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${args.join(' ')}: no exit within ${opts.timeoutMs ?? READY_TIMEOUT_MS} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, opts.timeoutMs ?? READY_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // 'exit' can precede the end of the pipes; 'close' waits for them.
      child.once('close', () => resolve({ code: code ?? signal ?? 'unknown', stdout, stderr }));
    });
  });
}

/** Source files under `src` whose compiled `.js` in `dist` is missing or older (tsc -b rewrites only changed outputs). */
function staleSources(src: string, dist: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(src, { withFileTypes: true })) {
    const full = join(src, e.name);
    if (e.isDirectory()) out.push(...staleSources(full, join(dist, e.name)));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
      const built = statSync(join(dist, e.name.replace(/\.ts$/, '.js')), { throwIfNoEntry: false });
      if (built === undefined || built.mtimeMs < statSync(full).mtimeMs) out.push(full);
    }
  }
  return out;
}

let staleChecked = false;

/** The e2e tests run the built CLI: say so when a source is newer than the build it would test. */
function warnIfStale(): void {
  if (staleChecked) return;
  staleChecked = true;
  const stale = ['core', 'pcmod-lang'].flatMap((pkg) =>
    staleSources(join(ROOT, 'packages', pkg, 'src'), join(ROOT, 'packages', pkg, 'dist')),
  );
  if (stale.length > 0)
    console.warn(
      `e2e: ${stale.length} source file(s) newer than their build (run \`npx tsc -b\`): ${stale.slice(0, 5).join(', ')}`,
    );
}

/** Writes a config (and `--mods` dir) to a temp dir and spawns `proxycache run` without waiting. */
export async function spawnProxy(opts: ProxyOptions = {}): Promise<ProxyProcess> {
  warnIfStale();
  const dir = tempDir();
  const port = await freePort();
  const adminPort = opts.admin === false ? 0 : await freePort();
  const sections: Record<string, Record<string, TomlValue>> = {
    server: {
      listen_addr: `127.0.0.1:${port}`,
      backend_addr: opts.backend ?? '127.0.0.1:1',
      log_level: 'info',
      shutdown_timeout: 5,
      ...opts.server,
    },
  };
  for (const [name, fields] of Object.entries(opts.modules ?? {})) sections[name] = { ...fields };
  sections.admin_api =
    opts.admin === false
      ? { ...sections.admin_api, enabled: false }
      : { ...sections.admin_api, listen_addr: `127.0.0.1:${adminPort}` };
  // Background probes every 10 s by default would only add noise; tests that want them configure them.
  sections.active_health ??= { enabled: false };
  const configFile = join(dir, 'config.toml');
  writeFileSync(configFile, renderToml(sections));
  let modsDir: string | undefined;
  if (opts.mods !== undefined) {
    modsDir = join(dir, 'mods');
    mkdirSync(modsDir);
    for (const [file, text] of Object.entries(opts.mods)) writeFileSync(join(modsDir, file), text);
  }
  const args = ['run', '--config', configFile, ...(modsDir === undefined ? [] : ['--mods', modsDir])];
  return launch(args, { dir, port, adminPort, configFile, modsDir });
}

function launch(
  args: readonly string[],
  where: { dir: string; port: number; adminPort: number; configFile: string; modsDir: string | undefined },
): ProxyProcess {
  const child = spawn(process.execPath, [PROXYCACHE_BIN, ...args], {
    cwd: where.dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) {
      if (p.trim() === '') continue;
      try {
        lines.push(JSON.parse(p) as LogLine);
      } catch {
        lines.push({ msg: p, raw: true });
      }
    }
    for (const w of waiters) w();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const w of waiters) w();
      resolve(code ?? signal ?? 'unknown');
    });
  });
  let exitCode: number | string | undefined;
  void exited.then((c) => {
    exitCode = c;
    for (const w of waiters) w();
  });
  const pid = child.pid ?? 0;
  const proxy: ProxyProcess = {
    pid,
    port: where.port,
    adminPort: where.adminPort,
    dir: where.dir,
    configFile: where.configFile,
    modsDir: where.modsDir,
    child,
    logs: () => lines,
    stderr: () => stderr,
    exited,
    url: (path) => `http://127.0.0.1:${where.port}${path}`,
    adminUrl: (path) => `http://127.0.0.1:${where.adminPort}${path}`,
    waitForLog: (pred, timeoutMs = READY_TIMEOUT_MS) =>
      new Promise<LogLine>((resolve, reject) => {
        const check = (): void => {
          const hit = lines.find(pred);
          if (hit !== undefined) {
            done();
            resolve(hit);
          } else if (exitCode !== undefined) {
            done();
            reject(new Error(`proxycache exited (${exitCode}) before the awaited log line\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `awaited log line not seen within ${timeoutMs} ms\nstdout: ${JSON.stringify(lines)}\nstderr: ${stderr}`,
            ),
          );
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    stop: async () => {
      if (exitCode === undefined && pid !== 0) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      const killer = setTimeout(() => {
        if (exitCode === undefined) process.kill(pid, 'SIGKILL');
      }, 10_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
  cleanups.push(async () => {
    await proxy.stop();
  });
  return proxy;
}

/** Spawns the proxy and waits until the main listener (and the admin listener, if any) is up. */
export async function startProxy(opts: ProxyOptions = {}): Promise<ProxyProcess> {
  const proxy = await spawnProxy(opts);
  await proxy.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('listening on'));
  if (proxy.adminPort !== 0) await proxy.waitForLog((l) => l.msg === 'admin listener open');
  return proxy;
}

// ---------------------------------------------------------------------------------------------------
// Clients

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  /** Raw header lines as sent (names in their original case). */
  readonly rawHeaders: string[];
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
  /** Defaults to a one-off agent (`Connection: close`). */
  readonly agent?: Agent | false;
  readonly localAddress?: string;
  readonly timeoutMs?: number;
}

/** One HTTP/1.1 request with node:http; resolves with the whole body. */
export function httpRequest(url: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: opts.agent ?? false,
        ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString('utf8'),
            rawHeaders: res.rawHeaders,
          });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes raw bytes to the port and collects everything until the server closes (or the timeout). */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  timeoutMs = 5000,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: false });
    }, timeoutMs);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (e) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true });
      else reject(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true });
    });
    s.write(bytes);
  });
}

/** Parses a raw HTTP/1.1 response head: status and lower-cased header map. */
export function parseRawHead(text: string): {
  status: number;
  headers: Record<string, string>;
  body: string;
} {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const [statusLine = '', ...fieldLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of fieldLines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), headers, body: end < 0 ? '' : text.slice(end + 4) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
