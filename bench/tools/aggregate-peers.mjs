#!/usr/bin/env node
// Aggregates several side-by-side harness reports (/work/shared/bench/run.sh, `npm run bench -- --peers`)
// into one markdown report. One harness run starts every target once; on a shared 2-core box the CPU cost
// per request of every process drifts by up to 2x between phases of the machine, so targets are compared
// over several runs (starts): per run, the ratio of two targets measured in that same run, then the median
// and the range of those ratios over the runs.
//
//   node bench/tools/aggregate-peers.mjs bench/results/peers-A.json bench/results/peers-B.json ...
//        [--out FILE.md] [--ref hit-small=node-const,pass-small=fastify-proxy,...]
//
// Per run it takes the harness's own summary (median over that run's repeats, undisturbed runs only when
// there are at least two, else all runs: marked "(!)"). --ref SCENARIO=REF compares every proxycache*
// target of SCENARIO with REF, SCENARIO=TARGET/REF one target; comma-separated or repeated, it replaces the
// default pairs (every proxycache* target against node-const and nginx-cache for hit-small and hit-large,
// against fastify-proxy and undici-proxy for pass-small; default refs absent from every run are skipped).
// Without --out the report goes to stdout. Node built-ins only.
import fs from 'node:fs';
import path from 'node:path';

const DEFAULT_REFS = [
  'hit-small=node-const',
  'hit-small=nginx-cache',
  'hit-large=node-const',
  'hit-large=nginx-cache',
  'pass-small=fastify-proxy',
  'pass-small=undici-proxy',
];
const NONE = '—';

function parseArgs(argv) {
  const o = { files: [], out: null, refs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' || a === '--ref') {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      if (a === '--out') o.out = path.resolve(v);
      else o.refs.push(...v.split(',').filter(Boolean));
    } else if (a === '-h' || a === '--help') {
      o.help = true;
    } else if (a.startsWith('--')) {
      throw new Error(`unknown option ${a}`);
    } else {
      o.files.push(a);
    }
  }
  return o;
}

/** `SCENARIO=REF` or `SCENARIO=TARGET/REF` -> { scenario, target (null: every proxycache*), ref }. */
function parseRef(spec) {
  const m = spec.match(/^([^=]+)=(?:([^/]+)\/)?([^/]+)$/);
  if (!m) throw new Error(`bad --ref ${spec} (want SCENARIO=REF or SCENARIO=TARGET/REF)`);
  return { scenario: m[1], target: m[2] ?? null, ref: m[3] };
}

/** One harness report: per scenario and target, the run's median req/s and CPU µs/req. */
function loadRun(file) {
  let j;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${e.message}`);
  }
  if (!Array.isArray(j.summary)) throw new Error(`${file}: no "summary" array (not a harness report?)`);
  const values = new Map(); // "scenario\ttarget" -> { rps, us, disturbed }
  for (const r of j.summary) {
    values.set(`${r.scenario}\t${r.target}`, { rps: r.rps, us: r.usPerReq, disturbed: r.usedDisturbed });
  }
  const runs = j.runs ?? [];
  return {
    file,
    started: j.started ?? '?',
    repeats: j.options?.repeats,
    duration: j.options?.duration,
    clean: runs.filter((r) => !r.disturbed).length,
    total: runs.length,
    order: j.summary.map((r) => [r.scenario, r.target]),
    get: (sc, t) => values.get(`${sc}\t${t}`),
  };
}

const ok = (x) => typeof x === 'number' && Number.isFinite(x) && x > 0;

function median(xs) {
  const s = xs.filter(ok).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmtRps = (x) => (ok(x) ? Math.round(x).toLocaleString('en-US') : NONE);
const fmtUs = (x) => (ok(x) ? x.toFixed(1) : NONE);
const fmtRatio = (x) => (ok(x) ? x.toFixed(2) : NONE);
const range = (xs) => {
  const s = xs.filter(ok);
  return s.length ? `${fmtRatio(Math.min(...s))}..${fmtRatio(Math.max(...s))}` : NONE;
};

/** The markdown report for the runs (in the order given) and the reference pairs. */
function aggregate(runs, refSpecs, command = '') {
  // Scenarios and their targets in order of first appearance over all runs.
  const scenarios = new Map();
  for (const run of runs) {
    for (const [sc, t] of run.order) {
      if (!scenarios.has(sc)) scenarios.set(sc, []);
      if (!scenarios.get(sc).includes(t)) scenarios.get(sc).push(t);
    }
  }
  const explicit = refSpecs.length > 0;
  const pairs = [];
  for (const { scenario, target, ref } of (explicit ? refSpecs : DEFAULT_REFS).map(parseRef)) {
    const present = scenarios.get(scenario) ?? [];
    if (!explicit && !present.includes(ref)) continue;
    const targets = target ? [target] : present.filter((t) => t.startsWith('proxycache') && t !== ref);
    if (targets.length === 0) console.error(`--ref ${scenario}=${ref}: no target to compare in any run`);
    for (const t of targets) pairs.push({ scenario, target: t, ref });
  }
  // Per pair and run: target/ref req/s and ref/target CPU µs per request, from the same run.
  for (const p of pairs) {
    p.rps = runs.map((run) => {
      const [a, b] = [run.get(p.scenario, p.target), run.get(p.scenario, p.ref)];
      return ok(a?.rps) && ok(b?.rps) ? a.rps / b.rps : null;
    });
    p.cpu = runs.map((run) => {
      const [a, b] = [run.get(p.scenario, p.target), run.get(p.scenario, p.ref)];
      return ok(a?.us) && ok(b?.us) ? b.us / a.us : null;
    });
  }

  const n = runs.length;
  const runCols = runs.map((_, i) => `run ${i + 1}`).join(' | ');
  const align = (k) => '|---'.repeat(k);
  const L = [];
  L.push(`# Side by side over ${n} start${n === 1 ? '' : 's'}`, '');
  L.push(
    `Generated ${new Date().toISOString()}${command ? ` by \`${command}\`` : ''}. Each run is one harness run, ` +
      'which starts every target once; its value for a target is the median over that run\'s repeats ("(!)": ' +
      'disturbed repeats had to be used). Ratios are taken within a run (both targets measured in the same ' +
      'phase of the machine), then summarised over runs: median and min..max. req/s ratio = target / ref; ' +
      'CPU ratio = ref CPU µs/req / target CPU µs/req. Above 1 the target does better than the ref. ' +
      `${NONE}: the run lacks the target or the ref.`,
    '',
  );
  L.push('## Ratios (median over runs)', '');
  L.push('| scenario | target | vs ref | req/s ratio | min..max | CPU ratio | min..max | runs |');
  L.push(`${align(3)}${'|---:'.repeat(5)}|`);
  for (const p of pairs) {
    const used = p.rps.filter(ok).length;
    L.push(
      `| ${p.scenario} | ${p.target} | ${p.ref} | ${fmtRatio(median(p.rps))} | ${range(p.rps)} | ${fmtRatio(median(p.cpu))} | ${range(p.cpu)} | ${used}/${n} |`,
    );
  }
  for (const [title, key] of [
    ['req/s ratio (target / ref) per run', 'rps'],
    ['CPU ratio (ref µs/req / target µs/req) per run', 'cpu'],
  ]) {
    L.push('', `## ${title}`, '');
    L.push(`| scenario | target | vs ref | ${runCols} | median | min..max |`);
    L.push(`${align(3)}${'|---:'.repeat(n + 2)}|`);
    for (const p of pairs) {
      L.push(
        `| ${p.scenario} | ${p.target} | ${p.ref} | ${p[key].map(fmtRatio).join(' | ')} | ${fmtRatio(median(p[key]))} | ${range(p[key])} |`,
      );
    }
  }
  for (const [title, key, fmt] of [
    ['req/s per run', 'rps', fmtRps],
    ['CPU µs/req per run', 'us', fmtUs],
  ]) {
    L.push('', `## ${title}`, '');
    L.push(`| scenario | target | ${runCols} | median over runs |`);
    L.push(`${align(2)}${'|---:'.repeat(n + 1)}|`);
    for (const [sc, targets] of scenarios) {
      for (const t of targets) {
        const vals = runs.map((run) => run.get(sc, t));
        const cells = vals.map((v) => (ok(v?.[key]) ? `${fmt(v[key])}${v.disturbed ? ' (!)' : ''}` : NONE));
        L.push(`| ${sc} | ${t} | ${cells.join(' | ')} | ${fmt(median(vals.map((v) => v?.[key])))} |`);
      }
    }
  }
  L.push('', '## Runs', '');
  L.push('| run | report | started | repeats x s | measured runs (undisturbed/all) |');
  L.push('|---:|---|---|---:|---:|');
  runs.forEach((r, i) => {
    L.push(
      `| ${i + 1} | ${path.basename(r.file)} | ${r.started} | ${r.repeats ?? '?'} x ${r.duration ?? '?'} | ${r.clean}/${r.total} |`,
    );
  });
  L.push('');
  return L.join('\n');
}

function main(argv) {
  let o;
  try {
    o = parseArgs(argv);
    if (o.help || o.files.length === 0) {
      console.log('usage: node bench/tools/aggregate-peers.mjs FILE.json [FILE.json ...] [--out FILE.md]');
      console.log('         [--ref SCENARIO=REF|SCENARIO=TARGET/REF[,...]]  (see the comment at the top)');
      return o.help ? 0 : 2;
    }
    o.refs.forEach(parseRef);
    const runs = o.files.map(loadRun);
    const command = `node bench/tools/aggregate-peers.mjs ${argv.map((a) => (o.files.includes(a) ? path.basename(a) : a)).join(' ')}`;
    const md = aggregate(runs, o.refs, command);
    if (o.out) {
      fs.writeFileSync(o.out, md);
      console.log(`report: ${o.out}`);
    } else {
      process.stdout.write(md);
    }
    return 0;
  } catch (e) {
    console.error(`aggregate-peers: ${e.message}`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
