import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { commandHelp, mainHelp } from '../../src/cli/usage.js';
import { captureIo, tempProject } from './cli-io.js';

const lines = (...ls: string[]) => `${ls.join('\n')}\n`;

const clean = lines(
  'mod clean',
  '',
  'on_request {',
  '  if path == "/hello" {',
  '    respond 200 text "hi"',
  '  }',
  '}',
);
const legacy = lines(
  'mod legacy',
  '',
  'on_request {',
  '  if path == /health {',
  '    respond 200 json "{}"',
  '  }',
  '}',
);
const broken = lines('mod broken', '', 'on_request {', '  if nope == "x" {', '    pass', '  }', '}');
const syntaxError = lines('mod bad', '', 'on_request {', '  if path == {', '    pass', '}');
const messy = lines('mod   messy', 'on_request {', 'pass', '}');

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.map((c) => c()));
  cleanups = [];
});

async function project(files: Record<string, string>): Promise<string> {
  const p = await tempProject(files);
  cleanups.push(p.cleanup);
  return p.dir;
}

async function run(argv: string[], cwd: string, stdin?: string) {
  const captured = captureIo(cwd, stdin);
  const code = await main(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('pcmod: global usage', () => {
  it('prints help and version', async () => {
    const dir = await project({});
    expect(await run(['--help'], dir)).toEqual({ code: 0, stdout: mainHelp, stderr: '' });
    expect(await run(['-h'], dir)).toEqual({ code: 0, stdout: mainHelp, stderr: '' });
    expect(await run(['--version'], dir)).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
    expect(await run(['help', 'fmt'], dir)).toEqual({ code: 0, stdout: commandHelp.fmt, stderr: '' });
    expect(await run(['check', '--help'], dir)).toEqual({ code: 0, stdout: commandHelp.check, stderr: '' });
  });

  it('exits 2 without a command, with an unknown command or an unknown option', async () => {
    const dir = await project({});
    expect(await run([], dir)).toEqual({ code: 2, stdout: '', stderr: mainHelp });
    expect(await run(['frob'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: "pcmod: unknown command 'frob'\nRun 'pcmod --help' for usage.\n",
    });
    expect(await run(['--frob'], dir)).toMatchObject({
      code: 2,
      stderr: "pcmod: unknown option '--frob'\nRun 'pcmod --help' for usage.\n",
    });
    expect(await run(['help', 'frob'], dir)).toMatchObject({
      code: 2,
      stderr: "pcmod: unknown command 'frob'\nRun 'pcmod --help' for usage.\n",
    });
    expect(await run(['check', '--frob'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: "pcmod: unknown option '--frob'\nRun 'pcmod help check' for usage.\n",
    });
    expect(await run(['check', '--format', 'xml'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: "pcmod: unknown --format 'xml'; expected 'text' or 'json'\nRun 'pcmod help check' for usage.\n",
    });
    expect(await run(['check', '--format'], dir)).toMatchObject({ code: 2, stdout: '' });
  });
});

describe('pcmod check', () => {
  it('exits 0 on a clean file and prints the summary', async () => {
    const dir = await project({ 'clean.pcmod': clean });
    expect(await run(['check', 'clean.pcmod'], dir)).toEqual({
      code: 0,
      stdout: '0 errors, 0 warnings in 1 file\n',
      stderr: '',
    });
  });

  it('exits 0 with warnings only and renders each with file:line:col, severity and code', async () => {
    const dir = await project({ 'legacy.pcmod': legacy });
    const result = await run(['check', 'legacy.pcmod'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        "legacy.pcmod:4:14 - warning PCM4001: Legacy unquoted value '/health'; quote it.",
        '  4 |   if path == /health {',
        '    |              ^~~~~~~',
        '  fix: Quote as "/health"',
        '',
        '0 errors, 1 warning in 1 file',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 on an error', async () => {
    const dir = await project({ 'broken.pcmod': broken });
    const result = await run(['check', 'broken.pcmod'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      [
        "broken.pcmod:4:6 - error PCM2001: Unknown name 'nope'.",
        '  4 |   if nope == "x" {',
        '    |      ^~~~',
        '',
        '1 error, 0 warnings in 1 file',
        '',
      ].join('\n'),
    );
  });

  it('reports PCM5001 for a module name declared by two of the files checked (as proxycache refuses)', async () => {
    const dir = await project({ 'a.pcmod': clean, 'b.pcmod': clean.replace('mod clean', 'mod  clean') });
    const result = await run(['check', '.'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "b.pcmod:1:6 - error PCM5001: Duplicate module name 'clean'; it is already defined in a.pcmod.",
    );
    expect(result.stdout).toContain('1 error, 0 warnings in 2 files');
  });

  it('searches directories recursively (default .), skipping node_modules and hidden folders', async () => {
    const dir = await project({
      'a.pcmod': clean,
      'mods/b.pcmod': legacy,
      'mods/deep/c.pcmod': broken,
      'mods/readme.txt': 'not a module',
      'node_modules/dep/x.pcmod': syntaxError,
      '.git/y.pcmod': syntaxError,
    });
    const result = await run(['check'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("mods/deep/c.pcmod:4:6 - error PCM2001: Unknown name 'nope'.");
    expect(result.stdout).toContain('mods/b.pcmod:4:14 - warning PCM4001:');
    expect(result.stdout).not.toContain('node_modules');
    expect(result.stdout).not.toContain('.git');
    expect(result.stdout.endsWith('1 error, 1 warning in 3 files\n')).toBe(true);
    expect((await run(['check', 'mods'], dir)).stdout.endsWith('1 error, 1 warning in 2 files\n')).toBe(true);
  });

  it('prints one JSON array of all diagnostics with --format json', async () => {
    const dir = await project({ 'broken.pcmod': broken, 'legacy.pcmod': legacy });
    const result = await run(['check', '--format', 'json', '.'], dir);
    expect(result.code).toBe(1);
    const diagnostics = JSON.parse(result.stdout) as Array<{
      code: string;
      severity: string;
      file: string;
      range: unknown;
    }>;
    expect(diagnostics.map((d) => [d.file, d.code, d.severity])).toEqual([
      ['broken.pcmod', 'PCM2001', 'error'],
      ['legacy.pcmod', 'PCM4001', 'warning'],
    ]);
    expect(diagnostics[0]?.range).toEqual({
      start: { line: 4, column: 6, offset: 30 },
      end: { line: 4, column: 10, offset: 34 },
    });
    const cleanDir = await project({ 'clean.pcmod': clean });
    expect(await run(['check', '-f', 'json'], cleanDir)).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });

  it('exits 2 for a path that does not exist', async () => {
    const dir = await project({ 'clean.pcmod': clean });
    expect(await run(['check', 'clean.pcmod', 'x'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: "pcmod: cannot read 'x': no such file or directory\nRun 'pcmod help check' for usage.\n",
    });
  });

  it('exits 2 when there is no .pcmod file to check', async () => {
    const dir = await project({ 'readme.txt': 'hi' });
    expect(await run(['check'], dir)).toMatchObject({
      code: 2,
      stderr: "pcmod: no .pcmod files found in '.'\nRun 'pcmod help check' for usage.\n",
    });
  });

  it('reports syntax errors as PCM1xxx errors', async () => {
    const dir = await project({ 'bad.pcmod': syntaxError });
    const result = await run(['check', 'bad.pcmod', '--format', 'json'], dir);
    expect(result.code).toBe(1);
    const codes = (JSON.parse(result.stdout) as Array<{ code: string }>).map((d) => d.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.every((c) => c.startsWith('PCM1'))).toBe(true);
  });
});

describe('pcmod fmt', () => {
  it('rewrites files in place and lists the ones it changed', async () => {
    const dir = await project({ 'messy.pcmod': messy, 'clean.pcmod': clean });
    expect(await run(['fmt'], dir)).toEqual({ code: 0, stdout: 'messy.pcmod\n', stderr: '' });
    expect(await readFile(join(dir, 'messy.pcmod'), 'utf8')).toBe(
      lines('mod messy', '', 'on_request {', '  pass', '}'),
    );
    expect(await readFile(join(dir, 'clean.pcmod'), 'utf8')).toBe(clean);
    expect(await run(['fmt'], dir)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('--check lists files that would change, exits 1 and writes nothing', async () => {
    const dir = await project({ 'messy.pcmod': messy, 'clean.pcmod': clean });
    expect(await run(['fmt', '--check'], dir)).toEqual({ code: 1, stdout: 'messy.pcmod\n', stderr: '' });
    expect(await readFile(join(dir, 'messy.pcmod'), 'utf8')).toBe(messy);
    expect(await run(['fmt', '--check', 'clean.pcmod'], dir)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('reports files with syntax errors, exits 1 and leaves them untouched', async () => {
    const dir = await project({ 'bad.pcmod': syntaxError, 'messy.pcmod': messy });
    const result = await run(['fmt'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('messy.pcmod\n');
    expect(result.stderr).toMatch(/^bad\.pcmod:4:\d+ - error PCM1001: /);
    expect(await readFile(join(dir, 'bad.pcmod'), 'utf8')).toBe(syntaxError);
  });

  it('exits 2 when there is nothing to format', async () => {
    const dir = await project({ 'notes.txt': 'hi' });
    expect(await run(['fmt'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: "pcmod: no .pcmod files found in '.'\nRun 'pcmod help fmt' for usage.\n",
    });
  });

  it("formats stdin to stdout with '-'", async () => {
    const dir = await project({});
    expect(await run(['fmt', '-'], dir, messy)).toEqual({
      code: 0,
      stdout: lines('mod messy', '', 'on_request {', '  pass', '}'),
      stderr: '',
    });
    expect(await run(['fmt', '--check', '-'], dir, messy)).toEqual({
      code: 1,
      stdout: '<stdin>\n',
      stderr: '',
    });
    expect(await run(['fmt', '--check', '-'], dir, clean)).toEqual({ code: 0, stdout: '', stderr: '' });
    const bad = await run(['fmt', '-'], dir, syntaxError);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^<stdin>:4:\d+ - error PCM1001: /);
    expect(await run(['fmt', '-', 'a.pcmod'], dir)).toMatchObject({ code: 2, stdout: '' });
  });
});

describe('pcmod compile', () => {
  it('prints the generated JavaScript (default) or TypeScript', async () => {
    const dir = await project({ 'clean.pcmod': clean });
    const js = await run(['compile', 'clean.pcmod'], dir);
    expect(js.code).toBe(0);
    expect(js.stderr).toBe('');
    expect(js.stdout.length).toBeGreaterThan(0);
    const ts = await run(['compile', 'clean.pcmod', '--emit', 'ts'], dir);
    expect(ts.code).toBe(0);
    expect(ts.stderr).toBe('');
    expect(ts.stdout.length).toBeGreaterThan(0);
    expect(ts.stdout).not.toBe(js.stdout);
  });

  it('prints diagnostics instead and exits 1 on errors', async () => {
    const dir = await project({ 'broken.pcmod': broken });
    for (const emit of ['js', 'ts']) {
      const result = await run(['compile', 'broken.pcmod', '--emit', emit], dir);
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: [
          "broken.pcmod:4:6 - error PCM2001: Unknown name 'nope'.",
          '  4 |   if nope == "x" {',
          '    |      ^~~~',
          '',
          '',
        ].join('\n'),
      });
    }
  });

  it('exits 2 on a bad command line', async () => {
    const dir = await project({ 'clean.pcmod': clean });
    expect(await run(['compile'], dir)).toMatchObject({
      code: 2,
      stderr: "pcmod: compile needs a FILE\nRun 'pcmod help compile' for usage.\n",
    });
    expect(await run(['compile', 'clean.pcmod', 'clean.pcmod'], dir)).toMatchObject({ code: 2 });
    expect(await run(['compile', 'clean.pcmod', '--emit', 'wasm'], dir)).toMatchObject({ code: 2 });
    expect(await run(['compile', 'missing.pcmod'], dir)).toMatchObject({
      code: 2,
      stderr:
        "pcmod: cannot read 'missing.pcmod': no such file or directory\nRun 'pcmod help compile' for usage.\n",
    });
  });
});

describe('pcmod: output streams', () => {
  it('colours diagnostics on a terminal unless NO_COLOR is set', async () => {
    const dir = await project({ 'broken.pcmod': broken });
    for (const [env, coloured] of [
      [{}, true],
      [{ NO_COLOR: '1' }, false],
    ] as const) {
      let out = '';
      const io = {
        stdout: { write: (s: string) => (out += s), isTTY: true },
        stderr: { write: () => true },
        cwd: dir,
        env,
      };
      expect(await main(['check'], io)).toBe(1);
      expect(out.includes('\u001b[31merror\u001b[0m')).toBe(coloured);
    }
  });

  it('turns an unexpected exception into "internal error" and exit 70, never a stack trace', async () => {
    // Simulates a pcmod bug: the output stream itself fails.
    const dir = await project({ 'clean.pcmod': clean });
    let err = '';
    const io = {
      stdout: {
        write: () => {
          throw new Error('stream exploded');
        },
      },
      stderr: { write: (s: string) => (err += s) },
      cwd: dir,
      env: {},
    };
    expect(await main(['check'], io)).toBe(70);
    expect(err).toBe('pcmod: internal error: stream exploded\n');
  });
});
