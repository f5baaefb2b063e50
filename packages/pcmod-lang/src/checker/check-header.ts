/** Header lines: `mod`, `version`, `priority`, `overrides`. */
import type { HeaderNode, ModuleNode } from '../ast/nodes.js';
import type { CheckContext } from './check-context.js';
import type { ModuleHeader } from './check-result.js';
import { emptyRangeAt } from './source-range.js';

const MODULE_NAME = /^[a-z][a-z0-9_]*$/;
const DEFAULT_VERSION = '0.0.0';
const DEFAULT_PRIORITY = 100;

const KEYWORD: Record<HeaderNode['kind'], string> = {
  ModHeader: 'mod',
  VersionHeader: 'version',
  PriorityHeader: 'priority',
  OverridesHeader: 'overrides',
};

/** An empty name comes from parser recovery, which has already reported it. */
function isValidName(name: string): boolean {
  return name === '' || MODULE_NAME.test(name);
}

/** Validates the header lines and returns their values with defaults applied (first occurrence wins). */
export function checkHeader(ctx: CheckContext, module: ModuleNode): ModuleHeader {
  const first = new Map<HeaderNode['kind'], HeaderNode>();
  let name = '';
  let version = DEFAULT_VERSION;
  let priority = DEFAULT_PRIORITY;
  const overrides: string[] = [];

  for (const header of module.headers) {
    if (header.kind === 'OverridesHeader') {
      if (!isValidName(header.name.name)) ctx.report('PCM2014', header.name.range, [header.name.name]);
      overrides.push(header.name.name);
      continue;
    }
    const earlier = first.get(header.kind);
    if (earlier) {
      const keyword = KEYWORD[header.kind];
      ctx.report('PCM2013', header.range, [keyword], {
        related: [ctx.related(`First '${keyword}' header is here.`, earlier.range)],
      });
      continue;
    }
    first.set(header.kind, header);
    if (header.kind === 'ModHeader') {
      name = header.name.name;
      if (!isValidName(name)) ctx.report('PCM2014', header.name.range, [name]);
    } else if (header.kind === 'VersionHeader') {
      version = header.value;
    } else {
      priority = header.value;
    }
  }

  if (!first.has('ModHeader')) {
    ctx.report('PCM2012', emptyRangeAt({ line: 1, column: 1, offset: 0 }));
  }
  return { name, version, priority, overrides };
}
