/**
 * Renders the stdlib reference (docs/stdlib.md) from the declaration table, so the docs can never
 * drift from what the checker, the LSP and the runtime use. `npm run docs` writes it; a test fails
 * when the committed file differs.
 */
import { logLevels, requestFields, stdFunctions } from './table.js';
import type { StdFunction } from './types.js';

/** `std.rate_limit(rps: int, burst: int, key?: str) -> bool` */
export function signatureOf(fn: StdFunction): string {
  const params = fn.params.map((p) => `${p.name}${p.optional ? '?' : ''}: ${p.type}`).join(', ');
  return `${fn.name}(${params})${fn.returns === 'void' ? '' : ` -> ${fn.returns}`}`;
}

function effectsOf(fn: StdFunction): string {
  const parts: string[] = [];
  if (fn.effects.async) parts.push('async');
  if (fn.effects.responds === 'always') parts.push('always responds');
  if (fn.effects.responds === 'maybe') parts.push('may respond');
  return parts.length === 0 ? 'none' : parts.join(', ');
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function renderStdlibMarkdown(): string {
  const lines: string[] = [
    '# pcmod standard library reference',
    '',
    '<!-- Generated from packages/pcmod-lang/src/stdlib/table.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Every function a `.pcmod` script can call. The checker types calls against this table, the',
    'language server completes and hovers from it, and packages/core implements exactly these names.',
    '',
    'Types: `bool`, `int`, `str`, `duration` (seconds; `30s`, `500ms`), `size` (bytes; `16MiB`),',
    '`list<str>`, `list<int>`, `map` (str → str). An `int` is accepted where a `duration` or `size` is expected.',
    '',
    'Phases: which handlers may call the function. Effects: `async` calls make their handler async (all',
    'other handlers compile to synchronous functions); `always responds` ends the handler; `may respond`',
    'ends it when a response was produced.',
    '',
    '## Functions',
    '',
  ];
  const groups = new Map<string, StdFunction[]>();
  for (const fn of stdFunctions) {
    const parts = fn.name.split('.');
    const group = parts[0] !== 'std' ? 'Expression helpers' : parts.length > 2 ? `std.${parts[1]}` : 'std';
    const list = groups.get(group) ?? [];
    list.push(fn);
    groups.set(group, list);
  }
  for (const [group, fns] of groups) {
    lines.push(`### ${group}`, '');
    for (const fn of fns) {
      lines.push(`#### \`${signatureOf(fn)}\``, '', fn.doc, '');
      lines.push(`- phases: ${fn.phases.join(', ')}`, `- effects: ${effectsOf(fn)}`);
      for (const p of fn.params) {
        lines.push(`- \`${p.name}\` (${p.type}${p.optional ? ', optional' : ''}): ${p.doc}`);
      }
      lines.push('');
    }
  }
  lines.push('## Request fields', '', '| name | type | phases | meaning |', '|---|---|---|---|');
  for (const f of requestFields) {
    lines.push(`| \`${f.name}\` | ${f.type} | ${f.phases.join(', ')} | ${cell(f.doc)} |`);
  }
  lines.push('', '## Log levels', '', logLevels.map((l) => `\`${l}\``).join(', '), '');
  return lines.join('\n');
}
