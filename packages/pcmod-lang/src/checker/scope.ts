/** Lexical scopes of `let` variables: one per block, looked up from the innermost outwards. */
import type { LetNode } from '../ast/nodes.js';
import type { CheckType } from './value-type.js';

export interface LetBinding {
  readonly decl: LetNode;
  readonly type: CheckType;
  used: boolean;
}

export class Scope {
  private readonly bindings = new Map<string, LetBinding>();

  constructor(readonly parent?: Scope) {}

  lookup(name: string): LetBinding | undefined {
    return this.bindings.get(name) ?? this.parent?.lookup(name);
  }

  declare(binding: LetBinding): void {
    this.bindings.set(binding.decl.name.name, binding);
  }

  /** Bindings declared directly in this scope, in declaration order. */
  own(): Iterable<LetBinding> {
    return this.bindings.values();
  }
}
