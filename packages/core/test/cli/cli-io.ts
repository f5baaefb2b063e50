/** Runs `main()` with captured output, a working directory and a fake signal source. */

import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  readonly code: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

export interface FakeSignals {
  emit(signal: NodeJS.Signals): void;
  /** Resolves once someone subscribed to `signal` (the server is up and waiting). */
  subscribed(signal: NodeJS.Signals): Promise<void>;
}

export function fakeSignals(): FakeSignals & Pick<CliIo, 'onSignal'> {
  const handlers = new Map<NodeJS.Signals, Set<() => void>>();
  const waiters: { signal: NodeJS.Signals; resolve: () => void }[] = [];
  return {
    onSignal(signal, handler) {
      const set = handlers.get(signal) ?? new Set();
      handlers.set(signal, set);
      set.add(handler);
      for (const w of waiters.filter((w) => w.signal === signal)) w.resolve();
      return () => set.delete(handler);
    },
    emit(signal) {
      for (const h of handlers.get(signal) ?? []) h();
    },
    subscribed(signal) {
      if ((handlers.get(signal)?.size ?? 0) > 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ signal, resolve }));
    },
  };
}

export interface CliRunHandle {
  readonly done: Promise<CliRun>;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
}

export function startMain(
  argv: string[],
  options: { cwd: string; env?: Record<string, string>; signals?: Pick<CliIo, 'onSignal'> },
): CliRunHandle {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    cwd: options.cwd,
    env: options.env ?? {},
    onSignal: options.signals?.onSignal ?? (() => () => undefined),
  };
  const done = main(argv, io).then((code) => ({ code, stdout, stderr }));
  return { done, stdout: () => stdout, stderr: () => stderr };
}

export function runMain(
  argv: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  return startMain(argv, options).done;
}
