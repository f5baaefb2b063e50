/** `std.metrics.prometheus()` / `.stats_json()`: the host's metrics, rendered for scripts. */
import type { StdContext, StdImplementations } from './std-context.js';

export function createMetrics(ctx: StdContext): StdImplementations {
  const { metrics } = ctx.services;
  return {
    // Declared async in the table: prom-client renders its registry asynchronously.
    'std.metrics.prometheus': (_x: unknown): Promise<string> => Promise.resolve(metrics.prometheus()),
    'std.metrics.stats_json': (_x: unknown): string => metrics.statsJson(),
  };
}
