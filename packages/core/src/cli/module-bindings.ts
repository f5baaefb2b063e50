/**
 * Connects each module instance to its own stdlib bindings. `createBindings` needs a getter for the
 * instance it ends up in (`std.admin.listen` serves that instance's on_request), but the app builds the
 * bindings before it instantiates the module and `BindingsFactory` has no parameter for the instance.
 * So the modules handed to the app record the instance they produce against the bindings they were given.
 */
import type { Bindings, CompiledModule, ModuleInstance } from '@proxycache/pcmod-lang';
import type { BindingsFactory } from '../app/proxy-app.js';
import { createBindings } from '../stdlib/bindings.js';

interface InstanceSlot {
  instance: ModuleInstance | undefined;
}

/** A bindings factory and a module wrapper that together fill `BindingsOptions.instance`. */
export function instanceAwareBindings(): {
  readonly bindingsFactory: BindingsFactory;
  wrap(modules: readonly CompiledModule[]): CompiledModule[];
} {
  const slots = new WeakMap<Bindings, InstanceSlot>();
  const wrapped = new WeakMap<CompiledModule, CompiledModule>();
  return {
    bindingsFactory(services, moduleName) {
      const slot: InstanceSlot = { instance: undefined };
      const bindings = createBindings(services, moduleName, { instance: () => slot.instance });
      slots.set(bindings, slot);
      return bindings;
    },
    wrap(modules) {
      return modules.map((m) => {
        let w = wrapped.get(m);
        if (w === undefined) {
          // Everything but instantiate is read through the prototype, so the wrapper stays in step with m.
          w = Object.create(m, {
            instantiate: {
              value(
                bindings: Bindings,
                config: Parameters<CompiledModule['instantiate']>[1],
              ): ModuleInstance {
                const instance = m.instantiate(bindings, config);
                const slot = slots.get(bindings);
                if (slot) slot.instance = instance;
                return instance;
              },
            },
          }) as CompiledModule;
          wrapped.set(m, w);
        }
        return w;
      });
    },
  };
}
