/**
 * Throwaway child processes for tests (redis-server, the cache-tests origin): a free loopback port, a
 * start that waits for the process's own "ready" line, and a stop by its PID.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free loopback TCP port: listen(0), read the port, close. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestProcess {
  readonly child: ChildProcess;
  /** SIGTERM by PID; resolves once the process has exited (at once if it already has). */
  stop(): Promise<void>;
}

/**
 * Spawns `command` with stdout piped and resolves once stdout shows `ready`; rejects (naming the
 * process as `name`) when it exits first or is not ready within 10 s.
 */
export async function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  ready: string,
): Promise<TestProcess> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}`));
    });
  });
  return {
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.pid === undefined) return resolve();
        child.once('exit', () => resolve());
        process.kill(child.pid, 'SIGTERM');
      }),
  };
}
