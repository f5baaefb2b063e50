/**
 * A throwaway redis-server for tests: a free loopback port, no persistence, stopped by its PID.
 */
import { existsSync } from 'node:fs';
import { freePort, startProcess } from './test-process.js';

export const REDIS_BIN = '/usr/bin/redis-server';

export function redisAvailable(): boolean {
  return existsSync(REDIS_BIN);
}

export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT: connected but not answering, then answering again. */
  pause(): void;
  resume(): void;
}

/** Starts redis-server on `port` (a free one by default: pass the old one to restart a stopped server). */
export async function startRedis(port?: number): Promise<TestRedis & { readonly port: number }> {
  port ??= await freePort();
  const proc = await startProcess(
    'redis-server',
    REDIS_BIN,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
    'Ready to accept connections',
  );
  const signal = (sig: NodeJS.Signals) => () => {
    if (proc.child.pid !== undefined && proc.child.exitCode === null) process.kill(proc.child.pid, sig);
  };
  const resume = signal('SIGCONT');
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => {
      resume();
      return proc.stop();
    },
    pause: signal('SIGSTOP'),
    resume,
  };
}
