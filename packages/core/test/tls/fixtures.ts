/**
 * Fixtures shared by the TLS, HTTP/2 and HTTP/3 tests: self-signed certificates made with the openssl CLI,
 * external clients (curl, nghttp, h2load, chromium, gtlsclient) run as child processes, and a module that
 * answers with what it saw (protocol, scheme, headers) so every protocol can be compared.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompiledModule } from '@proxycache/pcmod-lang';
import type { HostExchange } from '../../src/pipeline/host.js';
import { fakeModule } from '../server/helpers.js';

export interface TestCert {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** base64 SHA-256 of the certificate's SubjectPublicKeyInfo (chromium's --ignore-certificate-errors-spki-list). */
  readonly spki: string;
  /** SHA-256 fingerprint as node's X509Certificate prints it. */
  readonly fingerprint: string;
}

/** True when `cmd` is on PATH. */
export function hasTool(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The skip reason when a Debian package's command is missing (CI installs them: see .ci/run). */
export function missing(cmd: string, pkg: string): string | undefined {
  return hasTool(cmd) ? undefined : `${cmd} not installed (Debian package ${pkg}); .ci/run installs it`;
}

/** A fresh self-signed EC certificate for localhost, 127.0.0.1 and ::1, in a new temp dir (or `into`). */
export function makeCert(into?: string, cn = 'localhost'): TestCert {
  const dir = into ?? mkdtempSync(join(tmpdir(), 'proxycache-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
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
      `/CN=${cn}`,
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  const pem = readFileSync(certFile);
  const spkiDer = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return {
    dir,
    certFile,
    keyFile,
    spki: createHash('sha256').update(spkiDer).digest('base64'),
    fingerprint: new X509Certificate(pem).fingerprint256,
  };
}

export function removeDir(dir: string | undefined): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an external client; resolves with its exit code and output (never rejects). */
export function runTool(cmd: string, args: readonly string[], timeoutMs = 20_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout: stdout.toString('latin1'), stderr: stderr.toString() });
      },
    );
  });
}

export interface CurlResponse {
  readonly status: number;
  /** `%{http_version}`: 1.1, 2 or 3. */
  readonly version: string;
  /** Lower-case names; a repeated field keeps its last value. */
  readonly headers: Record<string, string>;
  /** Every header line as received, lower-cased name first (to assert absence across repeats). */
  readonly headerNames: readonly string[];
  readonly body: string;
  readonly code: number;
  readonly stderr: string;
}

/** One curl request; `args` choose the protocol (`--http1.1`, `--http2`, `--http2-prior-knowledge`). */
export async function curl(url: string, args: readonly string[] = []): Promise<CurlResponse> {
  // `-D /dev/stderr` crashes this curl when stderr is a pipe; %{header_json} carries the headers instead.
  const marker = '\n--curl-meta--';
  const r = await runTool('curl', [
    '-sS',
    '-k',
    '-o',
    '-',
    '-w',
    `${marker}%{http_code} %{http_version} %{header_json}`,
    ...args,
    url,
  ]);
  const at = r.stdout.lastIndexOf(marker);
  const body = at === -1 ? r.stdout : r.stdout.slice(0, at);
  const meta = at === -1 ? '0 0 {}' : r.stdout.slice(at + marker.length);
  const [status, version] = meta.split(' ', 2);
  const json = meta.slice(meta.indexOf('{'));
  const headers: Record<string, string> = {};
  const headerNames: string[] = [];
  let parsed: Record<string, string[]> = {};
  try {
    parsed = JSON.parse(json) as Record<string, string[]>;
  } catch {
    parsed = {};
  }
  for (const [name, values] of Object.entries(parsed)) {
    const lower = name.toLowerCase();
    for (const v of values) {
      headers[lower] = v;
      headerNames.push(lower);
    }
  }
  return {
    status: Number(status),
    version: version ?? '',
    headers,
    headerNames,
    body,
    code: r.code,
    stderr: r.stderr,
  };
}

/**
 * A module answering every protocol the same way: `/proto` echoes protocol and scheme, `/hdr` echoes a
 * request header, `/status/N` answers N, `/boom` throws; other paths fall through to the next module.
 * Its on_response tags every answer with `x-seen-protocol`.
 */
export function echoModule(priority = 50): CompiledModule {
  return fakeModule('echo', priority, () => ({
    onRequest: (x) => {
      const path = x.path;
      if (path === '/proto') x.respond(200, 'text', `${x.protocol} ${x.scheme}`);
      else if (path === '/hdr') {
        const v = (x as unknown as HostExchange).requestHeaders['x-test'];
        x.respond(200, 'text', `${String(v)} host=${x.host}`);
      } else if (path.startsWith('/status/'))
        x.respond(Number(path.slice(8)), 'text', `status ${path.slice(8)}`);
      else if (path === '/boom') throw new Error('boom');
    },
    onResponse: (x) => {
      x.setHeader('on_response', 'x-seen-protocol', x.protocol);
    },
  }));
}
