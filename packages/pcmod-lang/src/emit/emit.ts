/**
 * The emitter's entry points. State: **emitted** — a checked module without errors has become
 * generated JavaScript, compiled once with `new Function` into a factory that the host instantiates
 * per pipeline with its bindings and config.
 */
import type { CheckResult } from '../checker/check-result.js';
import type {
  Bindings,
  CompiledModule,
  ConfigFieldSchema,
  ConfigValue,
  ModuleInstance,
} from '../runtime/contract.js';
import { generateModule, SCRIPT_ERROR_CODE } from './generate-module.js';
import { jsNumber, jsString } from './js-literal.js';
import { PcmodSourceMap } from './source-map.js';

type Factory = (b: Bindings, config: Readonly<Record<string, ConfigValue>>) => ModuleInstance;

/** Config values as the generated code reads them: the host's value where given, else the default. */
function effectiveConfig(
  schema: readonly ConfigFieldSchema[],
  config: Readonly<Record<string, ConfigValue>>,
): Record<string, ConfigValue> {
  // A null prototype keeps field names such as `constructor` or `__proto__` plain data.
  const out: Record<string, ConfigValue> = Object.create(null);
  for (const field of schema) {
    out[field.name] = Object.hasOwn(config, field.name) ? (config[field.name] as ConfigValue) : field.default;
  }
  return out;
}

/** Generates, compiles and wraps a checked module. Call only on a result without errors. */
export function emit(checked: CheckResult): CompiledModule {
  const generated = generateModule(checked, 'js');
  const factory = new Function('b', 'config', generated.code) as Factory;
  const { file, header } = checked;
  const configSchema = Object.freeze([...checked.configSchema]);
  return Object.freeze({
    name: header.name,
    version: header.version,
    priority: header.priority,
    overrides: Object.freeze([...header.overrides]),
    file,
    configSchema,
    js: generated.code,
    sourceMap: new PcmodSourceMap(file, generated.segments),
    instantiate(bindings: Bindings, config: Readonly<Record<string, ConfigValue>>): ModuleInstance {
      for (const name of generated.functions) {
        if (typeof bindings.fns[name] !== 'function') {
          throw Object.assign(new Error(`${file}: the host provides no binding for '${name}'`), {
            code: SCRIPT_ERROR_CODE,
          });
        }
      }
      return factory(bindings, effectiveConfig(configSchema, config));
    },
  });
}

/**
 * The same module as TypeScript source (`pcmod compile --emit ts`): an `instantiate(bindings, config)`
 * function typed with the runtime contract, plus the module's metadata. `config` must hold every
 * field (the host applies defaults).
 */
export function emitTypeScript(checked: CheckResult): string {
  const generated = generateModule(checked, 'ts', 1);
  const types = ['Bindings', 'ConfigValue', 'ModuleInstance', 'SourceLocation'];
  if (generated.events.includes('on_start')) types.push('StartScope');
  if (generated.events.some((e) => e !== 'on_start')) types.push('Exchange');
  if (generated.functions.length > 0) types.push('StdImplementation');
  const { header } = checked;
  return [
    `import type { ${types.sort().join(', ')} } from '@proxycache/pcmod-lang';`,
    '',
    '/** Header values of the module. */',
    'export const meta = {',
    `  name: ${jsString(header.name)},`,
    `  version: ${jsString(header.version)},`,
    `  priority: ${jsNumber(header.priority)},`,
    `  overrides: [${header.overrides.map(jsString).join(', ')}],`,
    '} as const;',
    '',
    '/** Builds the handlers from the host bindings and the complete config values. */',
    'export function instantiate(b: Bindings, config: Readonly<Record<string, ConfigValue>>): ModuleInstance {',
    generated.code,
    '}',
    '',
  ].join('\n');
}
