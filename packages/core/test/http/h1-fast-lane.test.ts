/**
 * The HTTP/1.1 fast lane over real sockets: a node:http server with the lane attached, a real Pipeline of
 * hand-written stages, and raw clients writing exact bytes and reading exact bytes back.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { TrustedProxies } from '../../src/http/client-ip.js';
import { type FastLaneOptions, H1FastLane } from '../../src/http/h1-fast-lane.js';
import { createRequestHandler, type ServingPipeline } from '../../src/http/request-handler.js';
import type { ProxyExchange } from '../../src/pipeline/exchange.js';
import type { ResponseState } from '../../src/pipeline/host.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';

type Responder = (x: ProxyExchange) => void | Promise<void>;

interface Completion {
  readonly x: ProxyExchange;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

interface NodeRequest {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

interface Harness {
  readonly server: Server;
  readonly port: number;
  readonly lane: H1FastLane;
  readonly completions: Completion[];
  /** Requests node:http's own handler answered. */
  readonly nodeRequests: NodeRequest[];
  /** Exchanges the pipeline ran (the lane's). */
  readonly served: ProxyExchange[];
  /** Requests entered and not yet left on the serving pipeline. */
  inflight(): number;
  draining: boolean;
  readonly hookErrors: unknown[];
}

interface HarnessOptions {
  keepAliveMs?: number;
  clientTimeoutMs?: number;
  maxBodySize?: number;
  maxHeaderSize?: number;
  /** node:http's request handler: createRequestHandler with the lane's options instead of a recorder. */
  nodeIsProxyHandler?: boolean;
  /** No lane: node:http and createRequestHandler alone (the path the lane mirrors, for comparison). */
  noLane?: boolean;
  altSvc?: string;
  /** onComplete throws after recording; hook errors are collected in `hookErrors`. */
  throwingOnComplete?: boolean;
}

const servers: Server[] = [];
const clients: Socket[] = [];
/** Server-side sockets: closeAllConnections() knows only those node:http was given. */
const accepted: Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const c of accepted.splice(0)) c.destroy();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 5 ms for up to `ms`. */
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for a condition');
    await sleep(5);
  }
}

/** A node:http server on 127.0.0.1:0 with the lane in front of it, serving `respond`. */
async function start(respond: Responder, o: HarnessOptions = {}): Promise<Harness> {
  const completions: Completion[] = [];
  const nodeRequests: NodeRequest[] = [];
  const served: ProxyExchange[] = [];
  const hookErrors: unknown[] = [];
  let inflight = 0;
  const pipeline = new Pipeline(
    [
      {
        name: 'responder',
        file: '/mods/responder.pcmod',
        priority: 0,
        sourceMap: undefined,
        instance: {
          onRequest: (x) => {
            served.push(x as ProxyExchange);
            return respond(x as ProxyExchange);
          },
        },
      },
    ],
    () => {},
  );
  const serving: ServingPipeline = {
    pipeline,
    maxBodySize: o.maxBodySize ?? 1024 * 1024,
    trustedProxies: TrustedProxies.parse([]).proxies,
    enter: () => {
      inflight++;
    },
    leave: () => {
      inflight--;
    },
  };
  const h = {
    completions,
    nodeRequests,
    served,
    hookErrors,
    inflight: () => inflight,
    draining: false,
  } as Partial<Harness> & { draining: boolean };
  const laneOptions: FastLaneOptions = {
    listener: 'main',
    current: () => serving,
    onComplete: (x, bytesIn, bytesOut) => {
      completions.push({ x, bytesIn, bytesOut });
      if (o.throwingOnComplete === true) throw new Error('hook failed');
    },
    onHookError: (err) => hookErrors.push(err),
    altSvc: () => o.altSvc,
    draining: () => h.draining,
    maxHeaderSize: () => o.maxHeaderSize ?? 16384,
    keepAliveMs: o.keepAliveMs ?? 5000,
    clientTimeoutMs: () => o.clientTimeoutMs ?? 10_000,
  };
  const recordingHandler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1');
      nodeRequests.push({ method: req.method ?? '', url: req.url ?? '', body });
      const out = `node ${req.method} ${req.url} body=${body}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': out.length });
      res.end(out);
    });
  };
  const server = createServer(
    { maxHeaderSize: o.maxHeaderSize ?? 16384 },
    o.nodeIsProxyHandler === true || o.noLane === true ? createRequestHandler(laneOptions) : recordingHandler,
  );
  server.keepAliveTimeout = laneOptions.keepAliveMs;
  servers.push(server);
  const lane = new H1FastLane(laneOptions);
  if (o.noLane !== true) lane.attach(server);
  server.on('connection', (socket: Socket) => accepted.push(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return Object.assign(h, { server, lane, port: (server.address() as AddressInfo).port }) as Harness;
}

/** A raw TCP client that collects everything it reads as latin1 text. */
class RawClient {
  data = '';
  /** The server ended its side (FIN). */
  ended = false;
  closed = false;
  readonly socket: Socket;
  private readonly connected: Promise<void>;

  constructor(port: number, allowHalfOpen = false) {
    this.socket = connect({ port, host: '127.0.0.1', allowHalfOpen });
    clients.push(this.socket);
    this.connected = new Promise((r) => this.socket.once('connect', () => r()));
    this.socket.setEncoding('latin1');
    this.socket.on('data', (d: string) => {
      this.data += d;
    });
    this.socket.on('end', () => {
      this.ended = true;
    });
    this.socket.on('close', () => {
      this.closed = true;
    });
    this.socket.on('error', () => {});
  }

  async send(text: string | Buffer): Promise<void> {
    await this.connected;
    const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    await new Promise<void>((r) => this.socket.write(bytes, () => r()));
  }

  /** Waits for `n` complete responses (HEAD ones per `heads`) and returns them, Date lines removed. */
  async responses(n: number, heads: readonly boolean[] = []): Promise<ParsedResponse[]> {
    let parsed: ParsedResponse[] | undefined;
    await until(() => {
      parsed = parseResponses(this.data, n, heads);
      return parsed !== undefined || this.closed;
    });
    if (parsed === undefined) throw new Error(`connection closed after ${JSON.stringify(this.data)}`);
    return parsed;
  }

  async waitClosed(ms = 3000): Promise<void> {
    await until(() => this.closed, ms);
  }
}

interface ParsedResponse {
  readonly status: number;
  /** The head, Date line removed. */
  readonly head: string;
  readonly headers: Record<string, string>;
  /** The message body after de-chunking. */
  readonly body: string;
  /** Every byte of the message as sent, Date line removed. */
  readonly raw: string;
}

/** Parses the first `n` responses of `data`; undefined while incomplete. */
function parseResponses(data: string, n: number, heads: readonly boolean[]): ParsedResponse[] | undefined {
  const out: ParsedResponse[] = [];
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const end = data.indexOf('\r\n\r\n', pos);
    if (end === -1) return undefined;
    const headText = data.slice(pos, end + 4);
    const headers: Record<string, string> = {};
    for (const line of headText.split('\r\n').slice(1)) {
      const c = line.indexOf(':');
      if (c > 0) headers[line.slice(0, c).toLowerCase()] ??= line.slice(c + 1).trim();
    }
    const status = Number(headText.slice(9, 12));
    let bodyEnd = end + 4;
    let body = '';
    const bodiless = heads[i] === true || status === 204 || status === 304 || status < 200;
    if (!bodiless && headers['transfer-encoding'] === 'chunked') {
      let p = end + 4;
      for (;;) {
        const lineEnd = data.indexOf('\r\n', p);
        if (lineEnd === -1) return undefined;
        const size = Number.parseInt(data.slice(p, lineEnd), 16);
        if (data.length < lineEnd + 2 + size + 2) return undefined;
        body += data.slice(lineEnd + 2, lineEnd + 2 + size);
        p = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      bodyEnd = p;
    } else if (!bodiless) {
      const len = Number(headers['content-length'] ?? '0');
      if (data.length < end + 4 + len) return undefined;
      body = data.slice(end + 4, end + 4 + len);
      bodyEnd = end + 4 + len;
    }
    const strip = (t: string): string => t.replace(/\r\ndate: [^\r]*/i, '');
    out.push({ status, head: strip(headText), headers, body, raw: strip(data.slice(pos, bodyEnd)) });
    pos = bodyEnd;
  }
  return out;
}

function get(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: h\r\n${extra}\r\n`;
}

/** A responder that waits until `release()` and then answers with the stream `late`. */
function gatedAnswer(): { respond: Responder; release: () => void; late: PassThrough } {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const late = new PassThrough();
  const respond = async (x: ProxyExchange): Promise<void> => {
    await gate;
    x.response = { status: 200, headers: {}, body: late };
  };
  return { respond, release: () => release(), late };
}

/** A buffer response naming the request. */
function echo(x: ProxyExchange): void {
  x.response = {
    status: 200,
    headers: { 'content-type': 'text/plain' },
    body: Buffer.from(`${x.method} ${x.uri}`),
  };
}

function ok(body: string, headers: ResponseState['headers'] = { 'content-type': 'text/plain' }): string {
  return `HTTP/1.1 200 OK\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v as string}\r\n`)
    .join(
      '',
    )}content-length: ${body.length}\r\nconnection: keep-alive\r\nkeep-alive: timeout=5\r\n\r\n${body}`;
}

describe('fast lane: serving', () => {
  it('serves several requests on one kept-alive socket, exact bytes, without node:http', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    for (const path of ['/a', '/b?q=1', '/c']) {
      const before = c.data.length;
      await c.send(get(path));
      await until(() => c.data.length > before && parseResponses(c.data.slice(before), 1, []) !== undefined);
      const [r] = parseResponses(c.data.slice(before), 1, []) as ParsedResponse[];
      expect(r?.raw).toBe(ok(`GET ${path}`));
    }
    expect(h.nodeRequests).toEqual([]);
    expect(h.served).toHaveLength(3);
    expect(h.lane.open).toBe(1);
    expect(c.closed).toBe(false);
    expect(await new Promise<number>((r) => h.server.getConnections((_e, n) => r(n)))).toBe(1);
  });

  it('gives the exchange the request as node:http would', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    await c.send(
      'GET /p/q?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nx-a: 2\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n',
    );
    await c.responses(1);
    const x = h.served[0] as ProxyExchange;
    expect({
      method: x.method,
      path: x.path,
      query: x.query,
      host: x.host,
      scheme: x.scheme,
      protocol: x.protocol,
      listener: x.listener,
      clientIp: x.client_ip,
      peerIp: x.peerIp,
      headers: x.requestHeaders,
      body: x.requestBody,
    }).toEqual({
      method: 'GET',
      path: '/p/q',
      query: 'x=1&y=2',
      host: 'example.com',
      scheme: 'http',
      protocol: 'h1',
      listener: 'main',
      clientIp: '127.0.0.1',
      peerIp: '127.0.0.1',
      headers: { host: 'example.com', 'x-a': '1, 2', cookie: 'a=1; b=2' },
      body: undefined,
    });
  });

  it('answers two pipelined requests of one write in order, even when the first is slower', async () => {
    const h = await start(async (x) => {
      if (x.uri === '/slow') await sleep(80);
      echo(x);
    });
    const c = new RawClient(h.port);
    await c.send(get('/slow') + get('/fast'));
    const rs = await c.responses(2);
    expect(rs.map((r) => r.raw)).toEqual([ok('GET /slow'), ok('GET /fast')]);
    expect(c.data.replace(/\r\ndate: [^\r]*/g, '')).toBe(ok('GET /slow') + ok('GET /fast'));
    expect(h.nodeRequests).toEqual([]);
  });

  it('serves many pipelined synchronous requests of one write, in order', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    const paths = Array.from({ length: 50 }, (_, i) => `/r${i}`);
    await c.send(paths.map((p) => get(p)).join(''));
    const rs = await c.responses(50);
    expect(rs.map((r) => r.body)).toEqual(paths.map((p) => `GET ${p}`));
    expect(h.completions).toHaveLength(50);
  });

  it('pipelined small, large (not held in the write batch) and small answers arrive whole and in order', async () => {
    const large = 'L'.repeat(64 * 1024);
    const h = await start((x) => {
      x.response = {
        status: 200,
        headers: { 'content-type': 'text/plain' },
        body: Buffer.from(x.uri === '/large' ? large : `GET ${x.uri}`),
      };
    });
    const c = new RawClient(h.port);
    await c.send(get('/a') + get('/large') + get('/b') + get('/large') + get('/c'));
    const rs = await c.responses(5);
    expect(rs.map((r) => r.body)).toEqual(['GET /a', large, 'GET /b', large, 'GET /c']);
  });

  it("sends the turn's first answer at once and holds the turn's later ones until its check phase", async () => {
    const h = await start(echo);
    const corkedAfterServing: number[] = [];
    h.server.on('connection', (s: Socket) => {
      // Runs after the lane's own listener, i.e. right after the lane has answered what this read held.
      s.on('data', () => {
        corkedAfterServing.push(s.writableCorked);
      });
    });
    const c = new RawClient(h.port);
    await c.send(get('/alone'));
    const [r] = await c.responses(1);
    expect(r?.body).toBe('GET /alone');
    // Two pipelined requests in one read: the second answer is the turn's second, held (corked) in the batch.
    await c.send(get('/one') + get('/two'));
    const rs = await c.responses(3);
    expect(rs.map((x) => x.body)).toEqual(['GET /alone', 'GET /one', 'GET /two']);
    expect(corkedAfterServing).toEqual([0, 1]);
  });

  it('runs async responders', async () => {
    const h = await start(async (x) => {
      await sleep(20);
      x.respond(201, 'text', 'made');
    });
    const c = new RawClient(h.port);
    await c.send(get('/'));
    const [r] = await c.responses(1);
    expect(r?.raw).toBe(
      'HTTP/1.1 201 Created\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 4\r\n' +
        'connection: keep-alive\r\nkeep-alive: timeout=5\r\n\r\nmade',
    );
  });

  it('answers a module that throws with the pipeline 500 and closes', async () => {
    const h = await start(() => {
      throw new Error('boom');
    });
    const c = new RawClient(h.port);
    await c.send(get('/'));
    const [r] = await c.responses(1);
    expect(r?.raw).toBe(
      'HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 26\r\n' +
        'connection: close\r\n\r\n500 Internal Server Error\n',
    );
    await c.waitClosed();
    expect(h.completions[0]?.x.error?.code).toBe('PC_ERR_SCRIPT');
  });

  it('advertises Alt-Svc when given', async () => {
    const h = await start(echo, { altSvc: 'h3=":443"; ma=60' });
    const c = new RawClient(h.port);
    await c.send(get('/'));
    const [r] = await c.responses(1);
    expect(r?.raw).toBe(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nalt-svc: h3=":443"; ma=60\r\ncontent-length: 5\r\n' +
        'connection: keep-alive\r\nkeep-alive: timeout=5\r\n\r\nGET /',
    );
  });

  it('a failing onComplete is reported and serving goes on', async () => {
    const h = await start(echo, { throwingOnComplete: true });
    const c = new RawClient(h.port);
    await c.send(get('/1'));
    await c.responses(1);
    await c.send(get('/2'));
    await c.responses(2);
    expect(h.completions).toHaveLength(2);
    expect(h.hookErrors.map((e) => (e as Error).message)).toEqual(['hook failed', 'hook failed']);
  });

  it('adds the Date of now', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    await c.send(get('/'));
    await c.responses(1);
    const date = /\r\ndate: ([^\r]*)\r\n/.exec(c.data)?.[1] as string;
    expect(Math.abs(Date.parse(date) - Date.now())).toBeLessThan(3000);
  });
});

describe('fast lane: hand-off to node:http', () => {
  it('a head split across two writes goes to node:http, which keeps the connection', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    await c.send('GET /split HTTP/1.1\r\nHo');
    await sleep(50);
    await c.send('st: h\r\n\r\n');
    const [r] = await c.responses(1);
    expect(r?.body).toBe('node GET /split body=');
    await c.send(get('/next'));
    const rs = await c.responses(2);
    expect(rs[1]?.body).toBe('node GET /next body=');
    expect(h.served).toEqual([]);
    expect(h.nodeRequests.map((n) => n.url)).toEqual(['/split', '/next']);
    expect(h.lane.open).toBe(0);
  });

  it('a POST with a chunked body after two fast requests is answered by node:http with its body intact', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    await c.send(get('/one'));
    await c.responses(1);
    await c.send(get('/two'));
    await c.responses(2);
    await c.send(
      'POST /post HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nb\r\nhello world\r\n0\r\n\r\n',
    );
    const rs = await c.responses(3);
    expect(rs.map((r) => r.body)).toEqual(['GET /one', 'GET /two', 'node POST /post body=hello world']);
    expect(h.nodeRequests).toEqual([{ method: 'POST', url: '/post', body: 'hello world' }]);
    expect(h.completions.map((x) => x.x.uri)).toEqual(['/one', '/two']);
  });

  it('two fast requests and a chunked POST in one write: all answered, in order', async () => {
    const h = await start(async (x) => {
      await sleep(10);
      echo(x);
    });
    const c = new RawClient(h.port);
    await c.send(
      `${get('/one')}${get('/two')}POST /post HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n${get('/after')}`,
    );
    const rs = await c.responses(4);
    expect(rs.map((r) => r.body)).toEqual([
      'GET /one',
      'GET /two',
      'node POST /post body=hello world',
      'node GET /after body=',
    ]);
  });

  it("a malformed request gets node:http's 400", async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    await c.send(get('/ok'));
    await c.responses(1);
    await c.send('GET / HTTP/1.1\r\nHost : h\r\n\r\n');
    await c.waitClosed();
    expect(c.data).toMatch(/\r\n\r\nGET \/okHTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n\r\n$/);
    expect(h.nodeRequests).toEqual([]);
  });

  it("a head larger than max_header_size gets node:http's 431", async () => {
    const h = await start(echo, { maxHeaderSize: 1024 });
    const c = new RawClient(h.port);
    await c.send(get('/', `X-Big: ${'a'.repeat(2000)}\r\n`));
    await c.waitClosed();
    expect(c.data).toBe('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n');
    expect(h.served).toEqual([]);
  });

  it('HTTP/1.0 goes to node:http', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    await c.send('GET /old HTTP/1.0\r\n\r\n');
    const [r] = await c.responses(1);
    expect(r?.head.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(r?.body).toBe('node GET /old body=');
    await c.waitClosed();
    expect(h.served).toEqual([]);
  });

  it('Upgrade goes to node:http', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    await c.send(get('/ws', 'Upgrade: websocket\r\nConnection: upgrade\r\n'));
    // No 'upgrade' listener: node:http serves it as a plain request.
    const [r] = await c.responses(1);
    expect(r?.body).toBe('node GET /ws body=');
    expect(h.served).toEqual([]);
  });

  it('Expect: 100-continue goes to node:http', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    await c.send('POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n');
    await until(() => c.data.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
    await c.send('ok');
    await until(() => c.data.endsWith('node POST /e body=ok'));
    expect(h.served).toEqual([]);
  });

  // node:http accepts only the methods llhttp knows: any other is its 400, so the lane (which says node's
  // parser is the one authority on malformed requests) must not run the pipeline for it.
  it("a request line node:http refuses (an unknown method) gets node:http's 400, not the pipeline", async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    await c.send('FOO / HTTP/1.1\r\nHost: h\r\n\r\n');
    await until(() => c.data.includes('\r\n\r\n') || c.closed);
    expect(c.data.startsWith('HTTP/1.1 400 Bad Request\r\n')).toBe(true);
    expect(h.served).toEqual([]);
  });
});

/** Answers with the method, target and the whole request body, once read. */
async function echoBody(x: ProxyExchange): Promise<void> {
  const chunks: Buffer[] = [];
  if (x.requestBody !== undefined) for await (const c of x.requestBody) chunks.push(c as Buffer);
  x.response = {
    status: 200,
    headers: { 'content-type': 'text/plain' },
    body: Buffer.from(`${x.method} ${x.uri} body=${Buffer.concat(chunks).toString()}`),
  };
}

describe('fast lane: request bodies of known length', () => {
  it('a POST with Content-Length stays in the lane, its body intact, and the connection goes on', async () => {
    const h = await start(echoBody);
    const c = new RawClient(h.port);
    await c.send('POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world');
    await c.responses(1);
    await c.send(get('/after'));
    const rs = await c.responses(2);
    expect(rs.map((r) => r.body)).toEqual(['POST /p body=hello world', 'GET /after body=']);
    expect(h.nodeRequests).toEqual([]);
    expect(rs[0]?.headers.connection).toBe('keep-alive');
  });

  it('a body arriving in pieces after the head is read whole', async () => {
    const h = await start(echoBody);
    const c = new RawClient(h.port);
    await c.send('PUT /p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc');
    await sleep(30);
    await c.send('def');
    await sleep(30);
    await c.send('ghij');
    const rs = await c.responses(1);
    expect(rs[0]?.body).toBe('PUT /p body=abcdefghij');
    expect(h.nodeRequests).toEqual([]);
  });

  it('a POST and a GET pipelined in one write: both answered, in order', async () => {
    const h = await start(echoBody);
    const c = new RawClient(h.port);
    await c.send(`POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz${get('/b')}`);
    const rs = await c.responses(2);
    expect(rs.map((r) => r.body)).toEqual(['POST /a body=xyz', 'GET /b body=']);
  });

  it('a Content-Length over max_body_size: 413, the body never read, the connection closed', async () => {
    const h = await start(echoBody);
    const c = new RawClient(h.port);
    await c.send(`POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\nxx`);
    const rs = await c.responses(1);
    expect(rs[0]?.status).toBe(413);
    expect(rs[0]?.headers.connection).toBe('close');
    expect(h.served).toEqual([]);
    await until(() => h.completions.length === 1);
    expect(h.completions[0]?.x.error?.code).toBe('PC_ERR_BODY_TOO_LARGE');
    await c.waitClosed();
  });

  it('an answer before the whole body closes the connection, and the body is destroyed', async () => {
    let body: Readable | undefined;
    const h = await start((x) => {
      body = x.requestBody;
      x.response = { status: 429, headers: {}, body: Buffer.from('slow down') };
    });
    const c = new RawClient(h.port);
    await c.send('POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly some');
    const rs = await c.responses(1);
    expect(rs[0]?.status).toBe(429);
    expect(rs[0]?.headers.connection).toBe('close');
    await c.waitClosed();
    expect(body?.destroyed).toBe(true);
  });

  it('a client that leaves mid-body: the body fails and the exchange is aborted', async () => {
    let failure: unknown;
    const h = await start(async (x) => {
      try {
        for await (const _ of x.requestBody as Readable);
      } catch (err) {
        failure = err;
      }
      x.response = { status: 200, headers: {}, body: undefined };
    });
    const socket = connect(h.port, '127.0.0.1');
    clients.push(socket);
    socket.write('POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\npart');
    await until(() => h.served.length === 1);
    socket.destroy();
    await until(() => failure !== undefined);
    expect(h.served[0]?.aborted).toBe(true);
    await until(() => h.completions.length === 1);
  });

  it('a body not complete within client_timeout: 408, close, and the body fails', async () => {
    let failure: unknown;
    const h = await start(
      async (x) => {
        try {
          for await (const _ of x.requestBody as Readable);
        } catch (err) {
          failure = err;
        }
        x.response = { status: 502, headers: {}, body: undefined };
      },
      { clientTimeoutMs: 300 },
    );
    const c = new RawClient(h.port);
    const t0 = performance.now();
    await c.send('POST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nab');
    const rs = await c.responses(1);
    expect(rs[0]?.status).toBe(408);
    expect(rs[0]?.headers.connection).toBe('close');
    expect(performance.now() - t0).toBeLessThan(2000);
    await c.waitClosed();
    await until(() => failure !== undefined);
    expect((failure as { code?: string }).code).toBe('PC_ERR_CLIENT_TIMEOUT');
    await until(() => h.completions.length === 1);
    expect(h.completions[0]?.x.error?.code).toBe('PC_ERR_CLIENT_TIMEOUT');
    expect(h.inflight()).toBe(0);
  });

  it('a large body is read with backpressure and arrives whole', async () => {
    const size = 8 * 1024 * 1024;
    let received = 0;
    const h = await start(
      async (x) => {
        for await (const c of x.requestBody as Readable) {
          received += (c as Buffer).length;
          await sleep(1);
        }
        x.response = { status: 200, headers: {}, body: Buffer.from(String(received)) };
      },
      { maxBodySize: 16 * 1024 * 1024 },
    );
    const c = new RawClient(h.port);
    await c.send(`POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: ${size}\r\n\r\n`);
    await c.send(Buffer.alloc(size, 'u'));
    const rs = await c.responses(1);
    expect(rs[0]?.body).toBe(String(size));
  });
});

describe('fast lane: framing', () => {
  it('HEAD: Content-Length of the body, no body bytes, and the connection goes on', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    await c.send('HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n');
    const [r] = await c.responses(1, [true]);
    expect(r?.raw).toBe(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 7\r\nconnection: keep-alive\r\n' +
        'keep-alive: timeout=5\r\n\r\n',
    );
    await c.send(get('/y'));
    const rs = await c.responses(2, [true]);
    expect(rs[1]?.raw).toBe(ok('GET /y'));
  });

  it('HEAD of a streamed body: no body bytes, and the stream is read to its end (a tee completes)', async () => {
    const body = new PassThrough();
    body.write('never sent');
    body.end();
    const h = await start((x) => {
      x.response = { status: 200, headers: { 'content-length': '10' }, body };
    });
    const c = new RawClient(h.port);
    await c.send('HEAD / HTTP/1.1\r\nHost: h\r\n\r\n');
    const [r] = await c.responses(1, [true]);
    expect(r?.raw).toBe(
      'HTTP/1.1 200 OK\r\ncontent-length: 10\r\nconnection: keep-alive\r\nkeep-alive: timeout=5\r\n\r\n',
    );
    await until(() => body.readableEnded);
    await sleep(30);
    expect(c.data.endsWith('\r\n\r\n')).toBe(true);
  });

  it('a 204 with a streamed body (an upstream answer the cache tees) is read to its end', async () => {
    const body = new PassThrough();
    const h = await start((x) => {
      x.response = { status: 204, headers: { 'cache-control': 'max-age=60' }, body };
    });
    const c = new RawClient(h.port);
    await c.send(get('/204'));
    const [r] = await c.responses(1);
    expect(r?.status).toBe(204);
    body.end();
    await until(() => body.readableEnded);
  });

  it('a stream without a length is sent chunked, exactly', async () => {
    const h = await start((x) => {
      const body = new PassThrough();
      x.response = { status: 200, headers: { 'content-type': 'text/plain' }, body };
      body.write('ab');
      setTimeout(() => body.write(Buffer.alloc(0)), 10);
      setTimeout(() => body.write('0123456789abcdefXYZ'), 20);
      setTimeout(() => body.end(), 30);
    });
    const c = new RawClient(h.port);
    await c.send(get('/'));
    await c.responses(1);
    expect(c.data.replace(/\r\ndate: [^\r]*/, '')).toBe(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\nconnection: keep-alive\r\n' +
        'keep-alive: timeout=5\r\n\r\n2\r\nab\r\n13\r\n0123456789abcdefXYZ\r\n0\r\n\r\n',
    );
    await c.send(get('/again'));
    await c.responses(2);
    expect(h.completions).toHaveLength(2);
  });

  it('a stream with a Content-Length is sent as is', async () => {
    const h = await start((x) => {
      x.response = { status: 200, headers: { 'content-length': '6' }, body: Readable.from(['abc', 'def']) };
    });
    const c = new RawClient(h.port);
    await c.send(get('/'));
    const [r] = await c.responses(1);
    expect(r?.raw).toBe(
      'HTTP/1.1 200 OK\r\ncontent-length: 6\r\nconnection: keep-alive\r\nkeep-alive: timeout=5\r\n\r\nabcdef',
    );
  });

  it('streams a large body to a slow reader with backpressure, completely', async () => {
    const total = 32 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'z');
    let produced = 0;
    const h = await start((x) => {
      const body = new Readable({
        read() {
          if (produced >= total) this.push(null);
          else {
            produced += chunk.length;
            this.push(chunk);
          }
        },
      });
      x.response = { status: 200, headers: {}, body };
    });
    const socket = connect(h.port, '127.0.0.1');
    clients.push(socket);
    socket.pause();
    socket.write(get('/big'));
    await sleep(200);
    const ahead = produced;
    let received = 0;
    let tail = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => {
        received += d.length;
        tail = (tail + d.toString('latin1')).slice(-7);
        if (tail === '\r\n0\r\n\r\n') resolve();
      });
      socket.resume();
    });
    // Nothing like the whole body was produced while the client did not read.
    expect(ahead).toBeLessThan(total / 2);
    expect(received).toBeGreaterThan(total);
    await until(() => h.completions.length === 1);
    expect(h.completions[0]?.bytesOut).toBe(received);
  });

  it('pipelined requests wait while earlier answers are queued for a client that does not read', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 'b');
    const h = await start((x) => {
      x.response = { status: 200, headers: {}, body: big };
    });
    const socket = connect(h.port, '127.0.0.1');
    clients.push(socket);
    socket.pause();
    socket.write(get('/1') + get('/2') + get('/3') + get('/4') + get('/5') + get('/6'));
    await sleep(300);
    // Without the wait all six 4 MiB answers would be queued in the server's memory at once.
    expect(h.served.length).toBeLessThanOrEqual(2);
    let received = 0;
    await new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => {
        received += d.length;
        if (received >= 6 * big.length) resolve();
      });
      socket.resume();
    });
    await until(() => h.completions.length === 6);
    expect(h.served.map((x) => x.uri)).toEqual(['/1', '/2', '/3', '/4', '/5', '/6']);
  });

  it.each([204, 304])('%i has no body, even when the module set one', async (status) => {
    const h = await start((x) => {
      x.response =
        x.uri === '/next'
          ? { status: 200, headers: {}, body: Buffer.from('n') }
          : { status, headers: { etag: '"e"' }, body: Buffer.from('not sent') };
    });
    const c = new RawClient(h.port);
    await c.send(get('/') + get('/next'));
    const rs = await c.responses(2);
    expect(rs[0]?.raw).toBe(
      `HTTP/1.1 ${status} ${status === 204 ? 'No Content' : 'Not Modified'}\r\netag: "e"\r\n` +
        'connection: keep-alive\r\nkeep-alive: timeout=5\r\n\r\n',
    );
    expect(rs[1]?.body).toBe('n');
  });

  it('a body larger than the join limit is sent whole after the head', async () => {
    const big = 'q'.repeat(100_000);
    const h = await start((x) => {
      x.response = { status: 200, headers: {}, body: Buffer.from(big) };
    });
    const c = new RawClient(h.port);
    await c.send(get('/'));
    const [r] = await c.responses(1);
    expect(r?.body).toBe(big);
    expect(r?.headers['content-length']).toBe('100000');
  });

  it('a module-set invalid header value is answered 500 with PC_ERR_INVALID_RESPONSE', async () => {
    const h = await start((x) => {
      x.response = { status: 200, headers: { 'x-bad': 'a\r\nInjected: yes' }, body: Buffer.from('secret') };
    });
    const c = new RawClient(h.port);
    await c.send(get('/'));
    await c.waitClosed();
    expect(c.data.replace(/\r\ndate: [^\r]*/, '')).toBe(
      'HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 26\r\n' +
        'connection: close\r\n\r\n500 Internal Server Error\n',
    );
    expect(h.completions).toHaveLength(1);
    const x = h.completions[0]?.x as ProxyExchange;
    expect(x.error?.code).toBe('PC_ERR_INVALID_RESPONSE');
    expect(x.status).toBe(500);
  });

  it('an invalid status is answered 500 and its streamed body destroyed', async () => {
    const body = new PassThrough();
    const h = await start((x) => {
      x.response = { status: 1000, headers: {}, body };
    });
    const c = new RawClient(h.port);
    await c.send(get('/'));
    await c.waitClosed();
    expect(c.data.startsWith('HTTP/1.1 500 Internal Server Error\r\n')).toBe(true);
    expect(body.destroyed).toBe(true);
    expect(h.completions[0]?.x.error?.code).toBe('PC_ERR_INVALID_RESPONSE');
  });

  it('a body stream failing midway breaks the connection (no terminating chunk)', async () => {
    const h = await start((x) => {
      const body = new PassThrough();
      x.response = { status: 200, headers: {}, body };
      body.write('part');
      setTimeout(() => body.destroy(new Error('upstream reset')), 20);
    });
    const c = new RawClient(h.port);
    await c.send(get('/'));
    await c.waitClosed();
    expect(c.data.endsWith('\r\n\r\n4\r\npart\r\n')).toBe(true);
    expect(h.completions).toHaveLength(1);
  });
});

/** The lane and, as the control it mirrors, node:http on the same harness. */
const bothPaths: readonly (readonly [string, HarnessOptions])[] = [
  ['fast lane', {}],
  ['node:http (control)', { noLane: true }],
];

describe('fast lane: connection management', () => {
  it('Connection: close is answered with close and the socket ends', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    await c.send(get('/', 'Connection: close\r\n') + get('/ignored'));
    await c.waitClosed();
    expect(c.data.replace(/\r\ndate: [^\r]*/, '')).toBe(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\nconnection: close\r\n\r\nGET /',
    );
    expect(c.ended).toBe(true);
    expect(h.served).toHaveLength(1);
  });

  // node:http destroys the socket once a closing response is written; with the lane, socket.end() only
  // half-closes it, and the connection (forgotten by the lane, so never swept) stays open for as long as
  // the client keeps its side open.
  it.each(bothPaths)(
    '%s: after Connection: close the server socket is fully closed even if the client keeps its side open',
    async (_, path) => {
      const h = await start(echo, path);
      const c = new RawClient(h.port, true);
      await c.send(get('/', 'Connection: close\r\n'));
      await until(() => c.ended);
      await sleep(300);
      expect(await new Promise<number>((r) => h.server.getConnections((_e, n) => r(n)))).toBe(0);
    },
  );

  it('a client that half-closes after its request gets the answer, then the server ends', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port, true);
    await c.send(get('/half'));
    c.socket.end();
    await until(() => c.ended);
    const [r] = await c.responses(1);
    expect(r?.body).toBe('GET /half');
    expect(h.lane.open).toBe(0);
  });

  it('draining: every response says Connection: close and the socket ends', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    await c.send(get('/1'));
    const [first] = await c.responses(1);
    expect(first?.head).toContain('\r\nconnection: keep-alive\r\n');
    h.draining = true;
    await c.send(get('/2'));
    const rs = await c.responses(2);
    expect(rs[1]?.raw).toBe(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 6\r\nconnection: close\r\n\r\nGET /2',
    );
    await c.waitClosed();
  });

  it('client disconnect during a streamed response destroys the body and aborts the exchange', async () => {
    let body: PassThrough | undefined;
    const h = await start((x) => {
      const b = new PassThrough();
      body = b;
      b.write('first');
      const tick = setInterval(() => {
        if (b.destroyed) clearInterval(tick);
        else b.write('more');
      }, 10);
      x.response = { status: 200, headers: {}, body: b };
    });
    const c = new RawClient(h.port);
    await c.send(get('/'));
    await until(() => c.data.includes('first'));
    c.socket.destroy();
    await until(() => body?.destroyed === true);
    await until(() => h.completions.length === 1);
    await sleep(20);
    expect(h.completions).toHaveLength(1);
    expect(h.completions[0]?.x.aborted).toBe(true);
    expect(h.completions[0]?.bytesOut).toBeGreaterThan(0);
    expect(h.inflight()).toBe(0);
    expect(h.lane.open).toBe(0);
  });

  // node:http (httpAllowHalfOpen false) aborts a request whose client closed its side (FIN); the lane keeps
  // it running, so a stalled body (slow upstream, long poll, SSE) is never destroyed, the exchange never
  // aborted and the request never leaves the in-flight count.
  it.each(bothPaths)(
    '%s: client disconnect while the streamed body stalls destroys the body and aborts the exchange',
    async (_, path) => {
      const body = new PassThrough();
      const h = await start((x) => {
        body.write('first');
        x.response = { status: 200, headers: {}, body };
      }, path);
      const c = new RawClient(h.port);
      await c.send(get('/'));
      await until(() => c.data.includes('first'));
      c.socket.destroy();
      await until(() => body.destroyed && h.completions.length === 1, 1000);
      expect(h.completions[0]?.x.aborted).toBe(true);
      expect(h.inflight()).toBe(0);
    },
  );

  it.each(bothPaths)(
    '%s: client disconnect before an async answer aborts the exchange (cancels upstream work)',
    async (_, path) => {
      const { respond, release, late } = gatedAnswer();
      const h = await start(respond, path);
      const c = new RawClient(h.port);
      await c.send(get('/'));
      await until(() => h.served.length === 1);
      c.socket.destroy();
      try {
        await until(() => h.served[0]?.signal.aborted === true, 1000);
        expect(h.completions).toHaveLength(1);
        expect(h.completions[0]?.x.aborted).toBe(true);
      } finally {
        release();
      }
      await until(() => late.destroyed);
      expect(h.completions).toHaveLength(1);
      expect(h.inflight()).toBe(0);
    },
  );

  it('client reset before an async answer: completed once, the late answer discarded', async () => {
    const { respond, release, late } = gatedAnswer();
    const h = await start(respond);
    const c = new RawClient(h.port);
    await c.send(get('/'));
    await until(() => h.served.length === 1);
    c.socket.resetAndDestroy();
    await until(() => h.completions.length === 1);
    expect(h.completions[0]?.x.aborted).toBe(true);
    expect(h.served[0]?.signal.aborted).toBe(true);
    release();
    await until(() => late.destroyed);
    await sleep(20);
    expect(h.completions).toHaveLength(1);
    expect(h.inflight()).toBe(0);
  });

  it('onComplete once per request with the exact bytes read and written', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    const reqs = [get('/a'), get('/bb', 'X-Extra: 1\r\n'), 'HEAD /ccc HTTP/1.1\r\nHost: h\r\n\r\n'];
    let seen = 0;
    for (const [i, req] of reqs.entries()) {
      await c.send(req);
      await until(() => parseResponses(c.data, i + 1, [false, false, true]) !== undefined);
      await until(() => h.completions.length === i + 1);
      const got = c.data.length - seen;
      seen = c.data.length;
      expect(h.completions[i]?.bytesIn).toBe(req.length);
      expect(h.completions[i]?.bytesOut).toBe(got);
    }
    await sleep(20);
    expect(h.completions).toHaveLength(3);
    expect(h.completions.map((x) => x.x.status)).toEqual([200, 200, 200]);
    expect(h.inflight()).toBe(0);
  });

  it('pipelined requests: every one completed, bytes add up to the connection totals', async () => {
    const h = await start(echo);
    const c = new RawClient(h.port);
    const text = get('/1') + get('/2') + get('/3');
    await c.send(text);
    await c.responses(3);
    await until(() => h.completions.length === 3);
    expect(h.completions.reduce((n, x) => n + x.bytesIn, 0)).toBe(text.length);
    expect(h.completions.reduce((n, x) => n + x.bytesOut, 0)).toBe(c.data.length);
    for (const x of h.completions) expect(x.bytesOut).toBeGreaterThan(0);
  });

  // With node:http's handler being the proxy's own (createRequestHandler, as in proxy-app), the first
  // request node serves after a hand-off must not be charged the bytes of the requests the lane served.
  it('after a hand-off, node:http requests are charged only their own bytes', async () => {
    const h = await start(echo, { nodeIsProxyHandler: true });
    const c = new RawClient(h.port);
    await c.send(get('/one'));
    await c.responses(1);
    await c.send(get('/two'));
    await c.responses(2);
    const beforePost = c.data.length;
    const post = 'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc';
    await c.send(post);
    await c.responses(3);
    await until(() => h.completions.length === 3);
    expect(h.completions.map((x) => x.x.uri)).toEqual(['/one', '/two', '/p']);
    expect(h.completions[2]?.x.requestBody).toBeDefined();
    expect(h.completions[2]?.bytesIn).toBe(post.length);
    expect(h.completions[2]?.bytesOut).toBe(c.data.length - beforePost);
  });

  it('an idle connection is closed after keepAliveMs', async () => {
    const h = await start(echo, { keepAliveMs: 200 });
    const c = new RawClient(h.port);
    await c.send(get('/'));
    await c.responses(1);
    const t0 = Date.now();
    await c.waitClosed(2000);
    const idle = Date.now() - t0;
    expect(idle).toBeGreaterThanOrEqual(150);
    expect(idle).toBeLessThan(1000);
    expect(h.lane.open).toBe(0);
  });

  it('a connection that never sends is closed after keepAliveMs', async () => {
    const h = await start(echo, { keepAliveMs: 200 });
    const c = new RawClient(h.port);
    await c.send('');
    await c.waitClosed(2000);
    expect(c.data).toBe('');
  });

  it('a request in progress longer than keepAliveMs is not cut', async () => {
    const h = await start(
      async (x) => {
        await sleep(500);
        echo(x);
      },
      { keepAliveMs: 200 },
    );
    const c = new RawClient(h.port);
    await c.send(get('/slow'));
    const [r] = await c.responses(1);
    expect(r?.body).toBe('GET /slow');
  });

  it('requests within keepAliveMs keep the connection open past it', async () => {
    const h = await start(echo, { keepAliveMs: 200 });
    const c = new RawClient(h.port);
    for (let i = 1; i <= 5; i++) {
      await c.send(get(`/${i}`));
      await c.responses(i);
      await sleep(100);
    }
    expect(c.closed).toBe(false);
  });

  // The response is handed to the socket, not yet sent, when the lane counts the connection idle: a slow
  // reader of a large (cached) body must still get all of it, from the sweeper's point of view as from
  // node:http's, whose keep-alive timer starts when the response has finished.
  it.each(bothPaths)(
    '%s: the keep-alive timeout does not cut a response still being flushed to a slow reader',
    async (_, path) => {
      const size = 32 * 1024 * 1024;
      const h = await start(
        (x) => {
          x.response = { status: 200, headers: {}, body: Buffer.alloc(size, 'b') };
        },
        { keepAliveMs: 200, ...path },
      );
      const socket = connect(h.port, '127.0.0.1');
      clients.push(socket);
      socket.on('error', () => {});
      socket.pause();
      socket.write(get('/big'));
      await sleep(700);
      let received = 0;
      await new Promise<void>((resolve) => {
        socket.on('data', (d: Buffer) => {
          received += d.length;
        });
        socket.on('close', () => resolve());
        socket.resume();
      });
      expect(received).toBeGreaterThan(size);
    },
  );

  it('closeIdle() closes idle connections but not busy ones', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const h = await start(async (x) => {
      if (x.uri === '/busy') await gate;
      echo(x);
    });
    const idle = new RawClient(h.port);
    await idle.send(get('/idle'));
    await idle.responses(1);
    const fresh = new RawClient(h.port);
    await fresh.send('');
    const busy = new RawClient(h.port);
    await busy.send(get('/busy'));
    await until(() => h.served.length === 2 && h.lane.open === 3);
    h.lane.closeIdle();
    await idle.waitClosed();
    await fresh.waitClosed();
    await sleep(30);
    expect(busy.closed).toBe(false);
    release();
    const [r] = await busy.responses(1);
    expect(r?.body).toBe('GET /busy');
  });
});
