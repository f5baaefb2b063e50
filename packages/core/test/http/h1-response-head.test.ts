/**
 * The fast lane's response-head serialiser: status line, field validation, framing (Content-Length,
 * chunked), Date and Connection — checked field by field and against what node:http sends for the same
 * response through writeResponse.
 */

import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidHead, serializeHead } from '../../src/http/h1-response-head.js';
import { errorResponse } from '../../src/pipeline/error-response.js';
import type { ResponseState } from '../../src/pipeline/host.js';
import { writeResponse } from '../../src/pipeline/write-response.js';
import { closeServerAfterEach, getExchange } from '../pipeline/exchange-fixtures.js';

const keepAlive = 'connection: keep-alive\r\nkeep-alive: timeout=5\r\n';

/** The head for `r` on a GET, kept alive, without its Date line. */
function text(r: ResponseState, isHead = false, close = false, altSvc?: string): string {
  return withoutDate(serializeHead(r, isHead, close, altSvc, 5).text);
}

function withoutDate(t: string): string {
  return t.replace(/\r\ndate: [^\r]*/i, '');
}

function stream(): Readable {
  return Readable.from(['a']);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('serializeHead: status line', () => {
  it.each([
    [200, 'HTTP/1.1 200 OK\r\n'],
    [404, 'HTTP/1.1 404 Not Found\r\n'],
    [418, "HTTP/1.1 418 I'm a Teapot\r\n"],
    [299, 'HTTP/1.1 299 unknown\r\n'],
    [999, 'HTTP/1.1 999 unknown\r\n'],
    [100, 'HTTP/1.1 100 Continue\r\n'],
  ])('%i', (status, line) => {
    expect(serializeHead({ status, headers: {}, body: undefined }, false, false, undefined, 5).text).toMatch(
      new RegExp(`^${line.replace(/[()]/g, '\\$&')}`),
    );
  });

  it.each([99, 1000, 0, -200, 200.5, Number.NaN])('refuses status %s', (status) => {
    expect(() => serializeHead({ status, headers: {}, body: undefined }, false, false, undefined, 5)).toThrow(
      InvalidHead,
    );
  });
});

describe('serializeHead: fields', () => {
  it('writes fields in order, repeats list values, skips undefined ones', () => {
    expect(
      text({
        status: 200,
        headers: {
          'content-type': 'text/plain',
          gone: undefined,
          'x-a': ['1', '2'],
          'set-cookie': ['a=1', 'b=2'],
          'x-tab': 'a\tb',
          'x-obs': 'caf\xe9',
        },
        body: Buffer.from('hello'),
      }),
    ).toBe(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-a: 1\r\nx-a: 2\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n' +
        `x-tab: a\tb\r\nx-obs: caf\xe9\r\ncontent-length: 5\r\n${keepAlive}\r\n`,
    );
  });

  it.each([
    ['a name with a space', { 'x y': 'v' }],
    ['a name with a colon', { 'x:y': 'v' }],
    ['an empty name', { '': 'v' }],
    ['a non-ASCII name', { 'caf\xe9': 'v' }],
    ['a value with CRLF', { x: 'a\r\nb: c' }],
    ['a value with LF', { x: 'a\nb' }],
    ['a value with NUL', { x: 'a\0b' }],
    ['a value with DEL', { x: 'a\x7fb' }],
    ['a value above 0xff', { x: '\u20ac' }],
    ['a bad value in a list', { x: ['ok', 'a\rb'] }],
    ['a bad Connection value', { connection: 'keep-alive\r\nx: y' }],
    ['a bad Content-Length on a stream', { 'content-length': '1\r\nx: y' }],
  ])('refuses %s', (_name, headers) => {
    const body = 'content-length' in headers ? stream() : undefined;
    expect(() => serializeHead({ status: 200, headers, body }, false, false, undefined, 5)).toThrow(
      InvalidHead,
    );
  });

  // The lane rethrows anything but InvalidHead from inside the pipeline's callback (an uncaught exception
  // or unhandled rejection), where writeResponse answers 500 for any refusal: a value outside the type
  // (a number from a careless stdlib function) must be written like node:http does, or be InvalidHead.
  it('a non-string value (a number) is written or refused as InvalidHead, never a TypeError', () => {
    let err: unknown;
    let out = '';
    try {
      out = serializeHead(
        { status: 200, headers: { 'x-n': 5 as unknown as string }, body: undefined },
        false,
        false,
        undefined,
        5,
      ).text;
    } catch (e) {
      err = e;
    }
    if (err === undefined) expect(out).toContain('\r\nx-n: 5\r\n');
    else expect(err).toBeInstanceOf(InvalidHead);
  });

  it('appends Alt-Svc unless the response has its own', () => {
    expect(
      text({ status: 200, headers: { etag: '"e"' }, body: Buffer.from('ab') }, false, false, 'h3=":443"'),
    ).toBe(`HTTP/1.1 200 OK\r\netag: "e"\r\nalt-svc: h3=":443"\r\ncontent-length: 2\r\n${keepAlive}\r\n`);
    expect(
      text(
        { status: 200, headers: { 'alt-svc': 'clear' }, body: Buffer.from('ab') },
        false,
        false,
        'h3=":443"',
      ),
    ).toBe(`HTTP/1.1 200 OK\r\nalt-svc: clear\r\ncontent-length: 2\r\n${keepAlive}\r\n`);
  });

  it('advertises the keep-alive time given', () => {
    expect(
      serializeHead({ status: 200, headers: {}, body: undefined }, false, false, undefined, 75).text,
    ).toContain('\r\nconnection: keep-alive\r\nkeep-alive: timeout=75\r\n\r\n');
  });
});

describe('serializeHead: Date', () => {
  it('adds the current Date (IMF-fixdate) when the response has none', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-03-05T07:08:09.500Z'));
    const h = serializeHead({ status: 200, headers: {}, body: undefined }, false, false, undefined, 5);
    expect(h.text).toBe(
      `HTTP/1.1 200 OK\r\ncontent-length: 0\r\ndate: Tue, 05 Mar 2024 07:08:09 GMT\r\n${keepAlive}\r\n`,
    );
    vi.setSystemTime(new Date('2024-03-05T07:08:10.000Z'));
    expect(
      serializeHead({ status: 200, headers: {}, body: undefined }, false, false, undefined, 5).text,
    ).toContain('\r\ndate: Tue, 05 Mar 2024 07:08:10 GMT\r\n');
  });

  it("keeps the response's own Date and adds none", () => {
    const t = serializeHead(
      { status: 200, headers: { date: 'Mon, 01 Jan 2024 00:00:00 GMT' }, body: undefined },
      false,
      false,
      undefined,
      5,
    ).text;
    expect(t.match(/date:/gi)).toHaveLength(1);
    expect(t).toContain('\r\ndate: Mon, 01 Jan 2024 00:00:00 GMT\r\n');
  });
});

describe('serializeHead: framing', () => {
  it("a buffer body's length overwrites the response's Content-Length, in place", () => {
    const h = serializeHead(
      { status: 200, headers: { a: '1', 'content-length': '999', b: '2' }, body: Buffer.from('hello') },
      false,
      false,
      undefined,
      5,
    );
    expect(withoutDate(h.text)).toBe(
      `HTTP/1.1 200 OK\r\na: 1\r\ncontent-length: 5\r\nb: 2\r\n${keepAlive}\r\n`,
    );
    expect(h).toMatchObject({ chunked: false, hasBody: true, close: false });
  });

  it('an empty buffer is Content-Length: 0', () => {
    expect(text({ status: 200, headers: {}, body: Buffer.alloc(0) })).toBe(
      `HTTP/1.1 200 OK\r\ncontent-length: 0\r\n${keepAlive}\r\n`,
    );
  });

  it("no body: Content-Length: 0 unless the response set one (then it's kept)", () => {
    expect(text({ status: 200, headers: {}, body: undefined })).toBe(
      `HTTP/1.1 200 OK\r\ncontent-length: 0\r\n${keepAlive}\r\n`,
    );
    expect(text({ status: 200, headers: { 'content-length': '7' }, body: undefined })).toBe(
      `HTTP/1.1 200 OK\r\ncontent-length: 7\r\n${keepAlive}\r\n`,
    );
  });

  it('a stream without a length is chunked; its own Transfer-Encoding is dropped', () => {
    const h = serializeHead(
      { status: 200, headers: { 'transfer-encoding': 'gzip, chunked', x: '1' }, body: stream() },
      false,
      false,
      undefined,
      5,
    );
    expect(withoutDate(h.text)).toBe(
      `HTTP/1.1 200 OK\r\nx: 1\r\ntransfer-encoding: chunked\r\n${keepAlive}\r\n`,
    );
    expect(h).toMatchObject({ chunked: true, hasBody: true, close: false });
  });

  it('a stream with a Content-Length is sent as is, not chunked', () => {
    const h = serializeHead(
      { status: 200, headers: { 'content-length': '3' }, body: new PassThrough() },
      false,
      false,
      undefined,
      5,
    );
    expect(withoutDate(h.text)).toBe(`HTTP/1.1 200 OK\r\ncontent-length: 3\r\n${keepAlive}\r\n`);
    expect(h).toMatchObject({ chunked: false, hasBody: true });
  });

  describe('HEAD', () => {
    it("announces a buffer's length, with no body", () => {
      const h = serializeHead(
        { status: 200, headers: {}, body: Buffer.from('hello') },
        true,
        false,
        undefined,
        5,
      );
      expect(withoutDate(h.text)).toBe(`HTTP/1.1 200 OK\r\ncontent-length: 5\r\n${keepAlive}\r\n`);
      expect(h).toMatchObject({ chunked: false, hasBody: false });
    });

    it("keeps a stream's Content-Length; without one, neither a length nor chunked", () => {
      const withLength = serializeHead(
        { status: 200, headers: { 'content-length': '42' }, body: stream() },
        true,
        false,
        undefined,
        5,
      );
      expect(withoutDate(withLength.text)).toBe(`HTTP/1.1 200 OK\r\ncontent-length: 42\r\n${keepAlive}\r\n`);
      const without = serializeHead({ status: 200, headers: {}, body: stream() }, true, false, undefined, 5);
      expect(withoutDate(without.text)).toBe(`HTTP/1.1 200 OK\r\n${keepAlive}\r\n`);
      expect(without).toMatchObject({ chunked: false, hasBody: false });
    });

    it('no body: Content-Length: 0', () => {
      expect(text({ status: 200, headers: {}, body: undefined }, true)).toBe(
        `HTTP/1.1 200 OK\r\ncontent-length: 0\r\n${keepAlive}\r\n`,
      );
    });
  });

  it.each([204, 304, 103])('%i has no body and gets no Content-Length nor chunked', (status) => {
    for (const body of [undefined, Buffer.from('x'), stream()]) {
      const h = serializeHead({ status, headers: {}, body }, false, false, undefined, 5);
      expect(h.text).not.toMatch(/content-length|transfer-encoding/);
      expect(h).toMatchObject({ chunked: false, hasBody: false });
    }
  });

  it("304 keeps the origin's Content-Length", () => {
    expect(text({ status: 304, headers: { etag: '"e"', 'content-length': '10' }, body: undefined })).toBe(
      `HTTP/1.1 304 Not Modified\r\netag: "e"\r\ncontent-length: 10\r\n${keepAlive}\r\n`,
    );
  });
});

describe('serializeHead: Content-Length on bodiless statuses', () => {
  it("drops a 204's Content-Length and keeps a 304's (RFC 9110 §8.6)", () => {
    const h204 = serializeHead(
      { status: 204, headers: { 'content-length': '5' }, body: undefined },
      false,
      false,
      undefined,
      5,
    );
    expect(h204.text).not.toContain('content-length');
    const h304 = serializeHead(
      { status: 304, headers: { 'content-length': '5' }, body: undefined },
      false,
      false,
      undefined,
      5,
    );
    expect(h304.text).toContain('\r\ncontent-length: 5\r\n');
  });
});

describe('serializeHead: Connection', () => {
  it('close asks for Connection: close and no Keep-Alive', () => {
    const h = serializeHead({ status: 200, headers: {}, body: undefined }, false, true, undefined, 5);
    expect(withoutDate(h.text)).toBe('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    expect(h.close).toBe(true);
  });

  it.each([400, 408, 413, 429, 431, 500, 502, 503, 504])("the proxy's own %i closes", (status) => {
    const h = serializeHead(errorResponse(status), false, false, undefined, 5);
    expect(h.close).toBe(true);
    expect(h.text).toContain('\r\nconnection: close\r\n');
    expect(h.text).not.toContain('keep-alive');
  });

  it.each([400, 429, 500, 503])(
    "an origin's or a module's %i keeps the connection (as nginx does)",
    (status) => {
      const h = serializeHead({ status, headers: {}, body: undefined }, false, false, undefined, 5);
      expect(h.close).toBe(false);
      expect(h.text).toContain('\r\nconnection: keep-alive\r\n');
    },
  );

  it("a response's Connection: close closes, written once, in place, as close", () => {
    const h = serializeHead(
      { status: 200, headers: { connection: 'Close', x: '1' }, body: undefined },
      false,
      false,
      undefined,
      5,
    );
    expect(withoutDate(h.text)).toBe(
      'HTTP/1.1 200 OK\r\nconnection: close\r\nx: 1\r\ncontent-length: 0\r\n\r\n',
    );
    expect(h.close).toBe(true);
  });

  it("a response's Connection: keep-alive is kept, or replaced by close when closing", () => {
    const open = serializeHead(
      { status: 200, headers: { connection: 'keep-alive' }, body: undefined },
      false,
      false,
      undefined,
      5,
    );
    expect(withoutDate(open.text)).toBe(
      'HTTP/1.1 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n',
    );
    expect(open.close).toBe(false);
    const closing = serializeHead(
      { status: 200, headers: { connection: 'keep-alive' }, body: undefined },
      false,
      true,
      undefined,
      5,
    );
    expect(withoutDate(closing.text)).toBe(
      'HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
    );
    expect(closing.close).toBe(true);
  });
});

/** The same responses through node:http (writeResponse), compared as sets of fields. */
describe('serializeHead agrees with node:http', () => {
  const track = closeServerAfterEach();

  async function nodeHead(r: () => ResponseState, close: boolean, method: string): Promise<string> {
    const s = createServer((_req, res) =>
      writeResponse(res, getExchange('/', r()), close, { altSvc: 'h3=":1"' }),
    );
    s.keepAliveTimeout = 5000;
    track(s);
    await new Promise<void>((ok) => s.listen(0, '127.0.0.1', () => ok()));
    const port = (s.address() as AddressInfo).port;
    return new Promise((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => sock.write(`${method} / HTTP/1.1\r\nHost: h\r\n\r\n`));
      let got = '';
      sock.setEncoding('latin1');
      sock.on('data', (d: string) => {
        got += d;
        const end = got.indexOf('\r\n\r\n');
        if (end >= 0) {
          sock.destroy();
          resolve(got.slice(0, end + 4));
        }
      });
      sock.on('error', reject);
    });
  }

  /** Status line, then the fields lower-cased and sorted, without Date. */
  function normalised(t: string): string[] {
    const lines = t.split('\r\n').filter((l) => l !== '');
    const [status, ...fields] = lines;
    return [
      status as string,
      ...fields
        .map((l) => {
          const c = l.indexOf(':');
          return `${l.slice(0, c).toLowerCase()}:${l.slice(c + 1).trim()}`;
        })
        .filter((l) => !l.startsWith('date:'))
        .sort(),
    ];
  }

  const cases: Array<[string, () => ResponseState, boolean, string]> = [
    [
      'a buffer',
      () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from('hi') }),
      false,
      'GET',
    ],
    [
      'a wrong Content-Length on a buffer',
      () => ({ status: 200, headers: { 'content-length': '9' }, body: Buffer.from('hi') }),
      false,
      'GET',
    ],
    ['no body', () => ({ status: 200, headers: {}, body: undefined }), false, 'GET'],
    ['a stream', () => ({ status: 200, headers: { x: '1' }, body: stream() }), false, 'GET'],
    [
      'a stream with a length',
      () => ({ status: 200, headers: { 'content-length': '1' }, body: stream() }),
      false,
      'GET',
    ],
    ['HEAD of a buffer', () => ({ status: 200, headers: {}, body: Buffer.from('hello') }), false, 'HEAD'],
    ['HEAD of a stream', () => ({ status: 200, headers: {}, body: stream() }), false, 'HEAD'],
    ['204', () => ({ status: 204, headers: {}, body: undefined }), false, 'GET'],
    ['304', () => ({ status: 304, headers: { etag: '"e"' }, body: undefined }), false, 'GET'],
    ['a closing status', () => ({ status: 503, headers: {}, body: Buffer.from('x') }), false, 'GET'],
    ['draining', () => ({ status: 200, headers: {}, body: Buffer.from('x') }), true, 'GET'],
    [
      'a list value',
      () => ({ status: 200, headers: { 'set-cookie': ['a=1', 'b=2'] }, body: undefined }),
      false,
      'GET',
    ],
    [
      'a Connection: close from the module',
      () => ({ status: 200, headers: { connection: 'close' }, body: undefined }),
      false,
      'GET',
    ],
  ];

  it.each(cases)('%s', async (_name, r, close, method) => {
    const node = await nodeHead(r, close, method);
    const lane = serializeHead(r(), method === 'HEAD', close, 'h3=":1"', 5).text;
    expect(normalised(lane)).toEqual(normalised(node));
  });
});
