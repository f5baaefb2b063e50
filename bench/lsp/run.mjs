#!/usr/bin/env node
// Language-server latency (not a test): time to first diagnostics for the largest built-in module and for
// a generated 10,000-line module, completion latency on a 1,000-line module (unchanged, and right after
// an edit), and the time from an edit to its diagnostics on a 1,000-line module. Run after `npm run build`:
//   node bench/lsp/run.mjs
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import { generateLargeModule } from '../compile/generate.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
// BENCH_LSP_PROFILE=DIR writes a CPU profile of the server to DIR (open it in Chrome DevTools).
const profile = process.env.BENCH_LSP_PROFILE
  ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_LSP_PROFILE}`]
  : [];
const child = spawn(process.execPath, [...profile, join(root, 'packages/lsp/bin/pcmod-lsp.js'), '--stdio'], {
  stdio: 'pipe',
});
const conn = createMessageConnection(
  new StreamMessageReader(child.stdout),
  new StreamMessageWriter(child.stdin),
);
const waiting = new Map();
conn.onNotification('textDocument/publishDiagnostics', (p) => {
  const resolve = waiting.get(p.uri);
  if (resolve) {
    waiting.delete(p.uri);
    resolve(p.diagnostics);
  }
});
conn.listen();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

// No workspace folder: only the opened documents are analysed, so the numbers are per document.
await conn.sendRequest('initialize', {
  processId: process.pid,
  rootUri: null,
  capabilities: {},
  initializationOptions: { builtinModsDir: join(root, 'mods') },
});
await conn.sendNotification('initialized', {});

let version = 1;
async function firstDiagnostics(name, text) {
  const uri = pathToFileURL(join(root, '.tmp', name)).href;
  const done = new Promise((resolve) => waiting.set(uri, resolve));
  const t0 = performance.now();
  await conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'pcmod', version: version++, text },
  });
  const diagnostics = await done;
  return { uri, ms: performance.now() - t0, count: diagnostics.length };
}

// 1. The largest built-in module.
const mods = readdirSync(join(root, 'mods')).filter((n) => n.endsWith('.pcmod'));
const largest = mods
  .map((n) => ({ n, size: statSync(join(root, 'mods', n)).size }))
  .sort((a, b) => b.size - a.size)[0].n;
const builtinText = readFileSync(join(root, 'mods', largest), 'utf8');
const builtin = await firstDiagnostics(`bench-${largest}`, builtinText);
console.log(
  `first diagnostics, ${largest} (${builtinText.split('\n').length} lines): ${builtin.ms.toFixed(1)} ms (${builtin.count} diagnostics)`,
);

// 2. A generated 10,000-line module.
const big = generateLargeModule(10_000);
const large = await firstDiagnostics('bench-10k.pcmod', big);
console.log(
  `first diagnostics, generated module (${big.split('\n').length} lines): ${large.ms.toFixed(1)} ms (${large.count} diagnostics)`,
);

// 3. Completion of `$` on a 1,000-line module: a line `  log info $` just before the end of on_request.
const lines = generateLargeModule(1_000).split('\n');
const at = lines.indexOf('  set_header "X-Done" "1"');
lines.splice(at, 0, '  log info $');
const mid = await firstDiagnostics('bench-1k.pcmod', lines.join('\n'));
const position = { line: at, character: '  log info $'.length };
const complete = () =>
  conn.sendRequest('textDocument/completion', { textDocument: { uri: mid.uri }, position });
const steady = [];
for (let i = 0; i < 40; i++) {
  const t0 = performance.now();
  const items = await complete();
  steady.push(performance.now() - t0);
  if (i === 0 && items.length !== 50 + 1) console.warn(`unexpected completion count ${items.length}`);
}
const afterEdit = [];
let v = 100;
for (let i = 0; i < 20; i++) {
  await conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: mid.uri, version: v++ },
    // Alternately add and remove a `#` at the start of line 1 (a comment line, so the module stays valid).
    contentChanges: [
      i % 2 === 0
        ? { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '#' }
        : { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, text: '' },
    ],
  });
  const t0 = performance.now();
  await complete();
  afterEdit.push(performance.now() - t0);
}
// 4. Diagnostics after an edit on a 1,000-line module: alternately add and remove a line with an unknown
// config field (PCM2002), so every edit changes what is published. The time includes the server's
// 150 ms pause after typing; the work it measures is the rest.
const DEBOUNCE_MS = 150;
const diagLines = generateLargeModule(1_000).split('\n');
const diagAt = diagLines.indexOf('  set_header "X-Done" "1"');
const diagDoc = await firstDiagnostics('bench-1k-diag.pcmod', diagLines.join('\n'));
const diagnosticsAfterEdit = [];
for (let i = 0; i < 20; i++) {
  const published = new Promise((resolve) => waiting.set(diagDoc.uri, resolve));
  const t0 = performance.now();
  await conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: diagDoc.uri, version: v++ },
    contentChanges: [
      i % 2 === 0
        ? {
            range: { start: { line: diagAt, character: 0 }, end: { line: diagAt, character: 0 } },
            text: '  log info $nope\n',
          }
        : {
            range: { start: { line: diagAt, character: 0 }, end: { line: diagAt + 1, character: 0 } },
            text: '',
          },
    ],
  });
  const diagnostics = await published;
  diagnosticsAfterEdit.push(performance.now() - t0);
  if (diagnostics.length !== diagDoc.count + (i % 2 === 0 ? 1 : 0))
    console.warn(`unexpected diagnostics count ${diagnostics.length}`);
}

console.log(
  `completion on ${lines.length} lines, unchanged text: median ${median(steady).toFixed(2)} ms, p95 ${p95(steady).toFixed(2)} ms`,
);
console.log(
  `completion on ${lines.length} lines, right after an edit: median ${median(afterEdit).toFixed(2)} ms, p95 ${p95(afterEdit).toFixed(2)} ms`,
);

const work = diagnosticsAfterEdit.map((ms) => ms - DEBOUNCE_MS);
console.log(
  `diagnostics on ${diagLines.length} lines after an edit: median ${median(diagnosticsAfterEdit).toFixed(1)} ms, p95 ${p95(diagnosticsAfterEdit).toFixed(1)} ms (of which ${DEBOUNCE_MS} ms pause; work median ${median(work).toFixed(1)} ms, p95 ${p95(work).toFixed(1)} ms)`,
);

await conn.sendRequest('shutdown');
await conn.sendNotification('exit');
// Let the server exit by itself (so a CPU profile is written); kill it only if it hangs.
const killer = setTimeout(() => child.kill(), 5000);
if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
clearTimeout(killer);
conn.dispose();
