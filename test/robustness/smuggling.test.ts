/**
 * Malformed and smuggling-shaped HTTP/1.1 on a running proxy with the built-in modules: each request gets
 * one clear answer with `Connection: close`, the origin never sees a request in a desynchronised form (no
 * smuggled `/smuggled` request, ever), and the proxy keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  get,
  type Origin,
  parseResponses,
  type Running,
  rawExchange,
  robustConfig,
  startOrigin,
  startProxy,
} from './harness.js';

/** The request an attacker tries to sneak past the proxy inside the first one's framing. */
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n';

let origin: Origin;
let proxy: Running;

beforeAll(async () => {
  origin = await startOrigin();
  proxy = await startProxy(robustConfig({ backend_addr: origin.addr }));
});

afterAll(async () => {
  await proxy?.app.shutdown();
  await origin?.close();
});

interface RefusedCase {
  readonly name: string;
  readonly data: string;
  readonly status: number;
}

const refused: RefusedCase[] = [
  {
    name: 'Content-Length and Transfer-Encoding together',
    data: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
    status: 400,
  },
  {
    name: 'two different Content-Length fields',
    data: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc${SMUGGLED}`,
    status: 400,
  },
  {
    name: 'a Content-Length list with different values',
    data: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 40\r\n\r\nabc${SMUGGLED}`,
    status: 400,
  },
  {
    name: 'a signed Content-Length',
    data: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc${SMUGGLED}`,
    status: 400,
  },
  {
    name: 'Transfer-Encoding: chunked, identity (chunked not last)',
    data: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${SMUGGLED}`,
    status: 400,
  },
  {
    name: 'two Transfer-Encoding fields, the last not chunked',
    data: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${SMUGGLED}`,
    status: 400,
  },
  {
    name: 'whitespace before the colon (Transfer-Encoding : chunked)',
    data: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
    status: 400,
  },
  // RFC 9112 §6.1: a coding the proxy does not decode is 501; forwarded de-chunked without it, the body
  // would reach the origin still gzip-coded and unlabelled.
  {
    name: 'a transfer coding before chunked (gzip, chunked)',
    data: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    status: 501,
  },
  {
    name: 'two Transfer-Encoding lines, gzip then chunked',
    data: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    status: 501,
  },
  {
    name: 'an unknown transfer coding (xchunked)',
    data: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
    status: 400,
  },
  {
    name: 'a chunk size that is not hex (zz)',
    data: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    status: 400,
  },
  {
    name: 'a chunk size that overflows 64 bits',
    data: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff1\r\nhello\r\n0\r\n\r\n',
    status: 400,
  },
  {
    name: 'a bare LF inside a chunk extension',
    data: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a\nb\r\nhello\r\n0\r\n\r\n${SMUGGLED}`,
    status: 400,
  },
  {
    name: 'a 20 KB chunk extension',
    data: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;${'e'.repeat(20_000)}\r\nhello\r\n0\r\n\r\n`,
    status: 400,
  },
  { name: 'bare LF line endings', data: `GET / HTTP/1.1\nHost: a\n\n${SMUGGLED}`, status: 400 },
  {
    name: 'a bare LF ending one header line',
    data: `GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n${SMUGGLED}`,
    status: 400,
  },
  { name: 'NUL in the request line', data: `GET /a\x00b HTTP/1.1\r\nHost: a\r\n\r\n`, status: 400 },
  { name: 'NUL in a header value', data: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x00b\r\n\r\n', status: 400 },
  {
    name: 'a control character in a header value',
    data: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x01b\r\n\r\n',
    status: 400,
  },
  {
    name: 'a bare CR in a header value',
    data: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n',
    status: 400,
  },
  {
    name: 'an obs-fold continuation line',
    data: `GET / HTTP/1.1\r\nHost: a\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n${SMUGGLED}`,
    status: 400,
  },
  { name: 'an invalid method token', data: 'G(T / HTTP/1.1\r\nHost: a\r\n\r\n', status: 400 },
  { name: 'an HTTP/1.1 request without Host', data: 'GET / HTTP/1.1\r\n\r\n', status: 400 },
  { name: 'CONNECT (no tunnels here)', data: 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', status: 501 },
  // RFC 9112 §3.2 / RFC 3986: the Host value is host[:port]; with a path, query or userinfo in it, one
  // request could name another URI's cache entry (Host: site/a + /b keyed like site/a/b).
  { name: 'a Host with a path', data: 'GET /b HTTP/1.1\r\nHost: victim.example/a\r\n\r\n', status: 400 },
  { name: 'a Host with a query', data: 'GET /b HTTP/1.1\r\nHost: victim.example?a\r\n\r\n', status: 400 },
  { name: 'a Host with userinfo', data: 'GET / HTTP/1.1\r\nHost: user@victim.example\r\n\r\n', status: 400 },
  { name: 'a Host with a space', data: 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', status: 400 },
  {
    name: 'a Host with a path on a request node:http reads (chunked body)',
    data: 'POST /b HTTP/1.1\r\nHost: victim.example/a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    status: 400,
  },
  // Regression: node keeps only the first Host, so the pipeline and the backend could disagree on it.
  { name: 'two Host fields', data: 'GET / HTTP/1.1\r\nHost: a\r\nHost: evil\r\n\r\n', status: 400 },
  // Regression: HTTP/0.9 was forwarded (with the backend's address as Host).
  { name: 'an HTTP/0.9 request line', data: 'GET /\r\n\r\n', status: 505 },
  // Regression: taken for an HTTP/2 stream, it threw in the request handler and took the process down.
  {
    name: 'an HTTP/2.0 request line on the HTTP/1.1 port',
    data: `GET / HTTP/2.0\r\nHost: a\r\n\r\n${SMUGGLED}`,
    status: 505,
  },
  { name: 'an HTTP/3.0 request line', data: 'GET / HTTP/3.0\r\nHost: a\r\n\r\n', status: 400 },
];

describe('smuggling-shaped and malformed requests', () => {
  for (const c of refused) {
    it(`${c.name}: ${c.status}, Connection: close, nothing reaches the origin`, async () => {
      const before = origin.seen.length;
      const r = await rawExchange(proxy.port, c.data);
      const responses = parseResponses(r.text);
      expect(responses.map((x) => x.status)).toEqual([c.status]);
      const [answer] = responses;
      expect(answer?.headers.connection).toBe('close');
      expect(answer?.headers.date).toMatch(/ GMT$/);
      expect(answer?.headers['content-length']).toBe(String(answer?.body.length));
      expect(answer?.body).toMatch(new RegExp(`^${c.status} `));
      expect(r.closed).toBe(true);
      expect(origin.seen.length).toBe(before);
      expect(origin.raw()).not.toContain('/smuggled');
      const next = await get(proxy.port, '/after');
      expect(next.status).toBe(200);
      expect(next.body).toBe('origin GET /after');
    });
  }
});

describe('legitimate but unusual framing reaches the origin exactly once', () => {
  it('a chunk extension is accepted and the body forwarded', async () => {
    const before = origin.seen.length;
    const r = await rawExchange(
      proxy.port,
      'POST /ext HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;name=val\r\nhello\r\n0\r\n\r\n',
    );
    expect(parseResponses(r.text).map((x) => x.status)).toEqual([200]);
    expect(origin.seen.slice(before).map((s) => `${s.method} ${s.url} ${s.body}`)).toEqual([
      'POST /ext hello',
    ]);
  });

  it('an absolute-form target is forwarded in origin-form', async () => {
    const before = origin.seen.length;
    const r = await rawExchange(
      proxy.port,
      'GET http://elsewhere.example/abs?q=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    expect(parseResponses(r.text).map((x) => `${x.status} ${x.body}`)).toEqual(['200 origin GET /abs?q=1']);
    expect(origin.seen.slice(before).map((s) => s.url)).toEqual(['/abs?q=1']);
    expect(origin.raw()).not.toContain('GET http://elsewhere.example');
  });

  it('an absolute-form target replaces Host upstream (RFC 9112 §3.2.2), so it cannot poison another host', async () => {
    const before = origin.seen.length;
    const r = await rawExchange(
      proxy.port,
      'GET http://victim.example/abs-host HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
    );
    expect(parseResponses(r.text).map((x) => x.status)).toEqual([200]);
    const seen = origin.seen.slice(before);
    expect(seen.map((s) => [s.url, s.headers.host, s.headers['x-forwarded-host']])).toEqual([
      ['/abs-host', 'victim.example', 'victim.example'],
    ]);
  });

  it('a GET whose body looks like a request: the body stays a body, the origin sees one GET', async () => {
    const before = origin.seen.length;
    const r = await rawExchange(
      proxy.port,
      `GET /get-body HTTP/1.1\r\nHost: a\r\nContent-Length: ${SMUGGLED.length}\r\nConnection: close\r\n\r\n${SMUGGLED}`,
    );
    expect(parseResponses(r.text).map((x) => `${x.status} ${x.body}`)).toEqual(['200 origin GET /get-body']);
    const seen = origin.seen.slice(before);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /get-body']);
    expect(seen[0]?.body).toBe(SMUGGLED);
  });

  it('an empty Host and an IPv6 literal with a port are valid Host values', async () => {
    for (const host of ['', '[::1]:8080', 'Example.COM:80']) {
      const r = await rawExchange(
        proxy.port,
        `GET /host-ok HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect(
        parseResponses(r.text).map((x) => x.status),
        host,
      ).toEqual([200]);
    }
  });

  it('bytes after an HTTP/1.0 request are ignored: its answer comes whole, then the close (RFC 9112 §9.6)', async () => {
    const r = await rawExchange(proxy.port, 'GET /ten0 HTTP/1.0\r\nHost: a\r\n\r\nNOT HTTP AT ALL\r\n\r\n');
    expect(parseResponses(r.text).map((x) => `${x.status} ${x.body}`)).toEqual(['200 origin GET /ten0']);
    expect(r.closed).toBe(true);
  });

  it('garbage pipelined after requests node:http reads: their answers first, in order, then 400', async () => {
    const r = await rawExchange(
      proxy.port,
      'POST /first-of-two HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /second-of-two HTTP/1.1\r\nHost: a\r\n\r\nG(T / HTTP/1.1\r\n\r\n',
    );
    expect(parseResponses(r.text).map((x) => x.status)).toEqual([200, 200, 400]);
    expect(parseResponses(r.text)[1]?.body).toBe('origin GET /second-of-two');
    expect(r.closed).toBe(true);
  });

  it('HTTP/1.0 is answered and closed', async () => {
    const r = await rawExchange(proxy.port, 'GET /ten HTTP/1.0\r\nHost: a\r\n\r\n');
    const responses = parseResponses(r.text);
    expect(responses.map((x) => `${x.status} ${x.body}`)).toEqual(['200 origin GET /ten']);
    expect(r.closed).toBe(true);
  });

  it('an empty chunked body followed by a pipelined request: two requests, two answers, in order', async () => {
    const before = origin.seen.length;
    const r = await rawExchange(
      proxy.port,
      'POST /first HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    expect(parseResponses(r.text).map((x) => `${x.status} ${x.body}`)).toEqual([
      '200 origin POST /first',
      '200 origin GET /second',
    ]);
    expect(
      origin.seen
        .slice(before)
        .map((s) => s.url)
        .sort(),
    ).toEqual(['/first', '/second']);
  });
});
