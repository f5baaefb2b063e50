/**
 * The stdlib implementations: `createBindings` builds one `Bindings` per module instance, with exactly
 * one implementation for every name in the declaration table (`stdFunctions`) and a `log` that writes
 * through a pino child logger carrying the module name and the `.pcmod` file:line.
 *
 * State lives in the objects built here (rate-limit buckets, circuits, round-robin position), so a
 * reload starts them fresh; the response cache is the exception and is kept across reloads when the
 * host offers `services.persistent` (see cache.ts).
 */
import type { Bindings, Exchange, ModuleInstance, SourceLocation, StartScope } from '@proxycache/pcmod-lang';
import type { Level } from 'pino';
import type { HostServices } from '../pipeline/host.js';
import { createActiveHealth } from './active-health.js';
import { createAdmin } from './admin.js';
import { createBuiltins } from './builtins.js';
import { createCache } from './cache.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { createCompress } from './compress.js';
import { createLoadBalance } from './load-balance.js';
import { createMetrics } from './metrics.js';
import { createProxy } from './proxy.js';
import { createRateLimit } from './rate-limit.js';
import { createRawTcp } from './raw-tcp.js';
import { createRequestId } from './request-id.js';
import type { StdContext, StdImplementations } from './std-context.js';
import { createUrlRewrite } from './url-rewrite.js';

export interface BindingsOptions {
  /** Monotonic clock in ms (tests pass a fake one); default `performance.now`. */
  readonly now?: () => number;
}

const namespaces: readonly ((ctx: StdContext) => StdImplementations)[] = [
  createBuiltins,
  createRateLimit,
  createCache,
  createCircuitBreaker,
  createCompress,
  createRequestId,
  createUrlRewrite,
  createLoadBalance,
  createProxy,
  createActiveHealth,
  createMetrics,
  createAdmin,
  createRawTcp,
];

/**
 * Builds the stdlib for one module instance; a `BindingsFactory` as it stands. `instance` returns the
 * instance these bindings end up in, once instantiated (`std.admin.listen` serves its on_request).
 */
export function createBindings(
  services: HostServices,
  moduleName: string,
  instance: () => ModuleInstance | undefined = () => undefined,
  options: BindingsOptions = {},
): Bindings {
  // The host may already hand out a per-module logger; a second child would print `module` twice.
  const logger =
    services.logger.bindings().module === moduleName
      ? services.logger
      : services.logger.child({ module: moduleName });
  const ctx: StdContext = {
    services,
    moduleName,
    logger,
    now: options.now ?? (() => performance.now()),
    instance,
  };
  const fns: StdImplementations = {};
  for (const make of namespaces) Object.assign(fns, make(ctx));
  Object.freeze(fns);

  return {
    fns,
    log(level: string, message: string, where: SourceLocation, x: Exchange | StartScope | undefined): void {
      const lvl = level as Level;
      if (!logger.isLevelEnabled(lvl)) return;
      const requestId = x === undefined ? '' : x.ctxGet('request_id');
      const fields =
        requestId === ''
          ? { src: `${where.file}:${where.line}` }
          : { src: `${where.file}:${where.line}`, request_id: requestId };
      logger[lvl](fields, message);
    },
  };
}
