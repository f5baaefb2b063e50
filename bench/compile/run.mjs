#!/usr/bin/env node
// Compile benchmark (not a test): compiling a generated 10,000-line module, and the per-call cost of a
// compiled handler against the same logic hand-written in JavaScript. Run after `npm run build`:
//   node bench/compile/run.mjs
// Goals (issue #2): 10,000 lines in under 1 s; the compiled handler within 1.2x of the hand-written one.
import { performance } from 'node:perf_hooks';
import { compile } from '@proxycache/pcmod-lang';
import { generateLargeModule } from './generate.mjs';

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// ---- 1. compile time -----------------------------------------------------------------------------
const large = generateLargeModule(10_000);
const lines = large.split('\n').length;
const compileTimes = [];
let result;
for (let i = 0; i < 7; i++) {
  const t0 = performance.now();
  result = compile(large, 'large.pcmod');
  compileTimes.push(performance.now() - t0);
}
const errors = result.diagnostics.filter((d) => d.severity === 'error');
if (errors.length > 0 || !result.module) {
  console.error('generated module does not compile:', errors.slice(0, 3));
  process.exit(1);
}
console.log(
  `compile ${lines} lines: median ${median(compileTimes).toFixed(1)} ms (min ${Math.min(...compileTimes).toFixed(1)} ms, first ${compileTimes[0].toFixed(1)} ms)`,
);

// ---- 2. per-call cost ----------------------------------------------------------------------------
const source = `mod routing
config {
  blocked list ["/admin", "/.git", "/wp-login.php"]
  api_prefix str "/api/"
  greeting str "hello"
}
on_request {
  if path in $blocked {
    respond 403 "forbidden"
  } else if path starts_with $api_prefix && method == "GET" {
    set_header "X-Api" "1"
    set_ctx kind "api"
  } else if header("x-debug") == "1" {
    set_ctx kind "debug"
  }
  set_header "X-Greeting" "$greeting from \${host}"
}
`;
const compiled = compile(source, 'routing.pcmod');
if (!compiled.module) {
  console.error(compiled.diagnostics);
  process.exit(1);
}

class FakeExchange {
  constructor(path, method, headers) {
    this.method = method;
    this.path = path;
    this.query = '';
    this.uri = path;
    this.host = 'example.test';
    this.scheme = 'http';
    this.client_ip = '127.0.0.1';
    this.protocol = 'h1';
    this.listener = 'main';
    this.status = 0;
    this.content_type = '';
    this.headers = headers;
    this.ctx = undefined;
    this.responded = false;
    this.out = {};
  }
  setHeader(_phase, name, value) {
    this.out[name] = value;
  }
  removeHeader(_phase, name) {
    delete this.out[name];
  }
  ctxGet(k) {
    return this.ctx?.get(k) ?? '';
  }
  ctxSet(k, v) {
    if (this.ctx === undefined) this.ctx = new Map();
    this.ctx.set(k, v);
  }
  respond(status) {
    this.responded = true;
    this.status = status;
  }
}
const bindings = {
  fns: { header: (x, name) => x.headers[name.toLowerCase()] ?? '' },
  log() {},
};
const config = {
  enabled: true,
  blocked: ['/admin', '/.git', '/wp-login.php'],
  api_prefix: '/api/',
  greeting: 'hello',
};
const instance = compiled.module.instantiate(bindings, config);

// The same logic, hand-written.
const handWritten = (x) => {
  if (config.blocked.includes(x.path)) {
    x.respond(403, 'text/plain; charset=utf-8', 'forbidden');
    return;
  }
  if (x.path.startsWith(config.api_prefix) && x.method === 'GET') {
    x.setHeader('on_request', 'X-Api', '1');
    x.ctxSet('kind', 'api');
  } else if (bindings.fns.header(x, 'x-debug') === '1') {
    x.ctxSet('kind', 'debug');
  }
  x.setHeader('on_request', 'X-Greeting', `${config.greeting} from ${x.host}`);
};

const paths = ['/api/users', '/index.html', '/admin', '/api/items', '/static/app.js'];
const headers = [{}, { 'x-debug': '1' }];
const N = 2_000_000;
function run(fn) {
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const x = new FakeExchange(paths[i % 5], 'GET', headers[i & 1]);
    fn(x);
    sink += x.responded ? 1 : 0;
  }
  const ns = ((performance.now() - t0) * 1e6) / N;
  if (sink === 0) throw new Error('unreachable');
  return ns;
}
const handler = instance.onRequest;
const compiledTimes = [];
const handTimes = [];
for (let round = 0; round < 7; round++) {
  compiledTimes.push(run(handler));
  handTimes.push(run(handWritten));
}
const c = median(compiledTimes);
const h = median(handTimes);
console.log(
  `per call: compiled ${c.toFixed(1)} ns, hand-written ${h.toFixed(1)} ns, ratio ${(c / h).toFixed(2)}x`,
);
console.log(
  `sync handler (no promise per request): ${handler(new FakeExchange('/x', 'GET', {})) === undefined}`,
);
