#!/usr/bin/env node
// Top self-time functions of a V8 .cpuprofile (node --cpu-prof, or bench/tools/cpu-prof-signal.mjs),
// and self time grouped by file, so that a profile taken under wrk load can be read without DevTools.
// Percentages are of busy time: idle samples are the event loop waiting and say nothing about cost.
//   node bench/tools/profile-top.mjs FILE.cpuprofile [--top 40] [--inclusive REGEXP]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function shortUrl(u) {
  if (!u) return '(native)';
  const s = u.replace(/^file:\/\//, '');
  const m = s.match(/node_modules\/(.*)$/);
  if (m) return `nm/${m[1]}`;
  const p = s.match(/packages\/(.*)$/);
  if (p) return p[1];
  return s.startsWith('node:') ? s : path.basename(s);
}

/** Reads a .cpuprofile: { busyUs, idleUs, functions: [[label, us]], files: [[file, us]] }, sorted. */
export function summarize(file) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  // A sample's time is the delta to the next sample.
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i + 1] ?? 0));
  }
  let idleUs = 0;
  let busyUs = 0;
  const fn = new Map();
  const files = new Map();
  for (const [id, us] of selfUs) {
    const cf = byId.get(id).callFrame;
    if (cf.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = shortUrl(cf.url);
    const key = `${cf.functionName || '(anonymous)'}  ${where}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    files.set(where, (files.get(where) ?? 0) + us);
  }
  // Inclusive time: a function's samples plus its callees', counted once per stack (recursion).
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map();
  for (const [id, us] of selfUs) {
    if (byId.get(id).callFrame.functionName === '(idle)') continue;
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur).callFrame;
      if (cf.functionName === '(root)') break;
      const key = `${cf.functionName || '(anonymous)'}  ${shortUrl(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + us);
    }
  }
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return { busyUs, idleUs, functions: sorted(fn), files: sorted(files), inclusive: sorted(incl) };
}

/** The summary as text lines; `inclusiveFilter` (a RegExp) adds inclusive times of matching functions. */
export function formatSummary(s, top = 40, topFiles = 20, inclusiveFilter = undefined) {
  const pct = (us) => `${((100 * us) / s.busyUs).toFixed(1).padStart(5)} %`;
  const lines = [
    `busy ${(s.busyUs / 1e6).toFixed(2)} s (idle ${(s.idleUs / 1e6).toFixed(2)} s not counted)`,
    '',
    'self time by function',
  ];
  for (const [k, us] of s.functions.slice(0, top)) lines.push(`${pct(us)}  ${k}`);
  lines.push('', 'self time by file');
  for (const [k, us] of s.files.slice(0, topFiles)) lines.push(`${pct(us)}  ${k}`);
  if (inclusiveFilter !== undefined) {
    lines.push('', `inclusive time (self + callees) of functions matching ${inclusiveFilter}`);
    for (const [k, us] of s.inclusive.filter(([k]) => inclusiveFilter.test(k)).slice(0, top))
      lines.push(`${pct(us)}  ${k}`);
  }
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const file = args.find((a) => a.endsWith('.cpuprofile'));
  const i = args.indexOf('--top');
  const j = args.indexOf('--inclusive');
  if (!file) {
    console.error('usage: profile-top.mjs FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  const filter = j >= 0 ? new RegExp(args[j + 1]) : undefined;
  console.log(formatSummary(summarize(file), i >= 0 ? Number(args[i + 1]) : 40, 20, filter).join('\n'));
}
