/**
 * The scope an on_start handler runs in: a module-local ctx map (no request exists yet).
 */
import type { StartScope } from '@proxycache/pcmod-lang';

export class ModuleStartScope implements StartScope {
  private readonly values = new Map<string, string>();

  ctxGet(key: string): string {
    return this.values.get(key) ?? '';
  }

  ctxSet(key: string, value: string): void {
    this.values.set(key, value);
  }
}
