/**
 * The contract between generated code and the host that runs it (packages/core, or tests).
 *
 * Generated handlers receive one `Exchange` per request and call stdlib functions through
 * `Bindings`: `bindings['std.cache.check'](x)`, `bindings['header'](x, 'Accept')`. The host builds one
 * `Bindings` object per module instance (so per-module state such as rate-limit buckets stays
 * separate) and implements exactly the names of the stdlib declaration table.
 */
import type { HandlerEvent } from '../ast/nodes.js';
import type { PcType } from '../stdlib/types.js';

/** What a handler sees of one request (and, in on_response, of its response). */
export interface Exchange {
  // Request fields (see stdlib/table.ts `requestFields`). `path` and `uri` change when rewritten.
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly uri: string;
  readonly host: string;
  readonly scheme: string;
  readonly client_ip: string;
  readonly protocol: string;
  readonly listener: string;
  /** Response status; 0 before a response exists. */
  readonly status: number;
  readonly content_type: string;

  /** `set_header` / `remove_header`: request headers in on_request, response headers in on_response. */
  setHeader(phase: HandlerEvent, name: string, value: string): void;
  removeHeader(phase: HandlerEvent, name: string): void;

  /** `ctx.key` (missing keys read as ""), `set_ctx key value`. */
  ctxGet(key: string): string;
  ctxSet(key: string, value: string): void;

  /** `respond`: ends the request phase of the pipeline with this response. */
  respond(status: number, contentType: string | undefined, body: string | undefined): void;
  /** True once `respond` (or a responding std call) has produced a response. */
  readonly responded: boolean;
}

/** What an on_start handler sees: no request. */
export interface StartScope {
  ctxGet(key: string): string;
  ctxSet(key: string, value: string): void;
}

/** Where a log line or runtime error came from in the `.pcmod` source. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A stdlib implementation: the exchange (or start scope) first, then the script's arguments. */
// biome-ignore lint/suspicious/noExplicitAny: implementations have heterogeneous signatures checked by the table.
export type StdImplementation = (x: any, ...args: any[]) => unknown;

/** Everything generated code calls into. */
export interface Bindings {
  readonly fns: Readonly<Record<string, StdImplementation>>;
  /** `log LEVEL MSG` (level already validated by the checker). */
  log(level: string, message: string, where: SourceLocation, x: Exchange | StartScope | undefined): void;
}

/** Runtime value of a config field (see stdlib/types.ts for the representation of each type). */
export type ConfigValue =
  | boolean
  | number
  | string
  | readonly string[]
  | readonly number[]
  | ReadonlyMap<string, string>;

export interface ConfigFieldSchema {
  readonly name: string;
  readonly type: PcType;
  readonly default: ConfigValue;
  /** 1-based line of the field in the module file (for config.toml hover/definition and messages). */
  readonly line: number;
}

/** Handlers of one instantiated module. A handler returns a promise only when it makes an async call. */
export interface ModuleInstance {
  readonly onStart?: (scope: StartScope) => void | Promise<void>;
  readonly onRequest?: (x: Exchange) => void | Promise<void>;
  readonly onResponse?: (x: Exchange) => void | Promise<void>;
}

/** The compiler's product: everything the host needs to run a module. */
export interface CompiledModule {
  readonly name: string;
  readonly version: string;
  readonly priority: number;
  readonly overrides: readonly string[];
  readonly file: string;
  readonly configSchema: readonly ConfigFieldSchema[];
  /** Generated JavaScript (the body of the factory), for `pcmod compile --emit js` and debugging. */
  readonly js: string;
  /** Maps generated line:col back to `.pcmod` line:col. */
  readonly sourceMap: SourceMapping;
  /** Builds the handlers with the host's bindings and the validated config values. */
  instantiate(bindings: Bindings, config: Readonly<Record<string, ConfigValue>>): ModuleInstance;
}

export interface SourceMapping {
  /** Original `.pcmod` location for a generated 1-based line and column, if known. */
  originalFor(line: number, column: number): SourceLocation | undefined;
  /** Standard source map v3 JSON. */
  toJSON(): object;
}
