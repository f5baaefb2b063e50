import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ResponseState } from '../../src/pipeline/host.js';
import { type WriteOptions, writeResponse } from '../../src/pipeline/write-response.js';
import { closeServerAfterEach, getExchange } from './exchange-fixtures.js';

const track = closeServerAfterEach();

/**
 * Serves one response through writeResponse over HTTP/1.1 and returns the raw bytes the client got,
 * with node's Date line (the only field that varies) removed.
 */
async function raw(
  response: () => ResponseState,
  close: boolean,
  opts: WriteOptions = {},
  method = 'GET',
): Promise<string> {
  const s = createServer((_req, res) => writeResponse(res, getExchange('/', response()), close, opts));
  s.keepAliveTimeout = 5000;
  track(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.write(`${method} / HTTP/1.1\r\nHost: h\r\n\r\n`);
    });
    let got = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      got += d;
      // Every case here has a Content-Length or no body: the head's end plus the length is the message.
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /\r\ncontent-length: (\d+)\r\n/.exec(got.slice(0, end + 2));
      const len = m === null || method === 'HEAD' ? 0 : Number(m[1]);
      if (got.length >= end + 4 + len) sock.destroy();
    });
    sock.on('close', () => resolve(got.replace(/\r\nDate: [^\r]*/, '')));
    sock.on('error', reject);
  });
}

const keepAlive = 'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n';

describe('writeResponse head on HTTP/1.1', () => {
  it('keeps field order, sets Content-Length in place, repeats list values, appends Alt-Svc', async () => {
    const got = await raw(
      () => ({
        status: 200,
        headers: {
          'content-type': 'text/plain',
          'content-length': '999',
          gone: undefined,
          'x-a': ['1', '2'],
          'set-cookie': ['a=1', 'b=2'],
        },
        body: Buffer.from('hello'),
      }),
      false,
      { altSvc: 'h3=":443"; ma=60' },
    );
    expect(got).toBe(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\nx-a: 1\r\nx-a: 2\r\n' +
        `set-cookie: a=1\r\nset-cookie: b=2\r\nalt-svc: h3=":443"; ma=60\r\n${keepAlive}\r\nhello`,
    );
  });

  it("keeps the response's own Alt-Svc and appends Content-Length after it", async () => {
    const got = await raw(
      () => ({ status: 200, headers: { 'alt-svc': 'clear', etag: '"e"' }, body: Buffer.from('ab') }),
      false,
      { altSvc: 'h3=":443"' },
    );
    expect(got).toBe(
      `HTTP/1.1 200 OK\r\nalt-svc: clear\r\netag: "e"\r\ncontent-length: 2\r\n${keepAlive}\r\nab`,
    );
  });

  it('rewrites Connection to close in place and adds Content-Length: 0 to an empty body', async () => {
    const got = await raw(
      () => ({ status: 200, headers: { connection: 'keep-alive', 'x-y': 'z' }, body: undefined }),
      true,
    );
    expect(got).toBe('HTTP/1.1 200 OK\r\nconnection: close\r\nx-y: z\r\ncontent-length: 0\r\n\r\n');
  });

  it("keeps an origin's 503 on a kept-alive connection and keeps a set Content-Length of an empty body", async () => {
    const got = await raw(
      () => ({ status: 503, headers: { 'content-length': '0' }, body: undefined }),
      false,
    );
    expect(got).toBe(`HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n${keepAlive}\r\n`);
  });

  it("drops a 204's Content-Length (RFC 9110 §8.6)", async () => {
    const got = await raw(
      () => ({ status: 204, headers: { 'content-length': '5', x: '1' }, body: undefined }),
      false,
    );
    expect(got).toBe(`HTTP/1.1 204 No Content\r\nx: 1\r\n${keepAlive}\r\n`);
  });

  it('adds no Content-Length to a 304', async () => {
    const got = await raw(() => ({ status: 304, headers: { etag: '"a"' }, body: undefined }), false);
    expect(got).toBe(`HTTP/1.1 304 Not Modified\r\netag: "a"\r\n${keepAlive}\r\n`);
  });

  it('sends the Content-Length of a buffered body but no body to HEAD', async () => {
    const got = await raw(
      () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from('hello') }),
      false,
      {},
      'HEAD',
    );
    expect(got).toBe(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n${keepAlive}\r\n`);
  });

  it('answers 500 when node refuses a field value', async () => {
    const got = await raw(
      () => ({ status: 200, headers: { 'x-bad': 'a\nb' }, body: Buffer.from('hello') }),
      false,
    );
    expect(got).toBe(
      'HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\n' +
        'content-length: 26\r\nconnection: close\r\n\r\n500 Internal Server Error\n',
    );
  });
});
