import { test } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from '../../src/parser/parse.js';
function show(label: string, src: string) {
  const t = performance.now();
  const r = parse(src, 'f');
  console.log(label, (performance.now() - t).toFixed(1), 'ms', r.diagnostics.slice(0, 3).map((d) => `${d.range.start.line}:${d.range.start.column}-${d.range.end.line}:${d.range.end.column} ${d.code} ${d.message}`), r.ast.handlers.length);
}
test('smoke', () => {
  show('parens100k', `on_request {\n  respond 200 ${'('.repeat(100000)}1${')'.repeat(100000)}\n}\n`);
  show('bang100k', `on_request {\n  respond 200 ${'!'.repeat(100000)}true\n}\n`);
  show('braces100k', `${'{'.repeat(100000)}`);
  show('ifs', `on_request {\n${'if a {\n'.repeat(100)}${'}\n'.repeat(100)}}\n`);
  show('interp', `on_request {\n  respond 200 "${'${"'.repeat(50000)}"\n}\n`);
  show('interp2', `on_request {\n  respond 200 ${'"${'.repeat(30000)}\n}\n`);
  show('quotes', `on_request {\n  respond 200 ${'"${ "a" '.repeat(30000)}\n}\n`);
  show('ors', `on_request {\n  if ${'a == 1 || '.repeat(20000)} b { pass }\n}\n`);
  const mod = readFileSync('mods/cache.pcmod', 'utf8');
  let big = 'mod big\n';
  while (big.split('\n').length < 9990) big += 'on_request {\n  if path == "/x" && method == "GET" {\n    set_header "X-A" "v ${ctx.a} $b"\n    respond 200 text "hello"\n  } else {\n    std.proxy.forward\n  }\n}\n';
  show('10k', big);
  show('10k', big);
  show('10k', big);
  show('11k', big + 'x\n'.repeat(2000));
  show('longline', 'on_request {\n  log info ' + '"aaaa" '.repeat(200000) + '\n}');
  show('garbage', 'x'.repeat(10) + '@#$%^&*'.repeat(10000));
  show('cache', mod);
});
