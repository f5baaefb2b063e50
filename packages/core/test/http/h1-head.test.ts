/**
 * The fast lane's request-head recogniser: what it accepts, what it leaves to node:http, and that the
 * headers it builds are the ones node:http builds for the same bytes.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSimpleHead } from '../../src/http/h1-head.js';

/** A head as the lane passes it: the bytes before the blank line, without it. */
function head(requestLine: string, ...fields: string[]): string {
  return [requestLine, ...fields].join('\r\n');
}

describe('parseSimpleHead: accepted heads', () => {
  it('a minimal GET', () => {
    expect(parseSimpleHead(head('GET / HTTP/1.1', 'Host: a'))).toEqual({
      method: 'GET',
      url: '/',
      headers: { host: 'a' },
      close: false,
      contentLength: 0,
    });
  });

  it('a single plain Content-Length gives the body length', () => {
    expect(parseSimpleHead(head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 5'))?.contentLength).toBe(5);
    expect(parseSimpleHead(head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 00'))?.contentLength).toBe(0);
  });

  it('lower-cases names, trims OWS (spaces and tabs) and keeps empty values', () => {
    const h = parseSimpleHead(
      head('GET /p?q=1 HTTP/1.1', 'HOST: a', 'X-Sp: \t v w \t', 'X-Empty:', 'X-Tight:v'),
    );
    expect(h?.url).toBe('/p?q=1');
    expect(h?.headers).toEqual({ host: 'a', 'x-sp': 'v w', 'x-empty': '', 'x-tight': 'v' });
  });

  it('keeps obs-text (bytes 0x80-0xff) in values, as latin1 characters', () => {
    expect(parseSimpleHead(head('GET / HTTP/1.1', 'Host: a', 'X: caf\xe9\xff'))?.headers.x).toBe(
      'caf\xe9\xff',
    );
  });

  it.each([
    ['HEAD / HTTP/1.1'],
    ['DELETE /x HTTP/1.1'],
    ['OPTIONS * HTTP/1.1'],
    ['GET http://example.com/a?b HTTP/1.1'],
    ["GET /a%20b;c=d@e!$&'()*+,[]~ HTTP/1.1"],
    ['GET /a#frag HTTP/1.1'],
  ])('%s', (line) => {
    const h = parseSimpleHead(head(line, 'Host: a'));
    expect(h?.method).toBe(line.slice(0, line.indexOf(' ')));
    expect(h?.url).toBe(line.slice(line.indexOf(' ') + 1, line.lastIndexOf(' ')));
  });

  it('accepts Content-Length: 0 (with OWS)', () => {
    expect(parseSimpleHead(head('POST / HTTP/1.1', 'Host: a', 'Content-Length:  0 '))?.headers).toEqual({
      host: 'a',
      'content-length': '0',
    });
  });

  it('detects Connection: close as a token, case-insensitively, on any Connection line', () => {
    expect(parseSimpleHead(head('GET / HTTP/1.1', 'Host: a', 'Connection: close'))?.close).toBe(true);
    expect(parseSimpleHead(head('GET / HTTP/1.1', 'Host: a', 'Connection: Keep-Alive, CLOSE'))?.close).toBe(
      true,
    );
    expect(
      parseSimpleHead(head('GET / HTTP/1.1', 'Host: a', 'Connection: keep-alive', 'connection: close'))
        ?.close,
    ).toBe(true);
    expect(parseSimpleHead(head('GET / HTTP/1.1', 'Host: a', 'Connection: keep-alive'))?.close).toBe(false);
    expect(parseSimpleHead(head('GET / HTTP/1.1', 'Host: a', 'Connection: closed'))?.close).toBe(false);
  });
});

describe('parseSimpleHead: heads left to node:http', () => {
  it.each([
    ['HTTP/1.0', head('GET / HTTP/1.0', 'Host: a')],
    ['HTTP/2.0 version', head('GET / HTTP/2.0', 'Host: a')],
    ['lower-case version', head('GET / http/1.1', 'Host: a')],
    ['no version', head('GET /', 'Host: a')],
    ['two spaces before the target', head('GET  / HTTP/1.1', 'Host: a')],
    ['two spaces before the version', head('GET /  HTTP/1.1', 'Host: a')],
    ['a space in the target', head('GET /a b HTTP/1.1', 'Host: a')],
    ['trailing space after the version', head('GET / HTTP/1.1 ', 'Host: a')],
    ['empty method', head(' / HTTP/1.1', 'Host: a')],
    ['CONNECT', head('CONNECT a:443 HTTP/1.1', 'Host: a:443')],
    ['PRI (the HTTP/2 preface)', head('PRI * HTTP/1.1', 'Host: a')],
    ['a method with a non-token character', head('GE(T / HTTP/1.1', 'Host: a')],
    ['a target with a quote', head('GET /"a" HTTP/1.1', 'Host: a')],
    ['a target with a backslash', head('GET /a\\b HTTP/1.1', 'Host: a')],
    ['a target with {}', head('GET /{a} HTTP/1.1', 'Host: a')],
    ['a target with a non-ASCII byte', head('GET /caf\xe9 HTTP/1.1', 'Host: a')],
    ['a target with DEL', head('GET /\x7f HTTP/1.1', 'Host: a')],
    ['no Host', head('GET / HTTP/1.1', 'X: y')],
    ['no fields at all', 'GET / HTTP/1.1'],
    ['two Host fields', head('GET / HTTP/1.1', 'Host: a', 'Host: b')],
    ['Transfer-Encoding', head('POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked')],
    ['Transfer-Encoding in upper case', head('POST / HTTP/1.1', 'Host: a', 'TRANSFER-ENCODING: chunked')],
    ['a Content-Length of 16 digits', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 1000000000000000')],
    ['a Content-Length list', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 5, 5')],
    ['Content-Length +0', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: +0')],
    ['an empty Content-Length', head('POST / HTTP/1.1', 'Host: a', 'Content-Length:')],
    ['two Content-Length: 0', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 0', 'Content-Length: 0')],
    ['Upgrade', head('GET / HTTP/1.1', 'Host: a', 'Upgrade: websocket')],
    ['Connection: upgrade', head('GET / HTTP/1.1', 'Host: a', 'Connection: keep-alive, Upgrade')],
    ['Expect', head('GET / HTTP/1.1', 'Host: a', 'Expect: 100-continue')],
    ['obs-fold', head('GET / HTTP/1.1', 'Host: a', 'X: a', ' b')],
    ['obs-fold with a tab', head('GET / HTTP/1.1', 'Host: a', 'X: a', '\tb')],
    ['a line without a colon', head('GET / HTTP/1.1', 'Host: a', 'X')],
    ['an empty field name', head('GET / HTTP/1.1', 'Host: a', ': v')],
    ['whitespace before the colon', head('GET / HTTP/1.1', 'Host : a')],
    ['a non-token field name', head('GET / HTTP/1.1', 'Host: a', 'X(y): v')],
    ['a bare LF inside a field line', 'GET / HTTP/1.1\r\nHost: a\nX: y'],
    ['a bare LF ending the request line', 'GET / HTTP/1.1\nHost: a'],
    ['a bare CR in a value', head('GET / HTTP/1.1', 'Host: a', 'X: a\rb')],
    ['NUL in a value', head('GET / HTTP/1.1', 'Host: a', 'X: a\0b')],
    ['a control character in a value', head('GET / HTTP/1.1', 'Host: a', 'X: a\x01b')],
    ['DEL in a value', head('GET / HTTP/1.1', 'Host: a', 'X: a\x7fb')],
    ['a character above 0xff in a value', head('GET / HTTP/1.1', 'Host: a', 'X: \u20ac')],
    ['an empty line before the request line', head('', 'GET / HTTP/1.1', 'Host: a')],
    ['an empty head', ''],
  ])('%s', (_name, text) => {
    expect(parseSimpleHead(text)).toBeUndefined();
  });
});

describe('parseSimpleHead: duplicate fields', () => {
  it('combines like node:http: first wins for its fixed list, set-cookie array, cookie "; ", others ", "', () => {
    const h = parseSimpleHead(
      head(
        'GET / HTTP/1.1',
        'Host: a',
        'X-A: 1',
        'x-a: 2',
        'X-A: 3',
        'Cookie: a=1',
        'cookie: b=2',
        'Set-Cookie: s1',
        'set-cookie: s2',
        'User-Agent: u1',
        'User-Agent: u2',
        'Accept: a',
        'Accept: b',
        'Date: d1',
        'Date: d2',
      ),
    );
    expect(h?.headers).toEqual({
      host: 'a',
      'x-a': '1, 2, 3',
      cookie: 'a=1; b=2',
      'set-cookie': ['s1', 's2'],
      'user-agent': 'u1',
      accept: 'a, b',
      date: 'd1, d2',
    });
  });

  it.each([
    'content-type',
    'user-agent',
    'referer',
    'authorization',
    'proxy-authorization',
    'if-modified-since',
    'if-unmodified-since',
    'from',
    'location',
    'max-forwards',
    'retry-after',
    'etag',
    'last-modified',
    'server',
    'age',
    'expires',
  ])('keeps the first %s', (name) => {
    expect(
      parseSimpleHead(head('GET / HTTP/1.1', 'Host: a', `${name}: 1`, `${name}: 2`))?.headers[name],
    ).toBe('1');
  });

  it('a single set-cookie is an array', () => {
    expect(
      parseSimpleHead(head('GET / HTTP/1.1', 'Host: a', 'Set-Cookie: s'))?.headers['set-cookie'],
    ).toEqual(['s']);
  });
});

/** Differential checks against node:http's own parser on the same bytes. */
describe('parseSimpleHead agrees with node:http', () => {
  let port = 0;
  const server = createServer((req, res) => {
    res.setHeader('connection', 'close');
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
  });

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** Node's status and request view for `text` (a head without the blank line). */
  function nodeView(text: string): Promise<{ status: number; headers?: IncomingHttpHeaders; url?: string }> {
    return new Promise((resolve, reject) => {
      const c = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      c.on('data', (d: Buffer) => chunks.push(d));
      c.on('error', reject);
      c.on('close', () => {
        const raw = Buffer.concat(chunks).toString('latin1');
        const status = Number(raw.slice(9, 12));
        const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
        if (status !== 200) resolve({ status });
        else {
          const seen = JSON.parse(Buffer.from(body, 'latin1').toString('utf8')) as {
            headers: IncomingHttpHeaders;
            url: string;
          };
          resolve({ status, headers: seen.headers, url: seen.url });
        }
      });
      c.end(Buffer.from(`${text}\r\n\r\n`, 'latin1'));
    });
  }

  it('builds the same header record as node:http for duplicates of every kind', async () => {
    const fields = [
      'Host: a',
      'X-A: 1',
      'x-a: 2',
      'Cookie: a=1',
      'cookie: b=2',
      'Set-Cookie: s1',
      'set-cookie: s2',
      'Date: d1',
      'Date: d2',
      'Accept: a',
      'Accept: b',
      'Connection: keep-alive',
      'X-Empty:',
      'X-Sp: \t v \t',
    ];
    for (const name of [
      'Content-Type',
      'User-Agent',
      'Referer',
      'Authorization',
      'Proxy-Authorization',
      'If-Modified-Since',
      'If-Unmodified-Since',
      'From',
      'Location',
      'Max-Forwards',
      'Retry-After',
      'ETag',
      'Last-Modified',
      'Server',
      'Age',
      'Expires',
      'Origin',
      'Pragma',
      'Accept-Encoding',
      'Cache-Control',
      'Via',
      'X-Forwarded-For',
    ])
      fields.push(`${name}: 1`, `${name}: 2`);
    const text = head('GET / HTTP/1.1', ...fields);
    const node = await nodeView(text);
    expect(node.status).toBe(200);
    expect(parseSimpleHead(text)?.headers).toEqual(node.headers);
  });

  // Node's llhttp accepts only the methods it knows, and origin-form, absolute-form or '*' targets: a head
  // it answers 400 must not be served by the fast lane (the lane claims node stays the authority).
  it.each([
    ['an unknown method', 'FOO / HTTP/1.1'],
    ['a lower-case method', 'get / HTTP/1.1'],
    ['a target that is neither origin-, absolute- nor asterisk-form', 'GET a HTTP/1.1'],
    ['a target that is only a query', 'GET ? HTTP/1.1'],
    ['a target "@"', 'GET @ HTTP/1.1'],
    ['a scheme without authority', 'GET http:/x HTTP/1.1'],
  ])('node:http answers 400 to %s, and the lane leaves it to node', async (_name, line) => {
    const text = head(line, 'Host: a');
    expect((await nodeView(text)).status).toBe(400);
    expect(parseSimpleHead(text)).toBeUndefined();
  });

  it.each([
    'GET / HTTP/1.1',
    'GET /a%20b?c=d HTTP/1.1',
    'GET http://a/b HTTP/1.1',
    'OPTIONS * HTTP/1.1',
    'PROPFIND /x HTTP/1.1',
  ])('node:http serves %s with the same url', async (line) => {
    const text = head(line, 'Host: a');
    const node = await nodeView(text);
    expect(node.status).toBe(200);
    expect(parseSimpleHead(text)?.url).toBe(node.url);
  });
});
