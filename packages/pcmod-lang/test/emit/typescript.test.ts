// biome-ignore-all lint/suspicious/noTemplateCurlyInString: pcmod sources and payloads spell ${…} on purpose.
/**
 * `emitTypeScript` prints the same module as typed TypeScript: it type-checks against the runtime
 * contract under strict options, and once its types are stripped it behaves like the JavaScript.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { check } from '../../src/checker/check.js';
import { emit, emitTypeScript } from '../../src/emit/emit.js';
import { parse } from '../../src/parser/parse.js';
import type { ModuleInstance } from '../../src/runtime/contract.js';
import { binary, block, call, cfg, checked, ctxRef, handler, interp, ref, stmt, str } from './ast-builder.js';
import { FakeBindings, FakeExchange } from './fakes.js';

const contractPath = fileURLToPath(new URL('../../src/runtime/contract.ts', import.meta.url));

/** A module using every statement, config type and a sync and an async handler. */
const rich = checked(
  [
    handler(
      'on_start',
      stmt.log('info', interp('starting with ', cfg('backends'))),
      stmt.call(call('std.cache.warm', [cfg('backends')])),
    ),
    handler(
      'on_request',
      stmt.let('ua', call('header', [str('User-Agent')])),
      stmt.if(
        binary(ref('path'), 'in', cfg('blocked')),
        block(stmt.respond(403, str('forbidden'))),
        block(
          stmt.if(
            binary(
              binary(ref('ua'), 'contains', str('curl')),
              '&&',
              binary(ref('path'), 'matches', cfg('pattern')),
            ),
            block(
              stmt.setCtx(
                'kind',
                interp('curl ', cfg('ttl'), ' ', cfg('limit'), ' ', cfg('rules'), ' ', cfg('on')),
              ),
            ),
          ),
        ),
      ),
      stmt.setHeader(str('X-Len'), call('len', [ref('ua')])),
      stmt.call(call('std.cache.check')),
      stmt.call(call('std.proxy.forward', [ctxRef('backend')])),
    ),
    handler(
      'on_response',
      stmt.setHeader(str('X-Status'), interp('${', ref('status'), '}')),
      stmt.removeHeader(str('Server')),
    ),
  ],
  [
    { name: 'backends', type: 'list<str>', default: ['/a', '/b'], line: 1 },
    { name: 'blocked', type: 'list<str>', default: ['/admin'], line: 2 },
    { name: 'pattern', type: 'str', default: '^/s/', line: 3 },
    { name: 'ttl', type: 'duration', default: 30, line: 4 },
    { name: 'limit', type: 'size', default: 1024, line: 5 },
    { name: 'rules', type: 'map', default: new Map([['/old', '/new']]), line: 6 },
    { name: 'on', type: 'bool', default: true, line: 7 },
  ],
);

const config = {
  backends: ['/a', '/b'],
  blocked: ['/admin'],
  pattern: '^/s/',
  ttl: 30,
  limit: 1024,
  rules: new Map([['/old', '/new']]),
  on: true,
};

/** Type errors of in-memory modules (file name → source), checked in one program. */
function typeErrors(sources: Record<string, string>): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts'],
    types: [],
    paths: { '@proxycache/pcmod-lang': [contractPath] },
  };
  const host = ts.createCompilerHost(options);
  const virtual = new Map(Object.entries(sources).map(([name, text]) => [`/virtual/${name}.ts`, text]));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version) => {
    const text = virtual.get(name);
    return text === undefined ? getSourceFile(name, version) : ts.createSourceFile(name, text, version);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(name) || fileExists(name);
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

async function runRequest(instance: ModuleInstance, b: FakeBindings, path: string): Promise<unknown[]> {
  const x = new FakeExchange({ path });
  await instance.onRequest?.(x);
  await instance.onResponse?.(x);
  return [...x.events, ...b.calls.splice(0)];
}

describe('emitTypeScript', () => {
  test('the hand-built module and every ok-* case type-check against the runtime contract', () => {
    const casesDir = new URL('../cases/', import.meta.url);
    const sources: Record<string, string> = { rich: emitTypeScript(rich) };
    for (const name of readdirSync(casesDir).filter((f) => f.startsWith('ok-') && f.endsWith('.pcmod'))) {
      sources[name] = emitTypeScript(check(parse(readFileSync(new URL(name, casesDir), 'utf8'), name)));
    }
    expect(Object.keys(sources).length).toBeGreaterThan(1);
    expect(typeErrors(sources)).toEqual([]);
  }, 60_000);

  test('behaves like the JavaScript once its types are stripped', async () => {
    const stripped = ts.transpileModule(emitTypeScript(rich), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const exports: { instantiate?: (b: FakeBindings, c: typeof config) => ModuleInstance; meta?: unknown } =
      {};
    new Function('exports', 'require', stripped)(exports, () => ({}));
    expect(exports.meta).toEqual({ name: 'hand', version: '0.0.0', priority: 100, overrides: [] });

    const jsBindings = new FakeBindings({ header: () => 'curl/8' });
    const tsBindings = new FakeBindings({ header: () => 'curl/8' });
    const js = emit(rich).instantiate(jsBindings, config);
    const typed = exports.instantiate?.(tsBindings, config) as ModuleInstance;
    for (const path of ['/admin', '/s/x', '/other']) {
      expect(await runRequest(typed, tsBindings, path)).toEqual(await runRequest(js, jsBindings, path));
    }
    const started = await runRequest(js, jsBindings, '/s/x');
    expect(started).toEqual([
      ['ctxSet', 'kind', 'curl 30 1024 {"/old":"/new"} true'],
      ['setHeader', 'on_request', 'X-Len', '0'],
      ['setHeader', 'on_response', 'X-Status', '${0}'],
      ['removeHeader', 'on_response', 'Server'],
      ['header', 'User-Agent'],
      ['len', 'curl/8'],
      ['std.cache.check'],
      ['std.proxy.forward', ''],
    ]);
    const scope = new FakeExchange();
    await typed.onStart?.(scope);
    expect(tsBindings.calls).toEqual([['std.cache.warm', ['/a', '/b']]]);
    expect(tsBindings.logs.map((l) => l.message)).toEqual(['starting with /a,/b']);
  });

  test('async continuations behave like the JavaScript, returning a promise on the same paths', async () => {
    const name = 'ok-async-continuations.pcmod';
    const checkedCase = check(
      parse(readFileSync(new URL(`../cases/${name}`, import.meta.url), 'utf8'), name),
    );
    const stripped = ts.transpileModule(emitTypeScript(checkedCase), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const exports: { instantiate?: (b: FakeBindings, c: Record<string, unknown>) => ModuleInstance } = {};
    new Function('exports', 'require', stripped)(exports, () => ({}));
    const caseConfig = { enabled: true, hosts: ['a', 'b'], ttl: 30 };
    const bindings = () =>
      new FakeBindings({ header: () => 'curl/8', 'std.admin.config_verify': () => 'ok' });
    for (const method of ['GET', 'POST']) {
      for (const path of ['/verify', '/metrics', '/up', '/other']) {
        const results = [];
        for (const instance of [
          emit(checkedCase).instantiate(bindings(), caseConfig),
          exports.instantiate?.(bindings(), caseConfig) as ModuleInstance,
        ]) {
          const x = new FakeExchange({ path, method });
          const r = instance.onRequest?.(x);
          const isPromise = r instanceof Promise;
          await r;
          results.push({ isPromise, events: x.events });
        }
        expect(results[1], `${method} ${path}`).toEqual(results[0]);
        expect(results[0]?.isPromise, `${method} ${path}`).toBe(path !== '/other');
      }
    }
  });
});
