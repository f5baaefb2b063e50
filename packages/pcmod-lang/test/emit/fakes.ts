/**
 * Test doubles for the runtime contract: an `Exchange` and `Bindings` that record every call the
 * generated code makes, in order.
 */
import type { HandlerEvent } from '../../src/ast/nodes.js';
import type {
  Bindings,
  Exchange,
  SourceLocation,
  StartScope,
  StdImplementation,
} from '../../src/runtime/contract.js';
import { stdFunctions } from '../../src/stdlib/table.js';

export type Recorded = readonly unknown[];

/** A request whose script-visible effects are recorded in `events`. */
export class FakeExchange implements Exchange, StartScope {
  method = 'GET';
  path = '/';
  query = '';
  uri = '/';
  host = 'example.test';
  scheme = 'http';
  client_ip = '127.0.0.1';
  protocol = 'h1';
  listener = 'main';
  status = 0;
  content_type = '';
  responded = false;
  readonly ctx = new Map<string, string>();
  readonly events: Recorded[] = [];

  constructor(
    fields: Partial<Pick<FakeExchange, 'method' | 'path' | 'query' | 'host' | 'client_ip' | 'status'>> = {},
  ) {
    Object.assign(this, fields);
  }

  setHeader(phase: HandlerEvent, name: string, value: string): void {
    this.events.push(['setHeader', phase, name, value]);
  }

  removeHeader(phase: HandlerEvent, name: string): void {
    this.events.push(['removeHeader', phase, name]);
  }

  ctxGet(key: string): string {
    return this.ctx.get(key) ?? '';
  }

  ctxSet(key: string, value: string): void {
    this.events.push(['ctxSet', key, value]);
    this.ctx.set(key, value);
  }

  respond(status: number, contentType: string | undefined, body: string | undefined): void {
    this.events.push(['respond', status, contentType, body]);
    this.responded = true;
  }
}

/** Bindings for every stdlib name: each call is recorded as `[name, ...args]` and returns a neutral value. */
export class FakeBindings implements Bindings {
  readonly calls: Recorded[] = [];
  readonly logs: Array<{ level: string; message: string; where: SourceLocation }> = [];
  readonly fns: Record<string, StdImplementation>;

  /** `overrides` replace the neutral implementation of some names (they are still recorded). */
  constructor(overrides: Record<string, StdImplementation> = {}) {
    const fns: Record<string, StdImplementation> = {};
    for (const f of stdFunctions) {
      const neutral: unknown = { str: '', int: 0, bool: false }[f.returns as string];
      const impl = overrides[f.name] ?? (() => neutral);
      fns[f.name] = (x: unknown, ...args: unknown[]) => {
        this.calls.push([f.name, ...args]);
        const result = impl(x, ...args);
        return f.effects.async && !(result instanceof Promise) ? Promise.resolve(result) : result;
      };
    }
    this.fns = fns;
  }

  log(level: string, message: string, where: SourceLocation): void {
    this.logs.push({ level, message, where });
  }
}
