/**
 * The request pipeline: stages in priority order, the request phase until the first response, then the
 * response phase in reverse over every stage that ran. Written as a loop that continues through callbacks
 * only when a handler actually returned a promise, so a fully synchronous pipeline allocates no promise.
 */
import type { ModuleInstance, SourceLocation, SourceMapping } from '@proxycache/pcmod-lang';
import { ProxyError } from '../errors/proxy-error.js';
import { failExchange } from './error-response.js';
import type { ProxyExchange } from './exchange.js';
import { scriptLocation } from './script-location.js';

/** One module in a built pipeline. */
export interface PipelineStage {
  readonly name: string;
  readonly file: string;
  readonly priority: number;
  readonly instance: ModuleInstance;
  readonly sourceMap: SourceMapping | undefined;
}

/** Told about every handler that threw (the pipeline has already answered 500). */
export type ScriptErrorReporter = (
  err: ProxyError,
  stage: PipelineStage,
  phase: 'on_request' | 'on_response',
  where: SourceLocation,
  x: ProxyExchange,
) => void;

/** Called when the request phase ends without a response; must set `x.response`. */
export type NoResponderFallback = (x: ProxyExchange) => void;

function isThenable(v: unknown): v is PromiseLike<void> {
  return v !== undefined && v !== null && typeof (v as PromiseLike<void>).then === 'function';
}

const noResponder: NoResponderFallback = (x) =>
  failExchange(x, new ProxyError('PC_ERR_NO_RESPONDER', 'internal', 'no module produced a response'));

/** A built, immutable pipeline. `run` never throws and always ends with `x.response` set. */
export class Pipeline {
  constructor(
    readonly stages: readonly PipelineStage[],
    private readonly report: ScriptErrorReporter,
    private readonly fallback: NoResponderFallback = noResponder,
  ) {}

  /** Runs both phases and calls `done` once (synchronously when no handler was async). */
  run(x: ProxyExchange, done: (x: ProxyExchange) => void): void {
    this.requestFrom(x, 0, done);
  }

  private requestFrom(x: ProxyExchange, start: number, done: (x: ProxyExchange) => void): void {
    const stages = this.stages;
    for (let i = start; i < stages.length; i++) {
      const stage = stages[i] as PipelineStage;
      const inst = stage.instance;
      if (inst.onRequest === undefined) continue;
      let r: void | Promise<void>;
      try {
        r = inst.onRequest(x);
      } catch (err) {
        this.failed(x, i, err, done);
        return;
      }
      if (isThenable(r)) {
        r.then(
          () => this.afterRequest(x, i, done),
          (err: unknown) => this.failed(x, i, err, done),
        );
        return;
      }
      if (x.response !== undefined) {
        x.responder = stage.name;
        this.responseFrom(x, i, done);
        return;
      }
    }
    this.fallback(x);
    this.responseFrom(x, stages.length - 1, done);
  }

  private afterRequest(x: ProxyExchange, i: number, done: (x: ProxyExchange) => void): void {
    if (x.response !== undefined) {
      x.responder = (this.stages[i] as PipelineStage).name;
      this.responseFrom(x, i, done);
    } else {
      this.requestFrom(x, i + 1, done);
    }
  }

  /** on_request of stage `i` threw: answer 500 and give on_response to the stages that ran before it. */
  private failed(x: ProxyExchange, i: number, err: unknown, done: (x: ProxyExchange) => void): void {
    this.scriptError(x, i, 'on_request', err);
    this.responseFrom(x, i - 1, done);
  }

  private responseFrom(x: ProxyExchange, start: number, done: (x: ProxyExchange) => void): void {
    const stages = this.stages;
    for (let i = start; i >= 0; i--) {
      const inst = (stages[i] as PipelineStage).instance;
      if (inst.onResponse === undefined) continue;
      let r: void | Promise<void>;
      try {
        r = inst.onResponse(x);
      } catch (err) {
        this.scriptError(x, i, 'on_response', err);
        continue;
      }
      if (isThenable(r)) {
        r.then(
          () => this.responseFrom(x, i - 1, done),
          (err: unknown) => {
            this.scriptError(x, i, 'on_response', err);
            this.responseFrom(x, i - 1, done);
          },
        );
        return;
      }
    }
    done(x);
  }

  private scriptError(x: ProxyExchange, i: number, phase: 'on_request' | 'on_response', err: unknown): void {
    const stage = this.stages[i] as PipelineStage;
    const message = err instanceof Error ? err.message : String(err);
    const coded = new ProxyError('PC_ERR_SCRIPT', 'script', `${stage.name} ${phase}: ${message}`, err);
    failExchange(x, coded);
    try {
      this.report(coded, stage, phase, locate(err, stage), x);
    } catch {
      // A failing logger must not take the request down with it.
    }
  }
}

function locate(err: unknown, stage: PipelineStage): SourceLocation {
  return scriptLocation(err, stage.file, stage.sourceMap);
}
