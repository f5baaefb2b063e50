/**
 * The QUIC loop on its own (no pipeline): idle timeout, the connection cap, and datagrams for connection
 * IDs the listener does not know. gtlsclient (ngtcp2) is the peer; `open` counts server-side connections.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QuicListener, type QuicListenerOptions } from '../../src/h3/quic-listener.js';
import { makeCert, missing, removeDir, runTool, type TestCert } from '../tls/fixtures.js';

let cert: TestCert;
let listener: QuicListener | undefined;

beforeAll(() => {
  cert = makeCert();
});

afterAll(() => removeDir(cert?.dir));

afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

async function start(options: Partial<QuicListenerOptions> = {}): Promise<QuicListener> {
  const l = new QuicListener({
    hosts: ['127.0.0.1'],
    port: 0,
    cert: readFileSync(cert.certFile),
    key: readFileSync(cert.keyFile),
    maxConnections: 100,
    idleTimeoutMs: 30_000,
    maxStreams: 16,
    streamWindow: 256 * 1024,
    connectionWindow: 1024 * 1024,
    maxFieldSectionSize: 16 * 1024,
    onRequest: (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`ok ${req.url}`);
    },
    ...options,
  });
  await l.listen();
  listener = l;
  return l;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
  return Date.now() - t0;
}

/** One GET; `stay` keeps the connection open after the answer (until idle timeout or kill). */
function gtls(port: number, path: string, extra: readonly string[] = []) {
  const dir = mkdtempSync(join(cert.dir, 'dl-'));
  return {
    dir,
    run: runTool(
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
        `https://127.0.0.1:${port}${path}`,
      ],
      30_000,
    ),
  };
}

/** A client that answers one request and then keeps its connection open (no exit on stream close). */
function lingeringClient(port: number, idle: string) {
  const dir = mkdtempSync(join(cert.dir, 'keep-'));
  const child = spawn(
    'gtlsclient',
    [
      '-q',
      `--timeout=${idle}`,
      '--download',
      dir,
      '127.0.0.1',
      String(port),
      `https://127.0.0.1:${port}/keep`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { dir, child, exited };
}

const skipGtls = missing('gtlsclient', 'ngtcp2-client');

describe.skipIf(skipGtls !== undefined)('QUIC listener', () => {
  it('closes a connection idle for idleTimeoutMs (server side, the client would wait 30 s)', async () => {
    const l = await start({ idleTimeoutMs: 800 });
    const c = lingeringClient(l.port, '30s');
    try {
      await until(() => l.open === 1, 10_000);
      await until(() => readFileSync(join(c.dir, 'keep'), { flag: 'a+' }).length > 0, 10_000);
      const t0 = Date.now();
      await until(() => l.open === 0, 10_000);
      const closedAfter = Date.now() - t0;
      // Idle timer: about 800 ms after the last packet (quiche may add up to 3 PTOs on loopback).
      expect(closedAfter).toBeLessThan(5_000);
      // The client sees the negotiated idle timeout (min of both) and exits well before its own 30 s.
      await Promise.race([c.exited, sleep(10_000)]);
      expect(c.child.exitCode).not.toBeNull();
    } finally {
      if (c.child.exitCode === null) c.child.kill('SIGTERM');
    }
  });

  it('refuses connections above maxConnections until an open one closes', async () => {
    const l = await start({ maxConnections: 1, idleTimeoutMs: 4_000 });
    const first = lingeringClient(l.port, '30s');
    try {
      await until(() => l.open === 1, 10_000);
      // At the cap, new Initials get no answer at all (not even a Retry): the handshake times out.
      const second = gtls(l.port, '/second', ['--handshake-timeout=1500ms']);
      const r = await second.run;
      expect(r.stderr).toContain('HANDSHAKE_TIMEOUT');
      expect(existsSync(join(second.dir, 'second'))).toBe(false);
      expect(l.open).toBe(1);
      // The first connection idles out; its slot is free again.
      await until(() => l.open === 0, 15_000);
      const third = gtls(l.port, '/third');
      expect((await third.run).code).toBe(0);
      expect(readFileSync(join(third.dir, 'third'), 'utf8')).toBe('ok /third');
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGTERM');
      await first.exited;
    }
  });

  it('drops garbage and short-header packets for unknown connection IDs; open connections keep working', async () => {
    const errors: unknown[] = [];
    const l = await start({ onError: (e) => errors.push(e) });
    const sock = createSocket('udp4');
    const send = (b: Buffer) => new Promise<void>((r) => sock.send(b, l.port, '127.0.0.1', () => r()));
    for (let i = 0; i < 300; i++) {
      const len = 1 + ((i * 53) % 1400);
      const pkt = randomBytes(len);
      if (i % 3 === 0)
        pkt[0] = 0x40 | ((pkt[0] as number) & 0x3f); // short header, random 20-byte CID
      else if (i % 3 === 1) pkt[0] = 0xc0 | ((pkt[0] as number) & 0x3f); // long header, random type
      await send(pkt);
    }
    // Long-header Initial (version 1) for an unknown CID without a token, padded: gets a Retry, no state.
    const initial = Buffer.alloc(1200);
    initial[0] = 0xc0;
    initial.writeUInt32BE(1, 1);
    initial[5] = 8;
    randomBytes(8).copy(initial, 6);
    initial[14] = 0;
    await send(initial);
    await sleep(200);
    sock.close();
    expect(l.open).toBe(0);
    const r = gtls(l.port, '/after');
    expect((await r.run).code).toBe(0);
    expect(readFileSync(join(r.dir, 'after'), 'utf8')).toBe('ok /after');
    expect(errors).toEqual([]);
  });
});
