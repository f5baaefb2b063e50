// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` is pcmod interpolation syntax in these sources.
/**
 * fast-check arbitraries that build random but syntactically valid pcmod modules, written messily:
 * random spacing and indentation, blank lines, comments in every position, legacy bare words, every
 * escape. The formatter properties run over these.
 */
import fc from 'fast-check';

type Arb = fc.Arbitrary<string>;

/** Token separator: one or more spaces or tabs. */
const sp: Arb = fc.constantFrom(' ', ' ', '  ', '\t', ' \t ');
/** Optional space (around punctuation). */
const osp: Arb = fc.constantFrom('', '', ' ', '  ');

const name: Arb = fc.constantFrom('a', 'x1', 'greeting', 'my_var', 'backend', 'index', 'modest');
const stringChar: Arb = fc.constantFrom(
  'a',
  'b',
  'Z',
  ' ',
  '"',
  '\\',
  '$',
  '{',
  '}',
  '#',
  '\n',
  '\t',
  '/',
  '-',
  'é',
  '_',
);

/** A string literal as source, with every special character escaped in a random but valid way. */
const stringLiteral: Arb = fc.array(fc.tuple(stringChar, fc.boolean()), { maxLength: 8 }).map((chars) => {
  let body = '';
  for (const [c, alt] of chars) {
    if (c === '\\') body += '\\\\';
    else if (c === '"') body += '\\"';
    else if (c === '\n') body += '\\n';
    else if (c === '\t') body += alt ? '\\t' : '\t';
    else if (c === '$') body += '\\$';
    else body += c;
  }
  return `"${body}"`;
});

const headerName: Arb = fc.constantFrom('"X-Cache"', 'X-Processed', '"x-request-id"', 'Cache-Control');
const requestField: Arb = fc.constantFrom('path', 'method', 'host', 'client_ip', 'query');
const call: Arb = fc.oneof(
  fc.constant('std.cache.check()'),
  fc.tuple(osp, headerName).map(([s, h]) => `header(${s}${h})`),
  fc.tuple(fc.nat(1000), osp, fc.nat(1000)).map(([a, s, b]) => `std.rate_limit(${a},${s}${b})`),
  fc.constant('std.metrics.prometheus()'),
);

const interpolated: Arb = fc
  .array(
    fc.oneof(
      fc.constantFrom('hi ', 'a', '-', ' ', '\\$', '\\"'),
      name.map((n) => `$${n}`),
      fc.tuple(osp, requestField, osp).map(([a, f, b]) => `\${${a}${f}${b}}`),
      fc.constant('${header("X")}'),
      fc.constant('${$a}b'),
    ),
    { minLength: 1, maxLength: 5 },
  )
  .map((parts) => `"${parts.join('')}"`);

const atom: Arb = fc.oneof(
  stringLiteral,
  interpolated,
  fc.nat(99999).map(String),
  fc.constantFrom('true', 'false', '30s', '500ms', '16MiB'),
  name.map((n) => `$${n}`),
  requestField,
  name.map((n) => `ctx.${n}`),
  call,
  fc.constantFrom('/health', '/api/v1'),
);

const comparison: Arb = fc
  .tuple(
    atom,
    sp,
    fc.constantFrom('==', '!=', '<', '<=', '>', '>=', 'starts_with', 'ends_with', 'contains', 'matches'),
    sp,
    atom,
  )
  .map((p) => p.join(''));

const listLiteral: Arb = fc
  .tuple(
    fc.array(
      fc.tuple(osp, atom, osp).map((p) => p.join('')),
      { maxLength: 4 },
    ),
    osp,
  )
  .map(([elements, s]) => `[${elements.join(',')}${s}]`);

const { expr } = fc.letrec<{ expr: string; operand: string }>((tie) => ({
  operand: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    comparison,
    tie('expr').map((e) => `(${e})`),
    tie('operand').map((e) => `!${e}`),
  ),
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    comparison,
    fc.tuple(tie('operand'), sp, fc.constantFrom('&&', '||'), sp, tie('operand')).map((p) => p.join('')),
    fc.tuple(requestField, sp, listLiteral).map(([f, s, l]) => `${f}${s}in${s}${l}`),
  ),
}));

const comment: Arb = fc.constantFrom('# note', '#tight', '#  spaced  ', '# has } and { and "quotes"', '#');

/** One simple statement (no blocks). */
const simpleStatement: Arb = fc.oneof(
  fc
    .tuple(
      sp,
      fc.integer({ min: 100, max: 599 }),
      fc.option(fc.tuple(sp, fc.constantFrom('text', 'json', 'html', '"text/css"'))),
      fc.option(fc.tuple(sp, expr)),
    )
    .map(
      ([s, status, kind, body]) =>
        `respond${s}${status}${kind ? kind.join('') : ''}${body ? body.join('') : ''}`,
    ),
  fc.tuple(sp, headerName, sp, expr).map((p) => `set_header${p.join('')}`),
  fc.tuple(sp, headerName).map((p) => `remove_header${p.join('')}`),
  fc.tuple(sp, fc.oneof(name, stringLiteral), sp, expr).map((p) => `set_ctx${p.join('')}`),
  fc.tuple(sp, fc.constantFrom('info', 'warn', 'error', 'debug'), sp, expr).map((p) => `log${p.join('')}`),
  fc.tuple(sp, name, osp, osp, expr).map(([a, n, b, c, e]) => `let${a}${n}${b}=${c}${e}`),
  fc.constant('pass'),
  fc.constantFrom('std.proxy.forward', 'std.cache.store()', 'std.request_id.inject("X-Request-Id")'),
);

interface Line {
  readonly depth: number;
  readonly text: string;
}

/** A statement as lines with relative depth, so blocks can be indented randomly when rendered. */
const { statement } = fc.letrec<{ statement: Line[]; block: Line[] }>((tie) => ({
  block: fc
    .array(tie('statement'), { maxLength: 3 })
    .map((stmts) => stmts.flat().map((l) => ({ depth: l.depth + 1, text: l.text }))),
  statement: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    simpleStatement.map((text) => [{ depth: 0, text }]),
    fc
      .tuple(
        sp,
        expr,
        tie('block'),
        fc.array(fc.tuple(sp, expr, tie('block')), { maxLength: 2 }),
        fc.option(tie('block')),
      )
      .map(([s, cond, body, elifs, elseBody]) => {
        const lines: Line[] = [{ depth: 0, text: `if${s}${cond} {` }, ...body];
        // `else` may also start the next line, with a comment between.
        const close = (s2: string) => (s2 === '\t' ? '}\n# before else\nelse' : '} else');
        for (const [s2, c2, b2] of elifs)
          lines.push({ depth: 0, text: `${close(s2)} if${s2}${c2} {` }, ...b2);
        if (elseBody) lines.push({ depth: 0, text: `${close(s)} {` }, ...elseBody);
        lines.push({ depth: 0, text: '}' });
        return lines;
      }),
  ),
}));

const configField: Arb = fc.oneof(
  fc.tuple(name, sp, fc.boolean()).map(([n, s, b]) => `${n}${s}bool${s}${b}`),
  fc.tuple(name, sp, fc.nat(1000)).map(([n, s, v]) => `${n}${s}int${s}${v}`),
  fc
    .tuple(name, sp, fc.oneof(stringLiteral, fc.constantFrom('hello', '/health', 'text/html')))
    .map(([n, s, v]) => `${n}${s}str${s}${v}`),
  fc.tuple(name, sp, fc.constantFrom('30s', '500ms', '2h')).map(([n, s, v]) => `${n}${s}duration${s}${v}`),
  fc
    .tuple(name, sp, fc.constantFrom('list', 'list<str>'))
    .map(([n, s, t]) => `${n}${s}${t}${s}["a", "/b",  "c"]`),
  fc.tuple(name, sp).map(([n, s]) => `${n}${s}list<int>${s}[1,2, 3]`),
  fc
    .tuple(name, sp, fc.array(fc.tuple(stringLiteral, stringLiteral), { maxLength: 3 }))
    .map(([n, s, entries]) => `${n}${s}map${s}{ ${entries.map(([k, v]) => `${k} = ${v}`).join(', ')} }`),
  // Written over several lines, with comments between and after entries.
  fc
    .tuple(
      name,
      sp,
      fc.array(fc.tuple(stringLiteral, osp, stringLiteral, fc.option(comment)), { maxLength: 3 }),
    )
    .map(
      ([n, s, entries]) =>
        `${n}${s}map${s}{\n${entries.map(([k, o, v, c]) => `${k}${o}=${o}${v}${c ? ` ${c}` : ''}`).join('\n  # between\n')}\n}`,
    ),
  fc
    .tuple(name, sp, fc.array(fc.tuple(stringLiteral, fc.option(comment)), { minLength: 1, maxLength: 3 }))
    .map(
      ([n, s, elements]) =>
        `${n}${s}list${s}[\n${elements.map(([e, c]) => `${e},${c ? ` ${c}` : ''}`).join('\n')}\n]`,
    ),
);

/** Decorates lines: random indentation, blank lines, own-line and trailing comments. */
function decorate(lines: readonly Line[], noise: readonly number[]): string[] {
  const out: string[] = [];
  lines.forEach((line, i) => {
    const n = noise[i % noise.length] ?? 0;
    const indent = (n & 1 ? '\t' : '   ').repeat(line.depth);
    if (n % 7 === 0) out.push('');
    if (n % 5 === 0) out.push(`${' '.repeat(n % 3)}# own-line ${n}`);
    out.push(`${indent}${line.text}${n % 4 === 0 ? ` # trailing ${n}` : ''}${n % 9 === 0 ? '  ' : ''}`);
  });
  return out;
}

/** A whole module: headers, optional config, handlers, with noise. */
export const moduleText: Arb = fc
  .record({
    name: fc.constantFrom('demo', 'my_module', 'cache2'),
    version: fc.option(fc.constantFrom('1.0', '2.1.3', '3')),
    priority: fc.option(fc.nat(200)),
    overrides: fc.array(fc.constantFrom('health_check', 'cache'), { maxLength: 2 }),
    config: fc.option(fc.array(configField, { maxLength: 4 })),
    handlers: fc.uniqueArray(
      fc.tuple(
        fc.constantFrom('on_start', 'on_request', 'on_response'),
        fc.array(statement, { maxLength: 4 }),
      ),
      { selector: ([event]) => event, maxLength: 3 },
    ),
    noise: fc.array(fc.nat(1000), { minLength: 1, maxLength: 20 }),
    leading: fc.option(comment),
  })
  .map((m) => {
    const lines: Line[] = [{ depth: 0, text: `mod ${m.name}` }];
    if (m.version !== null) lines.push({ depth: 0, text: `version ${m.version}` });
    if (m.priority !== null) lines.push({ depth: 0, text: `priority  ${m.priority}` });
    for (const o of m.overrides) lines.push({ depth: 0, text: `overrides ${o}` });
    if (m.config !== null) {
      lines.push({ depth: 0, text: 'config {' });
      for (const f of m.config) lines.push({ depth: 1, text: f });
      lines.push({ depth: 0, text: '}' });
    }
    for (const [event, statements] of m.handlers) {
      lines.push({ depth: 0, text: `${event} {` });
      for (const l of statements.flat()) lines.push({ depth: l.depth + 1, text: l.text });
      lines.push({ depth: 0, text: '}' });
    }
    const body = decorate(lines, m.noise);
    return `${m.leading ? `${m.leading}\n` : ''}${body.join('\n')}\n`;
  });
