/**
 * What every stdlib namespace is built from: the host services, the module it serves, a clock and a
 * way to reach the module's own instance. One `StdContext` per `createBindings` call, so per-module
 * state (buckets, circuits, round-robin counters) is created fresh for every module instance.
 */
import type { ModuleInstance, StdImplementation } from '@proxycache/pcmod-lang';
import type { Logger } from 'pino';
import type { HeaderRecord, HostServices } from '../pipeline/host.js';

export interface StdContext {
  readonly services: HostServices;
  readonly moduleName: string;
  /** Child logger carrying `module`. */
  readonly logger: Logger;
  /** Monotonic milliseconds (performance.now by default; tests pass a fake clock). */
  readonly now: () => number;
  /** The module instance these bindings were given to, once instantiated (admin listener). */
  readonly instance: () => ModuleInstance | undefined;
}

/** Implementations of one namespace, keyed by their full table name (`std.cache.check`). */
export type StdImplementations = Record<string, StdImplementation>;

/** One header value from a node-style header record; repeated fields are joined with ", ". */
export function headerValue(headers: HeaderRecord | undefined, name: string): string {
  if (headers === undefined) return '';
  const v = headers[name.toLowerCase()];
  if (v === undefined) return '';
  return typeof v === 'string' ? v : v.join(', ');
}
