/**
 * Runs the public HTTP cache test suite (npm `http-cache-tests`, the suite behind cache-tests.fyi)
 * through a running proxycache: the suite's own origin server as the backend, its node client against
 * the proxy's base URL (what its `cli.mjs` does, without a browser).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, startProcess } from '../../packages/core/test/cache/test-process.js';

export type Kind = 'required' | 'optimal' | 'check';

export interface SuiteTest {
  readonly id: string;
  readonly kind?: Kind;
  readonly browser_only?: boolean;
  readonly depends_on?: readonly string[];
}

/** A test's outcome: true, or [error type, message]. */
export type Outcome = true | readonly [string, string];

const require = createRequire(import.meta.url);
export const suiteRoot = dirname(require.resolve('http-cache-tests/package.json'));

export interface SuiteOrigin {
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts the suite's origin server (server/server.mjs) on a free port; stopped by its PID. */
export async function startSuiteOrigin(): Promise<SuiteOrigin> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cache-tests-'));
  const proc = await startProcess(
    'cache-tests server',
    process.execPath,
    [join(suiteRoot, 'server/server.mjs')],
    {
      cwd: dir,
      env: {
        ...process.env,
        npm_config_protocol: 'http',
        npm_config_port: String(port),
        npm_config_pidfile: join(dir, 'server.pid'),
      },
    },
    'Listening on',
  );
  return {
    port,
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface TestSuite {
  readonly tests: SuiteTest[];
}

/** Every suite `cli.mjs` runs (index + Surrogate-Control), minus browser-only tests. */
export async function loadTests(): Promise<SuiteTest[]> {
  const index = (await import('http-cache-tests/tests/index.mjs')) as { default: TestSuite[] };
  const surrogate = (await import('http-cache-tests/tests/surrogate-control.mjs')) as { default: TestSuite };
  const suites = [...index.default, surrogate.default];
  return suites.flatMap((s) => s.tests).filter((t) => t.browser_only !== true);
}

/** Runs the whole suite against `baseUrl` (no trailing slash); resolves with every test's outcome. */
export async function runSuite(baseUrl: string): Promise<Record<string, Outcome>> {
  const runner = (await import('http-cache-tests/client/runner.mjs')) as {
    runTests: (tests: unknown[], fetch: unknown, browserCache: boolean, base: string) => Promise<void>;
    getResults: () => Record<string, Outcome>;
  };
  const index = (await import('http-cache-tests/tests/index.mjs')) as { default: TestSuite[] };
  const surrogate = (await import('http-cache-tests/tests/surrogate-control.mjs')) as { default: TestSuite };
  const fetch = ((await import('node-fetch')) as { default: unknown }).default;
  let suites: TestSuite[] = [...index.default, surrogate.default];
  const only = process.env.CONFORMANCE_ID;
  if (only !== undefined && only !== '') {
    // Debugging one test: the suite logs its requests and responses (as `cli.mjs --id` does).
    suites = suites
      .map((s) => ({ tests: s.tests.filter((t) => t.id === only).map((t) => ({ ...t, dump: true })) }))
      .filter((s) => s.tests.length > 0);
  }
  await runner.runTests(suites, fetch, false, baseUrl);
  return runner.getResults();
}

/** Pass counts per kind; a test passes only when it and everything it depends on passed. */
export function tally(tests: readonly SuiteTest[], results: Record<string, Outcome>) {
  const passed = (id: string, seen = new Set<string>()): boolean => {
    if (results[id] !== true) return false;
    const t = tests.find((x) => x.id === id);
    if (t?.depends_on === undefined || seen.has(id)) return true;
    seen.add(id);
    return t.depends_on.every((d) => passed(d, seen));
  };
  const counts: Record<Kind, { passed: number; total: number; failed: string[] }> = {
    required: { passed: 0, total: 0, failed: [] },
    optimal: { passed: 0, total: 0, failed: [] },
    check: { passed: 0, total: 0, failed: [] },
  };
  for (const t of tests) {
    const c = counts[t.kind ?? 'required'];
    c.total++;
    if (passed(t.id)) c.passed++;
    else c.failed.push(t.id);
  }
  return counts;
}
