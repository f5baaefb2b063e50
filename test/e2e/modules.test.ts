/**
 * Issue #3, DESIGN §6 through the running proxy: every built-in module's behaviour, the admin API,
 * `enabled = false`, user modules from `--mods`, and the 500 of a pipeline where nobody responds.
 * The proxies are started in parallel in beforeAll (start-up dominates the wall time).
 */
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  echoHandler,
  freePort,
  httpRequest,
  type Origin,
  type OriginHandler,
  type ProxyProcess,
  SLOW_TIMEOUT_MS,
  sleep,
  startOrigin,
  startProxy,
  startTcpEcho,
  stopAll,
} from './harness.js';

const BUILTINS = [
  'active_health',
  'admin_api',
  'cache',
  'circuit_breaker',
  'compression',
  'health_check',
  'load_balancer',
  'metrics_exporter',
  'proxy_core',
  'rate_limiter',
  'raw_tcp',
  'request_id',
  'url_rewriter',
];

const BIG_TEXT = 'proxycache compresses this line. '.repeat(128); // 4224 bytes

/** Origin for the main proxy: cacheable, text, image and small answers; echo otherwise. */
const contentOrigin: OriginHandler = (req, body, res) => {
  const path = (req.url ?? '').split('?')[0];
  if (path === '/cacheable') {
    res.writeHead(200, {
      'content-type': 'text/plain',
      'cache-control': 'public, max-age=60',
      'content-length': '6',
    });
    res.end('cached');
  } else if (path === '/big-text') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(BIG_TEXT);
  } else if (path === '/small-text') {
    // A known small size: like nginx's gzip_min_length, min_size judges by Content-Length.
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store', 'content-length': '4' });
    res.end('tiny');
  } else if (path === '/image') {
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
    res.end(Buffer.alloc(4096, 7));
  } else echoHandler('main')(req, body, res);
};

interface EchoBody {
  url: string;
  headers: Record<string, string>;
}

let main: ProxyProcess;
let mainOrigin: Origin;
let limited: ProxyProcess;
let limitedAdminPort: number;
let breaker: ProxyProcess;
let breakerOrigin: Origin;
let breakerStatus = 500;
let balanced: ProxyProcess;
let one: Origin;
let two: Origin;
let custom: ProxyProcess;
let echo: Awaited<ReturnType<typeof startTcpEcho>>;

const API_KEY = 's3cret-key';

/** User modules: request order a→b, response order b→a, first responder wins, an override. */
const userMods: Record<string, string> = {
  'order_a.pcmod': `mod order_a
version 1.0
priority 1

on_request {
  set_ctx "req" "a"
}

on_response {
  set_ctx "resp" "\${ctx.resp}a"
  set_header "X-Order" ctx.resp
}
`,
  'order_b.pcmod': `mod order_b
version 1.0
priority 2

on_request {
  set_ctx "req" "\${ctx.req}b"
}

on_response {
  set_ctx "resp" "\${ctx.resp}b"
}
`,
  'first_responder.pcmod': `mod first_responder
version 1.0
priority 3

on_request {
  if path == "/first" {
    respond 200 text "first \${ctx.req}"
  }
}
`,
  'second_responder.pcmod': `mod second_responder
version 1.0
priority 4

on_request {
  if path == "/first" || path == "/second" {
    respond 200 text "second"
  }
}
`,
  'late_marker.pcmod': `mod late_marker
version 1.0
priority 500

on_response {
  set_header "X-Late" "ran"
}
`,
  'my_health.pcmod': `mod my_health
version 1.0
priority 50
overrides health_check

on_request {
  if path == "/health" {
    respond 200 text "custom health"
  }
}
`,
};

beforeAll(async () => {
  [mainOrigin, breakerOrigin, one, two, echo] = await Promise.all([
    startOrigin(contentOrigin),
    startOrigin((req, body, res) => {
      if (breakerStatus !== 200) {
        res.writeHead(breakerStatus, { 'content-type': 'text/plain', 'content-length': '4' });
        res.end('fail');
      } else echoHandler('breaker')(req, body, res);
    }),
    startOrigin(echoHandler('one')),
    startOrigin(echoHandler('two')),
    startTcpEcho(),
  ]);
  limitedAdminPort = await freePort();
  [main, limited, breaker, balanced, custom] = await Promise.all([
    startProxy({
      backend: mainOrigin.addr,
      modules: {
        health_check: { endpoint: '/healthz' },
        url_rewriter: { rules: { '/old': '/new' } },
        cache: { ttl_seconds: 60 },
        compression: { min_size: 1024 },
      },
    }),
    startProxy({
      backend: mainOrigin.addr,
      admin: false,
      modules: {
        rate_limiter: { requests_per_second: 1, burst: 3 },
        admin_api: { listen_addr: `127.0.0.1:${limitedAdminPort}` },
      },
    }),
    startProxy({
      backend: breakerOrigin.addr,
      modules: {
        circuit_breaker: { failure_threshold: 2, recovery_timeout: 1 },
        cache: { enabled: false },
        admin_api: { api_key: API_KEY },
      },
    }),
    startProxy({
      modules: {
        load_balancer: { backends: [one.addr, two.addr] },
        active_health: { enabled: true, interval: 1, timeout: 1, path: '/health' },
        cache: { enabled: false },
      },
    }),
    startProxy({
      backend: echo.addr,
      modules: {
        proxy_core: { enabled: false },
        metrics_exporter: { enabled: false },
        raw_tcp: { enabled: true, backend: echo.addr },
      },
      mods: userMods,
    }),
  ]);
}, SLOW_TIMEOUT_MS);

afterAll(stopAll);

describe('health_check', () => {
  test('the default /health answers 200 {"status":"ok"} without contacting a backend', async () => {
    const r = await httpRequest(balanced.url('/health'));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.text).toBe('{"status":"ok"}');
    // Only the active-health probes (no X-Forwarded-For) reached the origins' /health.
    const forwarded = [...one.requests, ...two.requests].filter(
      (q) => q.url === '/health' && q.headers['x-forwarded-for'] !== undefined,
    );
    expect(forwarded).toEqual([]);
  });

  test('a custom endpoint answers; the default path then passes to the origin', async () => {
    const r = await httpRequest(main.url('/healthz'));
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"status":"ok"}');
    expect(mainOrigin.count('/healthz')).toBe(0);
    const passed = await httpRequest(main.url('/health'));
    expect(passed.status).toBe(200);
    expect(passed.headers['x-origin']).toBe('main');
    expect(mainOrigin.count('/health')).toBe(1);
  });
});

describe('rate_limiter', () => {
  test('rps 1, burst 3: 200, 200, 200, then 429 with Connection: close', async () => {
    // Sent together: one at a time on this shared machine can take over a second, refilling a token.
    const replies = await Promise.all([1, 2, 3, 4].map(() => httpRequest(limited.url('/limited'))));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 429]);
    const last = replies.find((r) => r.status === 429) as (typeof replies)[number];
    expect(last.text).toBe('{"error":"too many requests"}');
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers.connection).toBe('close');
    expect(mainOrigin.count('/limited')).toBe(3);
  });
});

describe('circuit_breaker', () => {
  test('two 5xx pass through, then 503 without the origin; after recovery a 200 probe closes it', async () => {
    const first = await httpRequest(breaker.url('/cb'));
    const second = await httpRequest(breaker.url('/cb'));
    expect([first.status, second.status]).toEqual([500, 500]);
    expect(first.text).toBe('fail');
    expect(breakerOrigin.count('/cb')).toBe(2);

    const open = await httpRequest(breaker.url('/cb'));
    expect(open.status).toBe(503);
    expect(open.text).toContain('circuit_breaker');
    expect(open.headers.connection).toBe('close');
    expect(breakerOrigin.count('/cb')).toBe(2);

    await sleep(1100);
    breakerStatus = 200;
    const probe = await httpRequest(breaker.url('/cb'));
    expect(probe.status).toBe(200);
    expect(breakerOrigin.count('/cb')).toBe(3);
    const closed = await httpRequest(breaker.url('/cb'));
    expect(closed.status).toBe(200);
    expect(breakerOrigin.count('/cb')).toBe(4);
  });
});

describe('cache', () => {
  test('a second GET is a HIT and the origin is asked once', async () => {
    const a = await httpRequest(main.url('/cacheable'));
    const b = await httpRequest(main.url('/cacheable'));
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.text).toBe('cached');
    expect(b.headers['x-cache']).toBe('HIT');
    expect(mainOrigin.count('/cacheable')).toBe(1);
  });

  test('POST is not served from the cache', async () => {
    const a = await httpRequest(main.url('/post-target'), { method: 'POST', body: 'one' });
    const b = await httpRequest(main.url('/post-target'), { method: 'POST', body: 'two' });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.headers['x-cache']).not.toBe('HIT');
    expect(mainOrigin.count('/post-target')).toBe(2);
  });
});

describe('compression', () => {
  test('gzip when accepted and the body is at least min_size; gunzip gives the original', async () => {
    const r = await httpRequest(main.url('/big-text'), { headers: { 'accept-encoding': 'gzip' } });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.headers.vary).toMatch(/accept-encoding/i);
    expect(r.body.length).toBeLessThan(BIG_TEXT.length);
    expect(gunzipSync(r.body).toString('utf8')).toBe(BIG_TEXT);
  });

  test('no encoding when the client does not accept one', async () => {
    const r = await httpRequest(main.url('/big-text'));
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.text).toBe(BIG_TEXT);
  });

  test('never for images or bodies under min_size', async () => {
    const img = await httpRequest(main.url('/image'), { headers: { 'accept-encoding': 'gzip' } });
    expect(img.headers['content-encoding']).toBeUndefined();
    expect(img.body).toEqual(Buffer.alloc(4096, 7));
    const small = await httpRequest(main.url('/small-text'), { headers: { 'accept-encoding': 'gzip' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.text).toBe('tiny');
  });
});

describe('request_id', () => {
  test('an incoming X-Request-Id is kept, sent upstream and echoed', async () => {
    const r = await httpRequest(main.url('/rid'), { headers: { 'x-request-id': 'abc-123' } });
    expect(r.headers['x-request-id']).toBe('abc-123');
    expect((JSON.parse(r.text) as EchoBody).headers['x-request-id']).toBe('abc-123');
  });

  test('without one, a UUID is generated, sent upstream, echoed and logged', async () => {
    const r = await httpRequest(main.url('/rid-new'));
    const id = r.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((JSON.parse(r.text) as EchoBody).headers['x-request-id']).toBe(id);
    const line = await main.waitForLog((l) => l.path === '/rid-new' && l.msg === 'request', 15_000);
    expect(line.request_id).toBe(id);
  });
});

describe('url_rewriter', () => {
  test('rules = { "/old" = "/new" }: the origin sees /new… with the query kept', async () => {
    const r = await httpRequest(main.url('/old/page?q=1'));
    expect(r.status).toBe(200);
    expect((JSON.parse(r.text) as EchoBody).url).toBe('/new/page?q=1');
    expect(mainOrigin.count('/old/page')).toBe(0);
    const untouched = await httpRequest(main.url('/other/x'));
    expect((JSON.parse(untouched.text) as EchoBody).url).toBe('/other/x');
  });
});

describe('load_balancer', () => {
  test('round robin alternates; a backend down is marked unhealthy and gets no traffic', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++)
      seen.push(String((await httpRequest(balanced.url(`/lb/${i}`))).headers['x-origin']));
    expect(new Set(seen)).toEqual(new Set(['one', 'two']));
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen[1]).not.toBe(seen[2]);
    expect(seen[2]).not.toBe(seen[3]);

    await two.close();
    await balanced.waitForLog((l) => l.msg === 'backend unhealthy' && l.backend === two.addr, 15_000);
    const after: number[] = [];
    for (let i = 0; i < 4; i++) after.push((await httpRequest(balanced.url(`/lb/after/${i}`))).status);
    expect(after).toEqual([200, 200, 200, 200]);
    expect(one.requests.filter((q) => q.url.startsWith('/lb/after/')).length).toBe(4);
  });
});

describe('metrics_exporter', () => {
  test('GET /metrics is Prometheus text with the DESIGN names', async () => {
    await httpRequest(main.url('/warm-metrics'));
    const r = await httpRequest(main.url('/metrics'));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const name of [
      'proxycache_requests_total',
      'proxycache_active_connections',
      'proxycache_bytes_in',
      'proxycache_bytes_out',
      'proxycache_latency_max_ms',
      'proxycache_pool_hits',
      'proxycache_circuit_breaker_trips',
    ]) {
      expect(r.text).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? \\d`, 'm'));
    }
    expect(mainOrigin.count('/metrics')).toBe(0);
  });

  test('POST /metrics answers 405', async () => {
    const r = await httpRequest(main.url('/metrics'), { method: 'POST', body: 'x' });
    expect(r.status).toBe(405);
    expect(mainOrigin.count('/metrics')).toBe(0);
  });
});

describe('admin_api', () => {
  test('/status', async () => {
    const r = await httpRequest(main.adminUrl('/status'));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const body = JSON.parse(r.text) as {
      status: string;
      pid: number;
      listeners: { main: string; admin: string };
    };
    expect(body.status).toBe('ok');
    expect(body.pid).toBe(main.pid);
    expect(body.listeners).toEqual({ main: `127.0.0.1:${main.port}`, admin: `127.0.0.1:${main.adminPort}` });
  });

  test('/stats carries requests_total and latency_avg_ms', async () => {
    await httpRequest(main.url('/for-stats'));
    const r = await httpRequest(main.adminUrl('/stats'));
    expect(r.status).toBe(200);
    const stats = JSON.parse(r.text) as { requests_total: number; latency_avg_ms: number };
    expect(stats.requests_total).toBeGreaterThanOrEqual(1);
    expect(typeof stats.latency_avg_ms).toBe('number');
    expect(stats.latency_avg_ms).toBeGreaterThan(0);
  });

  test('/mods lists the 13 built-ins', async () => {
    const r = await httpRequest(main.adminUrl('/mods'));
    expect(r.status).toBe(200);
    const mods = (JSON.parse(r.text) as { modules: { name: string; enabled: boolean }[] }).modules;
    expect(mods.map((m) => m.name).sort()).toEqual(BUILTINS);
  });

  test('/config/verify reports the running config file as valid', async () => {
    const r = await httpRequest(main.adminUrl('/config/verify'));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ ok: true, file: main.configFile, errors: [] });
  });

  test('the admin routes are not served on the main listener', async () => {
    const before = mainOrigin.count('/status');
    await httpRequest(main.url('/status'));
    expect(mainOrigin.count('/status')).toBe(before + 1);
  });

  test('with api_key: 401 without or with a wrong key, 200 with Bearer or X-Api-Key', async () => {
    const none = await httpRequest(breaker.adminUrl('/status'));
    expect(none.status).toBe(401);
    const wrong = await httpRequest(breaker.adminUrl('/status'), {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    const bearer = await httpRequest(breaker.adminUrl('/status'), {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(bearer.status).toBe(200);
    const header = await httpRequest(breaker.adminUrl('/status'), { headers: { 'x-api-key': API_KEY } });
    expect(header.status).toBe(200);
  });

  test('a disabled admin_api opens no listener', async () => {
    await expect(httpRequest(`http://127.0.0.1:${limitedAdminPort}/status`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});

describe('raw_tcp', () => {
  test('a non-HTTP client reaches the TCP echo backend', async () => {
    const got = await new Promise<string>((resolve, reject) => {
      const s = connect(custom.port, '127.0.0.1');
      let text = '';
      s.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.length >= 'hello raw\n'.length) {
          s.destroy();
          resolve(text);
        }
      });
      s.on('error', reject);
      setTimeout(() => {
        s.destroy();
        resolve(text);
      }, 4000);
      s.write('hello raw\n');
    });
    expect(got).toBe('hello raw\n');
    expect(Buffer.concat(echo.received).toString()).toContain('hello raw\n');
  });
});

describe('user modules, enabled = false, no responder', () => {
  test('priority order on request, reverse order on response, the first response wins', async () => {
    const r = await httpRequest(custom.url('/first'));
    expect(r.status).toBe(200);
    expect(r.text).toBe('first ab');
    expect(r.headers['x-order']).toBe('ba');
    // A module after the responder never ran, so it has no on_response either.
    expect(r.headers['x-late']).toBeUndefined();
    const second = await httpRequest(custom.url('/second'));
    expect(second.text).toBe('second');
  });

  test('overrides removes the built-in it names', async () => {
    const r = await httpRequest(custom.url('/health'));
    expect(r.status).toBe(200);
    expect(r.text).toBe('custom health');
    const mods = JSON.parse((await httpRequest(custom.adminUrl('/mods'))).text) as {
      modules: { name: string; enabled: boolean }[];
    };
    expect(mods.modules.find((m) => m.name === 'health_check')?.enabled ?? false).toBe(false);
    expect(mods.modules.find((m) => m.name === 'my_health')?.enabled).toBe(true);
  });

  test('enabled = false removes a module; with proxy_core disabled nothing responds → 500', async () => {
    const metrics = await httpRequest(custom.url('/metrics'));
    expect(metrics.status).toBe(500);
    const r = await httpRequest(custom.url('/nobody'));
    expect(r.status).toBe(500);
    expect(r.text).toBe('500 Internal Server Error\n');
    expect(r.headers.connection).toBe('close');
    expect(r.headers['content-length']).toBe(String(r.body.length));
  });
});
