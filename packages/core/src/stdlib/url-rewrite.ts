/**
 * `std.url_rewrite(rules)`: replaces the first matching path prefix (in the map's order) and keeps the
 * query string.
 */
import type { HostExchange } from '../pipeline/host.js';
import type { StdContext, StdImplementations } from './std-context.js';

/** The rewritten path for `path`, or undefined when no rule's prefix matches. */
export function rewritePath(path: string, rules: ReadonlyMap<string, string>): string | undefined {
  // The default (no rules) runs on every request: no iterator for it.
  if (rules.size === 0) return undefined;
  for (const [prefix, replacement] of rules) {
    if (prefix !== '' && path.startsWith(prefix)) {
      const next = replacement + path.slice(prefix.length);
      // Upstream request targets must stay in origin form.
      return next.startsWith('/') ? next : `/${next}`;
    }
  }
  return undefined;
}

export function createUrlRewrite(_ctx: StdContext): StdImplementations {
  return {
    'std.url_rewrite': (x: HostExchange, rules: ReadonlyMap<string, string>): boolean => {
      const next = rewritePath(x.path, rules);
      if (next === undefined) return false;
      x.setPath(next);
      return true;
    },
  };
}
