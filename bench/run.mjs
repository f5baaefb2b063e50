#!/usr/bin/env node
// `npm run bench`: proxycache's own load benchmark on loopback.
//
// Starts an origin (nginx when installed, else bench/peers/origin.mjs), proxycache with the cache on
// (access log on and off) and off, plus two Node reference programs (a constant-body server, the
// ceiling for a Node cache hit, and a minimal node:http + undici pass-through proxy), then measures
// with wrk (autocannon when wrk is missing) and prints req/s, p99, CPU per request and ratios.
//
//   npm run bench                                  # all scenarios, 1 repeat of 10 s
//   npm run bench -- --duration 5 --repeats 3 --scenarios hit-small
//   npm run bench -- --profile                     # + CPU profile of proxycache per scenario
//   npm run bench -- --peers [harness options]     # side by side with nginx, fastify, ... (shared harness)
//   npm run bench -- --peers --starts 5 [...]      # 5 harness runs (fresh starts) + report over them
//
// Build first (`npx tsc -b`). Numbers go to stdout and to bench/results/ (git-ignored). Pinning as in
// the shared harness on a 2-core box: the target on CPU 0, the load generator and the origin on CPU 1.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MINIMAL_SECTIONS } from './peers/proxycache-target.mjs';
import { formatSummary, summarize } from './tools/profile-top.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(BENCH);
const CLI = path.join(REPO, 'packages/core/bin/proxycache.js');
const SHARED_HARNESS = process.env.BENCH_HARNESS || '/work/shared/bench/run.sh';
const PEER_TARGETS = path.join(BENCH, 'peers/proxycache-target.mjs');

const SCENARIOS = {
  'hit-small': { path: '/small', bytes: 1024, desc: 'GET /small 1 KiB, cacheable: a cache hit' },
  'hit-large': { path: '/large', bytes: 100 * 1024, desc: 'GET /large 100 KiB, cacheable: a cache hit' },
  'pass-small': { path: '/nocache', bytes: 1024, desc: 'GET /nocache 1 KiB, no-store: forwarded every time' },
};

// ------------------------------------------------------------------ options

function usage() {
  return `usage: npm run bench -- [options]
  --scenarios a,b      ${Object.keys(SCENARIOS).join(',')} (default: all)
  --targets a,b        proxycache,proxycache-warn,proxycache-nocache,node-const,undici-proxy (default: all);
                       proxycache-minimal (only cache + proxy_core, log warn) runs when named here
  --duration S         seconds per run (default 10)
  --connections N      wrk connections (default 50)
  --repeats N          rounds; target order reverses every other round (default 1)
  --warmup S           seconds of warm-up per target x scenario (default 2)
  --profile            CPU-profile proxycache during each measured run (top functions printed,
                       .cpuprofile kept in bench/results/profiles/)
  --baseline DIR       also run a saved copy of packages/core (bin/ + dist/, e.g. made with
                       \`mkdir -p .tmp/base/packages && cp -r packages/core .tmp/base/packages/\`) as
                       targets base, base-warn, base-nocache, interleaved with the current build: an
                       A/B comparison that holds up on a noisy machine
  --core DIR           run the proxycache targets from this copy of packages/core instead of the
                       checkout's (to compare two builds that differ only by the change under test)
  --no-pin             no taskset pinning
  --out FILE           report path (default bench/results/local-<time>.md, .json next to it)
  --peers [...]        run the shared side-by-side harness (${SHARED_HARNESS}) with
                       bench/peers/proxycache-target.mjs; other options are passed to it
                       (default: --targets nginx-cache,nginx-pass,node-const,fastify-proxy,undici-proxy,proxycache
                        --scenarios hit-small,hit-large,pass-small --out bench/results/peers-<time>.md)
  --peers --starts N   the harness N times in a row (every target started afresh each time; reports
                       peers-<time>-start<i>.md), then bench/tools/aggregate-peers.mjs over the N .json:
                       bench/results/peers-starts-<time>.md (with --out X.md: X-start<i>.md and X.md);
                       --ref SCENARIO=REF[,...] is passed to the aggregator`;
}

function parseArgs(argv) {
  const o = {
    scenarios: Object.keys(SCENARIOS),
    targets: null,
    duration: 10,
    connections: 50,
    repeats: 1,
    warmup: 2,
    profile: false,
    pin: true,
    out: null,
    baseline: null,
    core: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--scenarios':
        o.scenarios = val().split(',');
        break;
      case '--targets':
        o.targets = val().split(',');
        break;
      case '--duration':
        o.duration = Number(val());
        break;
      case '--connections':
        o.connections = Number(val());
        break;
      case '--repeats':
        o.repeats = Number(val());
        break;
      case '--warmup':
        o.warmup = Number(val());
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--no-pin':
        o.pin = false;
        break;
      case '--out':
        o.out = path.resolve(val());
        break;
      case '--baseline':
        o.baseline = path.resolve(val());
        break;
      case '--core':
        o.core = path.resolve(val());
        break;
      case '-h':
      case '--help':
        console.log(usage());
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a}\n${usage()}`);
    }
  }
  for (const s of o.scenarios) if (!(s in SCENARIOS)) throw new Error(`unknown scenario ${s}`);
  return o;
}

// ------------------------------------------------------------------ --peers: delegate to the shared harness

function runPeers(rest) {
  if (!fs.existsSync(SHARED_HARNESS)) {
    console.error(`shared harness not found at ${SHARED_HARNESS} (set BENCH_HARNESS)`);
    return 2;
  }
  let peers;
  try {
    peers = splitPeersArgs(rest);
  } catch (e) {
    console.error(e.message);
    return 2;
  }
  if (!peers.series) return runHarness(peerArgs(peers.args, null)).status ?? 1;
  return runStarts(peers);
}

/** Takes `--starts N` and `--ref ...` (ours) out of the --peers arguments; the rest goes to the harness. */
function splitPeersArgs(rest) {
  const o = { starts: 1, series: false, refs: [], args: [] };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a !== '--starts' && a !== '--ref') {
      o.args.push(a);
      continue;
    }
    const v = rest[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === '--ref') {
      o.refs.push('--ref', v);
      continue;
    }
    o.starts = Number(v);
    o.series = true;
    if (!Number.isInteger(o.starts) || o.starts < 1)
      throw new Error(`--starts needs a whole number >= 1, got ${v}`);
  }
  if (o.refs.length > 0 && !o.series) throw new Error('--ref only applies with --starts');
  const alone = ['--list', '--rerender', '--smoke-only', '--cleanup'].filter((f) => o.args.includes(f));
  if (o.series && alone.length > 0) throw new Error(`--starts does not combine with ${alone.join(', ')}`);
  return o;
}

/** Harness argv: our target file, the default targets and scenarios unless given, and the report path. */
function peerArgs(rest, out) {
  const has = (flag) => rest.includes(flag);
  const args = ['--targets-file', PEER_TARGETS, ...rest];
  if (!has('--targets') && !has('--list') && !has('--rerender'))
    args.push('--targets', 'nginx-cache,nginx-pass,node-const,fastify-proxy,undici-proxy,proxycache');
  if (!has('--scenarios') && !has('--list') && !has('--rerender'))
    args.push('--scenarios', 'hit-small,hit-large,pass-small');
  if (out) args.push('--out', out);
  else if (!has('--out')) {
    fs.mkdirSync(path.join(BENCH, 'results'), { recursive: true });
    args.push('--out', path.join(BENCH, 'results', `peers-${stamp()}.md`));
  }
  return args;
}

function runHarness(args) {
  console.log(`> ${SHARED_HARNESS} ${args.join(' ')}`);
  return spawnSync(SHARED_HARNESS, args, {
    stdio: 'inherit',
    env: { ...process.env, PROXYCACHE_REPO: REPO },
  });
}

/**
 * `--peers --starts N`: N harness runs in a row, each a fresh start of every target (start-to-start and
 * machine-phase drift is as large as the differences we look for), then one report of the medians over
 * the runs and of the per-run ratios (tools/aggregate-peers.mjs). With `--out X.md` the runs go to
 * X-start<i>.md and the aggregate to X.md; otherwise peers-<time>-start<i>.md and peers-starts-<time>.md.
 */
function runStarts({ starts, refs, args }) {
  const at = args.indexOf('--out');
  let base;
  let aggregate;
  if (at >= 0) {
    if (args[at + 1] === undefined) {
      console.error('--out needs a value');
      return 2;
    }
    aggregate = path.resolve(args[at + 1]);
    base = aggregate.replace(/\.md$/, '');
    args = args.filter((_, i) => i !== at && i !== at + 1);
  } else {
    const t = stamp();
    base = path.join(BENCH, 'results', `peers-${t}`);
    aggregate = path.join(BENCH, 'results', `peers-starts-${t}.md`);
  }
  fs.mkdirSync(path.dirname(aggregate), { recursive: true });
  const dry = args.includes('--dry-run');
  const jsons = [];
  let failed = false;
  for (let i = 1; i <= starts; i++) {
    console.log(`\n=== start ${i} of ${starts}`);
    const out = `${base}-start${i}.md`;
    const r = runHarness(peerArgs(args, out));
    if (r.signal || r.status === 130) return 130; // interrupted: no aggregate of a partial series
    if (r.status !== 0) {
      // A harness error (busy port, missing tool, ...) would only repeat: aggregate what we have.
      console.error(`start ${i}: harness exited with ${r.status}; stopping the series`);
      failed = true;
      break;
    }
    const json = out.replace(/\.md$/, '.json');
    if (dry || fs.existsSync(json)) jsons.push(json); // dry: show what the aggregator would read
  }
  if (jsons.length === 0) {
    console.error('no harness report to aggregate');
    return 1;
  }
  const agg = [path.join(BENCH, 'tools/aggregate-peers.mjs'), ...jsons, ...refs, '--out', aggregate];
  console.log(`\n> ${process.execPath} ${agg.join(' ')}`);
  if (dry) {
    console.log('(--dry-run: nothing measured, no aggregate written)');
    return 0;
  }
  const r = spawnSync(process.execPath, agg, { stdio: 'inherit' });
  if (r.status !== 0) return r.status ?? 1;
  console.log(`aggregate of ${jsons.length} start(s): ${aggregate}`);
  return failed ? 1 : 0;
}

// ------------------------------------------------------------------ helpers

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const have = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).status === 0;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const CPUS = os.cpus().length;
let pin = true;
const HAVE_TASKSET = have('taskset');
/** argv pinned to a CPU when pinning is on, taskset exists and there are at least two CPUs. */
function pinned(cpu, argv) {
  return pin && HAVE_TASKSET && CPUS >= 2 ? ['taskset', '-c', String(cpu), ...argv] : argv;
}

const procs = new Set();
const WORK = path.join(os.tmpdir(), `proxycache-bench-${process.pid}`);

function start(name, argv, env = {}) {
  fs.mkdirSync(WORK, { recursive: true });
  const log = fs.openSync(path.join(WORK, `${name}.log`), 'w');
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ['ignore', log, log],
    env: { ...process.env, ...env },
    detached: true,
  });
  fs.closeSync(log);
  const p = { name, child, exited: false };
  child.on('exit', () => {
    p.exited = true;
  });
  procs.add(p);
  return p;
}

async function stop(p) {
  if (p.exited) return;
  // Our own child, by PID (its process group was created for it by `detached`).
  try {
    process.kill(-p.child.pid, 'SIGTERM');
  } catch {
    p.child.kill('SIGTERM');
  }
  for (let i = 0; i < 50 && !p.exited; i++) await sleep(100);
  if (!p.exited) {
    try {
      process.kill(-p.child.pid, 'SIGKILL');
    } catch {}
  }
  procs.delete(p);
}

async function stopAll() {
  await Promise.all([...procs].map(stop));
}

async function get(url, timeoutMs = 2000) {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const r = await fetch(url, { signal: ac.signal });
    const body = Buffer.from(await r.arrayBuffer());
    return { status: r.status, headers: r.headers, bytes: body.length, text: body.toString() };
  } finally {
    clearTimeout(t);
  }
}

async function waitReady(p, url, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (p.exited) throw new Error(`${p.name} exited during start (log: ${WORK}/${p.name}.log)`);
    try {
      if ((await get(url, 1000)).status === 200) return;
    } catch {}
    await sleep(150);
  }
  throw new Error(`${p.name} not ready at ${url} after ${timeoutMs} ms (log: ${WORK}/${p.name}.log)`);
}

/** CPU seconds (user + system) of a process and its threads, from /proc. */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}

/** The target's own PID: the node process, not the taskset wrapper (taskset execs, so they are the same). */
const pidOf = (p) => p.child.pid;

// ------------------------------------------------------------------ origin

async function startOrigin() {
  const port = await freePort();
  const statusPort = await freePort();
  if (have('nginx')) {
    const dir = path.join(WORK, 'origin');
    const www = path.join(dir, 'www');
    fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
    fs.mkdirSync(www, { recursive: true });
    fs.writeFileSync(path.join(www, 'small'), Buffer.alloc(1024, 'x'));
    fs.writeFileSync(path.join(www, 'large'), Buffer.alloc(100 * 1024, 'x'));
    fs.writeFileSync(path.join(www, 'nocache'), Buffer.alloc(1024, 'x'));
    const conf = render('origin-nginx.conf', dir, {
      PORT: port,
      STATUS_PORT: statusPort,
      DIR: dir,
      WWW: www,
    });
    const p = start('origin', pinned(1, ['nginx', '-p', `${dir}/`, '-e', 'stderr', '-c', conf]));
    await waitReady(p, `http://127.0.0.1:${port}/small`);
    // stub_status counts its own requests too: subtract the reads made so far.
    let reads = 0;
    const requests = async () => (await originRequests(statusPort, /\n\s*\d+\s+\d+\s+(\d+)/)) - ++reads;
    return { p, port, kind: 'nginx', requests };
  }
  const p = start('origin', pinned(1, [process.execPath, path.join(BENCH, 'peers/origin.mjs')]), {
    PORT: String(port),
    STATUS_PORT: String(statusPort),
  });
  await waitReady(p, `http://127.0.0.1:${port}/small`);
  return { p, port, kind: 'node:http', requests: () => originRequests(statusPort, /requests (\d+)/) };
}

async function originRequests(statusPort, re) {
  const r = await get(`http://127.0.0.1:${statusPort}/status`);
  const m = r.text.match(re);
  return m ? Number(m[1]) : Number.NaN;
}

function render(template, dir, vars) {
  let text = fs.readFileSync(path.join(BENCH, 'configs', template), 'utf8');
  text = text.replace(/\{\{([A-Z0-9_]+)\}\}/g, (m, key) => {
    if (!(key in vars)) throw new Error(`${template}: no value for ${m}`);
    return String(vars[key]);
  });
  fs.mkdirSync(dir, { recursive: true });
  const out = path.join(dir, template);
  fs.writeFileSync(out, text);
  return out;
}

// ------------------------------------------------------------------ targets

function targetDefs(origin, o) {
  const all = ['hit-small', 'hit-large', 'pass-small'];
  // DIR is a copy of packages/core, or a directory holding packages/core (mods/ is found above it).
  const cliIn = (dir) =>
    [path.join(dir, 'bin/proxycache.js'), path.join(dir, 'packages/core/bin/proxycache.js')].find((f) =>
      fs.existsSync(f),
    ) ?? path.join(dir, 'bin/proxycache.js');
  const current = o.core ? cliIn(o.core) : CLI;
  const proxycache = (name, cache, log, scenarios, desc, cli = current, extra = '') => ({
    name,
    desc,
    scenarios,
    profileable: true,
    async argv(port) {
      const dir = path.join(WORK, name);
      const conf = render('proxycache.toml', dir, {
        PORT: port,
        ORIGIN_PORT: origin.port,
        ADMIN_PORT: await freePort(),
        CACHE_ENABLED: String(cache),
        LOG_LEVEL: log,
        EXTRA: extra,
      });
      const pre = o.profile ? ['--import', path.join(BENCH, 'tools/cpu-prof-signal.mjs')] : [];
      return [process.execPath, ...pre, cli, 'run', '--config', conf];
    },
  });
  const peer = (name, file, scenarios, desc) => ({
    name,
    desc,
    scenarios,
    profileable: false,
    async argv() {
      return [process.execPath, path.join(BENCH, 'peers', file)];
    },
  });
  const base = o.baseline ? cliIn(o.baseline) : undefined;
  const baseline = base
    ? [
        proxycache('base', true, 'info', all, `baseline ${o.baseline}, cache on, log_level info`, base),
        proxycache('base-warn', true, 'warn', all, `baseline ${o.baseline}, cache on, log_level warn`, base),
        proxycache('base-nocache', false, 'info', ['pass-small'], `baseline ${o.baseline}, cache off`, base),
      ]
    : [];
  return [
    proxycache('proxycache', true, 'info', all, 'cache on, log_level info (JSON access log per request)'),
    proxycache('proxycache-warn', true, 'warn', all, 'cache on, log_level warn (no access log)'),
    proxycache('proxycache-nocache', false, 'info', ['pass-small'], 'cache off, log_level info'),
    ...baseline,
    ...(o.targets?.includes('proxycache-minimal')
      ? [
          proxycache(
            'proxycache-minimal',
            true,
            'warn',
            all,
            'only cache + proxy_core, log_level warn',
            current,
            MINIMAL_SECTIONS,
          ),
        ]
      : []),
    peer(
      'node-const',
      'node-const.mjs',
      ['hit-small', 'hit-large'],
      'node:http constant body (Node ceiling for a hit)',
    ),
    peer(
      'undici-proxy',
      'undici-proxy.mjs',
      ['pass-small'],
      'node:http + undici Pool pass-through (minimal Node proxy)',
    ),
  ];
}

// ------------------------------------------------------------------ load

const HAVE_WRK = have('wrk');

function parseWrk(out) {
  const unit = (v, u) => Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60000 }[u] ?? 1);
  const lat = (p) => {
    const m = out.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'));
    return m ? unit(m[1], m[2]) : Number.NaN;
  };
  const rps = out.match(/Requests\/sec:\s+([\d.]+)/);
  const total = out.match(/(\d+) requests in/);
  const non2xx = out.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  const sock = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    rps: rps ? Number(rps[1]) : Number.NaN,
    requests: total ? Number(total[1]) : Number.NaN,
    p50: lat(50),
    p99: lat(99),
    errors: (non2xx ? Number(non2xx[1]) : 0) + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

/** One load run; resolves to { rps, requests, p50, p99, errors }. */
function load(url, seconds, connections) {
  if (HAVE_WRK) {
    const argv = pinned(1, ['wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url]);
    return new Promise((resolve, reject) => {
      const c = spawn(argv[0], argv.slice(1));
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (out += d));
      c.on('error', reject);
      c.on('exit', () => resolve(parseWrk(out)));
    });
  }
  return loadAutocannon(url, seconds, connections);
}

async function loadAutocannon(url, seconds, connections) {
  let autocannon;
  try {
    autocannon = (await import('autocannon')).default;
  } catch {
    throw new Error('neither wrk nor the autocannon package is available: install wrk (apt-get install wrk)');
  }
  const r = await autocannon({ url, connections, duration: seconds });
  return {
    rps: r.requests.average,
    requests: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
  };
}

// ------------------------------------------------------------------ main

async function main() {
  const argv = process.argv.slice(2);
  const peersAt = argv.indexOf('--peers');
  if (peersAt >= 0) return runPeers(argv.filter((_, i) => i !== peersAt));

  const o = parseArgs(argv);
  pin = o.pin;
  if (!fs.existsSync(path.join(REPO, 'packages/core/dist/cli/main.js'))) {
    console.error('proxycache is not built: run `npx tsc -b` first');
    return 2;
  }
  const resultsDir = path.join(BENCH, 'results');
  const out = o.out ?? path.join(resultsDir, `local-${stamp()}.md`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const profDir = path.join(resultsDir, 'profiles');

  const startedAt = new Date();
  const origin = await startOrigin();
  console.log(
    `origin: ${origin.kind} on 127.0.0.1:${origin.port}; load: ${HAVE_WRK ? 'wrk' : 'autocannon'}; pinning: ${pin && HAVE_TASKSET && CPUS >= 2 ? 'target CPU 0, load + origin CPU 1' : 'off'}`,
  );

  let defs = targetDefs(origin, o);
  if (o.targets) {
    for (const t of o.targets) if (!defs.some((d) => d.name === t)) throw new Error(`unknown target ${t}`);
    defs = defs.filter((d) => o.targets.includes(d.name));
  }
  const scenarios = o.scenarios;

  // Start every target once; they stay up for all rounds (as in the shared harness).
  const running = [];
  for (const d of defs) {
    if (!d.scenarios.some((s) => scenarios.includes(s))) continue;
    const port = await freePort();
    const env = d.profileable
      ? { CPU_PROF_DIR: profDir }
      : { PORT: String(port), ORIGIN: `http://127.0.0.1:${origin.port}` };
    const p = start(d.name, pinned(0, await d.argv(port)), env);
    await waitReady(p, `http://127.0.0.1:${port}${d.name === 'undici-proxy' ? '/nocache' : '/small'}`);
    running.push({ ...d, p, port });
    console.log(`${d.name} up on 127.0.0.1:${port} (pid ${pidOf(p)})`);
  }

  // Smoke: the second request of a hit URL must be a hit (no origin request), pass-small must not be.
  const smoke = [];
  for (const sc of scenarios) {
    for (const t of running) {
      if (!t.scenarios.includes(sc)) continue;
      const url = `http://127.0.0.1:${t.port}${SCENARIOS[sc].path}`;
      await get(url);
      const before = await origin.requests();
      const r = await get(url);
      const originReqs = (await origin.requests()) - before;
      smoke.push({
        scenario: sc,
        target: t.name,
        status: r.status,
        bytes: r.bytes,
        xcache: r.headers.get('x-cache') ?? '',
        originReqs,
      });
      if (r.status !== 200 || r.bytes !== SCENARIOS[sc].bytes)
        throw new Error(`smoke ${sc} ${t.name}: status ${r.status}, ${r.bytes} bytes`);
    }
  }

  if (o.warmup > 0) {
    for (const sc of scenarios)
      for (const t of running)
        if (t.scenarios.includes(sc))
          await load(`http://127.0.0.1:${t.port}${SCENARIOS[sc].path}`, o.warmup, o.connections);
  }

  const runs = [];
  for (let round = 1; round <= o.repeats; round++) {
    for (const sc of scenarios) {
      const order = running.filter((t) => t.scenarios.includes(sc));
      if (round % 2 === 0) order.reverse();
      for (const t of order) {
        const url = `http://127.0.0.1:${t.port}${SCENARIOS[sc].path}`;
        const pid = pidOf(t.p);
        const profiling = o.profile && t.profileable;
        if (profiling) {
          process.kill(pid, 'SIGUSR2');
          await sleep(200);
        }
        const o0 = await origin.requests();
        const c0 = cpuSeconds(pid);
        const r = await load(url, o.duration, o.connections);
        const c1 = cpuSeconds(pid);
        const o1 = await origin.requests();
        let profile;
        if (profiling) {
          const before = new Set(fs.existsSync(profDir) ? fs.readdirSync(profDir) : []);
          process.kill(pid, 'SIGUSR2');
          for (let i = 0; i < 100; i++) {
            await sleep(100);
            const added = fs.existsSync(profDir) ? fs.readdirSync(profDir).filter((f) => !before.has(f)) : [];
            if (added.length > 0) {
              await sleep(300);
              const dest = path.join(profDir, `${t.name}-${sc}-r${round}-${stamp()}.cpuprofile`);
              fs.renameSync(path.join(profDir, added[0]), dest);
              profile = dest;
              break;
            }
          }
        }
        const cpuUsPerReq = ((c1 - c0) * 1e6) / r.requests;
        const originPerReq = (o1 - o0) / r.requests;
        const row = {
          round,
          scenario: sc,
          target: t.name,
          ...r,
          cpuUsPerReq,
          cpuPct: ((c1 - c0) / o.duration) * 100,
          originPerReq,
          profile,
        };
        runs.push(row);
        console.log(
          `round ${round} ${sc.padEnd(10)} ${t.name.padEnd(18)} ${fmt(r.rps, 0).padStart(8)} req/s  p99 ${fmt(r.p99, 2).padStart(7)} ms  ${fmt(cpuUsPerReq, 0).padStart(4)} µs/req  origin/req ${fmt(originPerReq, 2)}  errors ${r.errors}`,
        );
        if (profile) {
          const lines = formatSummary(summarize(profile), 25, 12);
          console.log(lines.map((l) => `    ${l}`).join('\n'));
        }
      }
    }
  }
  await stopAll();
  fs.rmSync(WORK, { recursive: true, force: true });

  const report = renderReport({ o, origin, running, smoke, runs, startedAt, finishedAt: new Date() });
  fs.writeFileSync(out, report);
  fs.writeFileSync(out.replace(/\.md$/, '.json'), JSON.stringify({ options: o, smoke, runs }, null, 2));
  console.log(`\n${report.slice(report.indexOf('## Summary'))}`);
  console.log(`report: ${out}`);
  return 0;
}

function fmt(n, digits) {
  return Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '-';
}

function median(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Which target each scenario's rows are compared to. */
const REFS = {
  'hit-small': ['node-const', 'base'],
  'hit-large': ['node-const', 'base'],
  'pass-small': ['undici-proxy', 'base-nocache'],
};

function renderReport({ o, origin, running, smoke, runs, startedAt, finishedAt }) {
  const L = [];
  L.push('# proxycache local benchmark', '');
  L.push(
    `${startedAt.toISOString()} to ${finishedAt.toISOString()}, \`npm run bench -- ${process.argv.slice(2).join(' ')}\``,
    '',
  );
  L.push(
    `- Machine: ${CPUS} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, load average at the end ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}.`,
  );
  L.push(
    `- Origin: ${origin.kind}. Load: ${HAVE_WRK ? `wrk -t1 -c${o.connections} -d${o.duration}s --latency` : `autocannon -c${o.connections} -d${o.duration}`}, ${o.repeats} round(s), ${o.warmup} s warm-up per pair.`,
  );
  L.push(
    `- Pinning: ${pin && HAVE_TASKSET && CPUS >= 2 ? 'targets on CPU 0, load generator and origin on CPU 1' : 'none'}.`,
  );
  L.push(
    '- Config: bench/configs/proxycache.toml (rate_limiter and active_health disabled, admin API on a free port).',
  );
  L.push('');
  L.push('## Summary', '');
  L.push(
    "Medians over the rounds. CPU µs/req: the target's user + system CPU per request. origin/req: origin requests per client request (0 = served from cache).",
    '',
  );
  L.push('| scenario | target | req/s | p99 ms | CPU µs/req | origin/req | errors | vs ref 1 | vs ref 2 |');
  L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const sc of o.scenarios) {
    const med = new Map();
    for (const t of running) {
      const rows = runs.filter((r) => r.scenario === sc && r.target === t.name);
      if (rows.length === 0) continue;
      med.set(t.name, {
        rps: median(rows.map((r) => r.rps)),
        p99: median(rows.map((r) => r.p99)),
        cpu: median(rows.map((r) => r.cpuUsPerReq)),
        origin: median(rows.map((r) => r.originPerReq)),
        errors: rows.reduce((a, r) => a + r.errors, 0),
      });
    }
    const [ref1, ref2] = REFS[sc];
    for (const [name, m] of med) {
      const ratio = (ref) =>
        med.has(ref) && ref !== name ? `${(m.rps / med.get(ref).rps).toFixed(2)}x ${ref}` : '';
      L.push(
        `| ${sc} | ${name} | ${fmt(m.rps, 0)} | ${fmt(m.p99, 2)} | ${fmt(m.cpu, 0)} | ${fmt(m.origin, 2)} | ${m.errors} | ${ratio(ref1)} | ${ratio(ref2)} |`,
      );
    }
  }
  L.push('', '## Smoke (second request of each URL)', '');
  L.push(
    '| scenario | target | status | bytes | x-cache | origin requests |',
    '|---|---|---:|---:|---|---:|',
  );
  for (const s of smoke)
    L.push(`| ${s.scenario} | ${s.target} | ${s.status} | ${s.bytes} | ${s.xcache} | ${s.originReqs} |`);
  L.push('', '## Every run', '');
  L.push(
    '| round | scenario | target | req/s | p50 ms | p99 ms | CPU % | CPU µs/req | origin/req | errors | profile |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const r of runs)
    L.push(
      `| ${r.round} | ${r.scenario} | ${r.target} | ${fmt(r.rps, 0)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.cpuPct, 0)} | ${fmt(r.cpuUsPerReq, 0)} | ${fmt(r.originPerReq, 2)} | ${r.errors} | ${r.profile ? path.relative(REPO, r.profile) : ''} |`,
    );
  L.push('');
  return L.join('\n');
}

const cleanup = async () => {
  await stopAll();
  process.exit(130);
};
process.on('SIGINT', cleanup);
process.on('SIGTERM', cleanup);

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err) => {
    console.error(String(err?.stack ?? err));
    await stopAll();
    console.error(`logs kept in ${WORK}`);
    process.exitCode = 1;
  },
);
