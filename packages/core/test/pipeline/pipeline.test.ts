import type { ModuleInstance } from '@proxycache/pcmod-lang';
import { describe, expect, it } from 'vitest';
import type { ProxyExchange } from '../../src/pipeline/exchange.js';
import { Pipeline, type PipelineStage, type ScriptErrorReporter } from '../../src/pipeline/pipeline.js';
import { selectModules } from '../../src/pipeline/select-modules.js';
import { fakeModule, testConfig } from '../server/helpers.js';
import { getExchange as exchange } from './exchange-fixtures.js';

function stage(name: string, instance: ModuleInstance): PipelineStage {
  return { name, file: `/mods/${name}.pcmod`, priority: 0, instance, sourceMap: undefined };
}

const noReport: ScriptErrorReporter = () => {};

/** Runs the pipeline; resolves with the exchange and whether `done` ran synchronously. */
function run(p: Pipeline, x: ProxyExchange): Promise<{ x: ProxyExchange; sync: boolean }> {
  return new Promise((resolve) => {
    let returned = false;
    p.run(x, (done) => resolve({ x: done, sync: !returned }));
    returned = true;
  });
}

describe('module selection', () => {
  const mods = [
    fakeModule('c', 50, () => ({})),
    fakeModule('a', 50, () => ({})),
    fakeModule('z', 10, () => ({})),
    fakeModule('off', 5, () => ({})),
    fakeModule('health_check', 50, () => ({})),
    fakeModule('my_health', 45, () => ({}), { overrides: ['health_check'] }),
  ];

  it('orders by priority, ties by name, skips disabled modules and removes overridden ones', () => {
    const config = testConfig({}, { off: { enabled: false } });
    expect(selectModules(mods, config).map((m) => m.name)).toEqual(['z', 'my_health', 'a', 'c']);
  });

  it('a disabled overriding module does not remove its target', () => {
    const config = testConfig({}, { off: { enabled: false }, my_health: { enabled: false } });
    expect(selectModules(mods, config).map((m) => m.name)).toEqual(['z', 'a', 'c', 'health_check']);
  });
});

describe('pipeline runner', () => {
  it('stops at the first responder and runs on_response in reverse over the modules that ran', async () => {
    const order: string[] = [];
    const mk = (name: string, respond: boolean): PipelineStage =>
      stage(name, {
        onRequest: (x) => {
          order.push(`req:${name}`);
          if (respond) x.respond(201, 'text', `from ${name}`);
        },
        onResponse: () => void order.push(`res:${name}`),
      });
    const p = new Pipeline([mk('first', false), mk('second', true), mk('third', true)], noReport);
    const { x, sync } = await run(p, exchange());
    expect(order).toEqual(['req:first', 'req:second', 'res:second', 'res:first']);
    expect(x.status).toBe(201);
    expect(x.responder).toBe('second');
    expect(String(x.response?.body)).toBe('from second');
    expect(x.response?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(sync).toBe(true);
  });

  it('answers 500 PC_ERR_NO_RESPONDER when nobody responds, after every on_response', async () => {
    const order: string[] = [];
    const p = new Pipeline(
      [
        stage('a', { onResponse: () => void order.push('a') }),
        stage('b', { onResponse: () => void order.push('b') }),
      ],
      noReport,
    );
    const { x } = await run(p, exchange());
    expect(x.status).toBe(500);
    expect(x.error?.code).toBe('PC_ERR_NO_RESPONDER');
    expect(x.response?.headers.connection).toBe('close');
    expect(order).toEqual(['b', 'a']);
  });

  it('awaits only handlers that return a promise', async () => {
    const order: string[] = [];
    const p = new Pipeline(
      [
        stage('sync', {
          onRequest: () => void order.push('sync'),
          onResponse: () => void order.push('sync-res'),
        }),
        stage('async', {
          onRequest: async (x) => {
            await new Promise((r) => setTimeout(r, 5));
            order.push('async');
            x.respond(200, undefined, 'late');
          },
          onResponse: async () => {
            await Promise.resolve();
            order.push('async-res');
          },
        }),
      ],
      noReport,
    );
    const { x, sync } = await run(p, exchange());
    expect(sync).toBe(false);
    expect(x.status).toBe(200);
    expect(order).toEqual(['sync', 'async', 'async-res', 'sync-res']);
  });

  it('turns a throwing on_request into 500 PC_ERR_SCRIPT, reports the location and keeps going', async () => {
    const reports: { code: string; module: string; phase: string; line: number }[] = [];
    const report: ScriptErrorReporter = (err, st, phase, where) =>
      reports.push({ code: err.code, module: st.name, phase, line: where.line });
    const ran: string[] = [];
    const boom = Object.assign(new Error('boom'), { where: { file: '/mods/bad.pcmod', line: 7, column: 3 } });
    const p = new Pipeline(
      [
        stage('before', { onResponse: () => void ran.push('before-res') }),
        stage('bad', {
          onRequest: (x) => {
            if (x.path === '/boom') throw boom;
          },
          onResponse: () => void ran.push('bad-res'),
        }),
        stage('after', {
          onRequest: (x) => {
            ran.push('after-req');
            x.respond(200, 'text', 'fine');
          },
        }),
      ],
      report,
    );
    const { x } = await run(p, exchange('/boom'));
    expect(x.status).toBe(500);
    expect(x.error?.code).toBe('PC_ERR_SCRIPT');
    expect(x.error?.cause).toBe(boom);
    expect(reports).toEqual([{ code: 'PC_ERR_SCRIPT', module: 'bad', phase: 'on_request', line: 7 }]);
    expect(ran).toEqual(['before-res']);
    // the same pipeline serves the next request normally
    const { x: next } = await run(p, exchange('/ok'));
    expect(next.status).toBe(200);
    expect(ran).toEqual(['before-res', 'after-req', 'bad-res', 'before-res']);
    expect(reports).toHaveLength(1);
  });

  it('turns a rejected async handler into 500 PC_ERR_SCRIPT', async () => {
    const p = new Pipeline([stage('bad', { onRequest: () => Promise.reject(new Error('nope')) })], noReport);
    const { x } = await run(p, exchange());
    expect(x.status).toBe(500);
    expect(x.error?.message).toBe('bad on_request: nope');
  });

  it('a throwing on_response replaces the response with 500 and the remaining on_response still run', async () => {
    const ran: string[] = [];
    const p = new Pipeline(
      [
        stage('outer', { onResponse: (x) => void ran.push(`outer saw ${x.status}`) }),
        stage('inner', {
          onRequest: (x) => x.respond(200, 'text', 'ok'),
          onResponse: () => {
            throw new Error('bad header');
          },
        }),
      ],
      noReport,
    );
    const { x } = await run(p, exchange());
    expect(x.status).toBe(500);
    expect(ran).toEqual(['outer saw 500']);
  });
});

describe('ProxyExchange', () => {
  it('splits path and query, rewrites keep the query, and headers follow the phase', () => {
    const x = exchange('/a/b?x=1&y=2');
    expect([x.path, x.query, x.uri]).toEqual(['/a/b', 'x=1&y=2', '/a/b?x=1&y=2']);
    x.setPath('/c');
    expect([x.path, x.uri]).toEqual(['/c', '/c?x=1&y=2']);
    x.setHeader('on_request', 'X-Up', 'v');
    expect(x.requestHeaders['x-up']).toBe('v');
    x.respond(200, 'json', '{}');
    x.setHeader('on_response', 'X-Down', 'w');
    expect(x.response?.headers['x-down']).toBe('w');
    expect(x.content_type).toBe('application/json');
    x.removeHeader('on_response', 'x-down');
    expect(x.response?.headers['x-down']).toBeUndefined();
    expect(() => x.setHeader('on_response', 'X-Bad', 'a\nb')).toThrow();
    expect(x.ctxGet('missing')).toBe('');
    x.ctxSet('k', 'v');
    expect(x.ctxGet('k')).toBe('v');
  });

  it('takes the host from an absolute-form target and replaces the Host header (RFC 9112 §3.2.2)', () => {
    const x = exchange('http://other.test:8080/p?q=1');
    expect([x.host, x.path, x.query]).toEqual(['other.test:8080', '/p', 'q=1']);
    expect(x.requestHeaders.host).toBe('other.test:8080');
  });
});
