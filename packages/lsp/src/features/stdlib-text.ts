/** How stdlib entries, request fields and config fields are shown in completion, hover and signature help. */
import type { RequestField, StdFunction } from '@proxycache/pcmod-lang';
import type { FieldInfo } from '../analysis/analysis.js';

/** `std.rate_limit(rps: int, burst: int, key?: str) -> bool`. */
export function signatureOf(fn: StdFunction): string {
  const params = fn.params.map((p) => `${p.name}${p.optional ? '?' : ''}: ${p.type}`).join(', ');
  return `${fn.name}(${params}) -> ${fn.returns}`;
}

/** Markdown for a stdlib function: signature, doc, parameters, phases and effects. */
export function functionMarkdown(fn: StdFunction): string {
  const lines = ['```pcmod', signatureOf(fn), '```', fn.doc];
  if (fn.params.length > 0) {
    lines.push(
      '',
      ...fn.params.map((p) => `- \`${p.name}\`${p.optional ? ' (optional)' : ''}: ${p.type} — ${p.doc}`),
    );
  }
  const effects = [
    fn.effects.async ? 'async' : '',
    fn.effects.responds === 'never' ? '' : `responds: ${fn.effects.responds}`,
  ].filter(Boolean);
  lines.push('', `Allowed in: ${fn.phases.join(', ')}${effects.length ? ` · ${effects.join(' · ')}` : ''}`);
  return lines.join('\n');
}

export function requestFieldMarkdown(f: RequestField): string {
  return ['```pcmod', `${f.name}: ${f.type}`, '```', f.doc, '', `Available in: ${f.phases.join(', ')}`].join(
    '\n',
  );
}

export function configFieldMarkdown(f: FieldInfo, moduleName: string | undefined): string {
  const lines = ['```pcmod', `$${f.name}: ${f.type} = ${f.defaultText}`, '```'];
  lines.push(
    `Config field of \`${moduleName ?? 'this module'}\` (line ${f.node.range.start.line}); set it in config.toml under \`[${moduleName ?? 'module'}]\`.`,
  );
  if (f.doc) lines.push('', f.doc);
  return lines.join('\n');
}
