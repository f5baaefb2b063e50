/**
 * Which compiled modules make up a pipeline, in which order, and with which config values.
 */
import type { CompiledModule, ConfigValue } from '@proxycache/pcmod-lang';
import type { ProxyConfig } from '../config/types.js';

/** Module config values: the module's own defaults, overridden by what config.toml (after validation) gave. */
export function moduleConfig(
  module: CompiledModule,
  config: ProxyConfig,
): Readonly<Record<string, ConfigValue>> {
  const given = config.modules[module.name];
  const out: Record<string, ConfigValue> = {};
  for (const field of module.configSchema) out[field.name] = field.default;
  if (given !== undefined) Object.assign(out, given);
  if (out.enabled === undefined) out.enabled = true;
  return out;
}

/** True unless config.toml says `enabled = false` for the module (a missing section means enabled). */
export function isEnabled(name: string, config: ProxyConfig): boolean {
  return config.modules[name]?.enabled !== false;
}

/**
 * The modules that run, by ascending priority (ties by name): disabled modules are skipped and every
 * module named by an enabled module's `overrides` is removed.
 */
export function selectModules(modules: readonly CompiledModule[], config: ProxyConfig): CompiledModule[] {
  const enabled = modules.filter((m) => isEnabled(m.name, config));
  const overridden = new Set<string>();
  for (const m of enabled) for (const o of m.overrides) if (o !== m.name) overridden.add(o);
  return enabled
    .filter((m) => !overridden.has(m.name))
    .sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
