/**
 * `std.load_balance(backends[, strategy])`: picks a backend, records it in `ctx.backend` and returns it.
 *
 * Round robin over the backends active health considers healthy; when none is healthy, over all of
 * them (a guess beats a certain 502). `least_connections` uses the host's in-flight counts when it
 * offers them, else round robin. An empty list means `server.backend_addr`.
 */
import type { HostExchange } from '../pipeline/host.js';
import type { StdContext, StdImplementations } from './std-context.js';

export function createLoadBalance(ctx: StdContext): StdImplementations {
  const { services } = ctx;
  let next = 0;
  const warnedStrategies = new Set<string>();

  const roundRobin = (candidates: readonly string[]): string => {
    const chosen = candidates[next % candidates.length] as string;
    next = (next + 1) % 1_000_000_007;
    return chosen;
  };

  const active = (b: string): number => services.activeRequests?.(b) ?? 0;

  const leastConnections = (candidates: readonly string[]): string => {
    let best = candidates[0] as string;
    let bestCount = active(best);
    for (let i = 1; i < candidates.length; i++) {
      const c = candidates[i] as string;
      const count = active(c);
      if (count < bestCount) {
        best = c;
        bestCount = count;
      }
    }
    return best;
  };

  // The usual case, every backend healthy, needs no per-request copy of the list.
  const healthyOrAll = (backends: readonly string[]): readonly string[] => {
    for (let i = 0; i < backends.length; i++) {
      if (services.isHealthy(backends[i] as string)) continue;
      const healthy = backends.filter((b) => services.isHealthy(b));
      return healthy.length > 0 ? healthy : backends;
    }
    return backends;
  };

  const choose = (backends: readonly string[], strategy: string): string => {
    if (backends.length === 0) return services.config.server.backend_addr;
    if (backends.length === 1) return backends[0] as string;
    const candidates = healthyOrAll(backends);
    if (strategy === 'least_connections' && services.activeRequests !== undefined) {
      return leastConnections(candidates);
    }
    if (strategy !== 'round_robin' && strategy !== 'least_connections' && !warnedStrategies.has(strategy)) {
      warnedStrategies.add(strategy);
      ctx.logger.warn({ strategy }, 'unknown load-balancing strategy; using round_robin');
    }
    return roundRobin(candidates);
  };

  return {
    'std.load_balance': (x: HostExchange, backends: readonly string[], strategy?: string): string => {
      const chosen = choose(backends, strategy === undefined || strategy === '' ? 'round_robin' : strategy);
      x.ctxSet('backend', chosen);
      return chosen;
    },
  };
}
