/**
 * The real executable: builds the package (tsc -b) once, then spawns `node packages/pcmod-lang/bin/pcmod.js`
 * as a user's shell or CI would, checking exit codes and output streams end to end.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempProject } from './cli-io.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/pcmod.js', import.meta.url));
const tsc = fileURLToPath(new URL('../../../../node_modules/typescript/bin/tsc', import.meta.url));

function pcmod(args: string[], cwd: string, input?: string) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let project: { dir: string; cleanup(): Promise<void> };

beforeAll(async () => {
  const build = spawnSync(process.execPath, [tsc, '-b', 'packages/pcmod-lang'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (build.status !== 0)
    throw new Error(`tsc -b packages/pcmod-lang failed:\n${build.stdout}${build.stderr}`);
  project = await tempProject({
    'mods/ok.pcmod': 'mod ok\n\non_request {\n  pass\n}\n',
    'mods/bad.pcmod': 'mod bad\n\non_request {\n  if nope == "x" {\n    pass\n  }\n}\n',
  });
}, 300_000);

afterAll(async () => {
  await project?.cleanup();
});

describe('bin/pcmod.js', () => {
  it('prints its version', () => {
    expect(pcmod(['--version'], project.dir)).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('checks a directory and exits 1 on errors', () => {
    const result = pcmod(['check', 'mods'], project.dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("mods/bad.pcmod:4:6 - error PCM2001: Unknown name 'nope'.");
    expect(result.stdout.endsWith('1 error, 0 warnings in 2 files\n')).toBe(true);
    expect(result.stderr).toBe('');
  });

  it('exits 0 on a clean file and 2 on a bad command line, without a stack trace', () => {
    expect(pcmod(['check', 'mods/ok.pcmod'], project.dir)).toEqual({
      code: 0,
      stdout: '0 errors, 0 warnings in 1 file\n',
      stderr: '',
    });
    const usage = pcmod(['check', 'nowhere'], project.dir);
    expect(usage).toEqual({
      code: 2,
      stdout: '',
      stderr: "pcmod: cannot read 'nowhere': no such file or directory\nRun 'pcmod help check' for usage.\n",
    });
  });

  it('formats stdin to stdout', () => {
    expect(pcmod(['fmt', '-'], project.dir, 'mod   x\non_start{\nlog info "hi"}\n')).toEqual({
      code: 0,
      stdout: 'mod x\n\non_start {\n  log info "hi"\n}\n',
      stderr: '',
    });
  });
});
