/** Hover in `.pcmod` files: stdlib signatures and docs, config fields, request fields, `let` types, modules. */
import { type Hover, MarkupKind, type Position } from 'vscode-languageserver/node.js';
import type { Analysis } from '../analysis/analysis.js';
import { toLspRange } from '../text/ranges.js';
import type { Workspace } from '../workspace/workspace.js';
import { targetAt } from './navigation.js';
import { configFieldMarkdown, functionMarkdown, requestFieldMarkdown } from './stdlib-text.js';

export function hover(a: Analysis, pos: Position, workspace: Workspace): Hover | null {
  const target = targetAt(a, a.doc.offsetAt(pos));
  if (!target) return null;
  let value: string | undefined;
  switch (target.kind) {
    case 'config-field':
      value = target.field
        ? configFieldMarkdown(target.field, a.moduleName?.name)
        : `Unknown config field \`$${target.name}\`.`;
      break;
    case 'function':
      value = target.fn
        ? functionMarkdown(target.fn)
        : `Unknown function \`${target.call.callee.join('.')}\`.`;
      break;
    case 'request-field':
      value = requestFieldMarkdown(target.field);
      break;
    case 'let': {
      const type = a.checked?.types.get(target.decl.value);
      value = ['```pcmod', `let ${target.decl.name.name}${type ? `: ${type}` : ''}`, '```'].join('\n');
      break;
    }
    case 'log-level':
      value = `Log level \`${target.level}\` (one of trace, debug, info, warn, error).`;
      break;
    case 'module': {
      const m = workspace.moduleNamed(target.name);
      const header = m?.checked?.header;
      value = m
        ? [
            `**module ${target.name}**`,
            '',
            `version ${header?.version ?? '?'} · priority ${header?.priority ?? '?'}`,
            '',
            `Defined in \`${m.uri.split('/').pop()}\``,
          ].join('\n')
        : `Module \`${target.name}\` is not in the workspace or the built-in modules.`;
      break;
    }
  }
  return { contents: { kind: MarkupKind.Markdown, value }, range: toLspRange(a.doc, target.range) };
}
