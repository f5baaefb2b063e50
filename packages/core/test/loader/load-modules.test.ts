import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinModsDir } from '../../src/loader/builtin-mods-dir.js';
import { loadModules } from '../../src/loader/load-modules.js';

const root = mkdtempSync(join(tmpdir(), 'pc-loader-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A fresh directory holding `files` (name → text). */
function modsDir(files: Record<string, string>): string {
  const dir = join(root, `mods-${counter++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function mod(name: string, priority: number, extra = ''): string {
  return `mod ${name}\nversion 1.0\npriority ${priority}\n\nconfig {\n  enabled bool true\n  greeting str "hi"\n}\n${extra}\non_request {\n  if path == "/${name}" {\n    respond 200 text "$greeting"\n  }\n}\n`;
}

describe('loadModules', () => {
  it('compiles every .pcmod of both directories, ordered by priority, ignoring other files', () => {
    const builtinDir = modsDir({
      'b.pcmod': mod('beta', 20),
      'a.pcmod': mod('alpha', 50),
      'notes.txt': 'not a module',
    });
    const userDir = modsDir({ 'z.pcmod': mod('zeta', 10) });
    const result = loadModules({ builtinDir, userDir });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.modules.map((m) => [m.name, m.priority, m.file])).toEqual([
      ['zeta', 10, join(userDir, 'z.pcmod')],
      ['beta', 20, join(builtinDir, 'b.pcmod')],
      ['alpha', 50, join(builtinDir, 'a.pcmod')],
    ]);
    expect(result.modules[2]?.configSchema.map((f) => [f.name, f.type, f.default])).toEqual([
      ['enabled', 'bool', true],
      ['greeting', 'str', 'hi'],
    ]);
  });

  it('reports a duplicate module name at the second file’s `mod` line and keeps the first', () => {
    const builtinDir = modsDir({ 'one.pcmod': mod('same', 20) });
    const userDir = modsDir({ 'two.pcmod': `# my copy\n${mod('same', 30)}` });
    const result = loadModules({ builtinDir, userDir });
    expect(result.modules.map((m) => m.file)).toEqual([join(builtinDir, 'one.pcmod')]);
    const dup = result.diagnostics.find((d) => d.code === 'PCM5001');
    expect(dup).toMatchObject({
      severity: 'error',
      file: join(userDir, 'two.pcmod'),
      message: `Duplicate module name 'same'; it is already defined in ${join(builtinDir, 'one.pcmod')}.`,
      range: { start: { line: 2, column: 5, offset: 14 }, end: { line: 2, column: 9, offset: 18 } },
    });
  });

  it('a module with errors yields no module, only its diagnostics', () => {
    const dir = modsDir({
      'good.pcmod': mod('good', 10),
      'bad.pcmod': 'mod bad\non_request {\n  respond 200 text $missing\n}\n',
    });
    const result = loadModules({ builtinDir: dir });
    expect(result.modules.map((m) => m.name)).toEqual(['good']);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.code, d.file, d.range.start.line, d.range.start.column])).toEqual([
      ['PCM2002', join(dir, 'bad.pcmod'), 3, 20],
    ]);
  });

  it('a missing directory is a PCM5002 diagnostic', () => {
    const missing = join(root, 'nope');
    const result = loadModules({ builtinDir: modsDir({}), userDir: missing });
    expect(result.modules).toEqual([]);
    expect(result.diagnostics.map((d) => [d.code, d.file, d.message])).toEqual([
      ['PCM5002', missing, `Cannot read ${missing}: no such directory`],
    ]);
  });
});

describe('builtinModsDir', () => {
  it('is the repository’s mods/ whatever the working directory', () => {
    const expected = join(import.meta.dirname, '..', '..', '..', '..', 'mods');
    const cwd = process.cwd();
    process.chdir(root);
    try {
      expect(builtinModsDir()).toBe(expected);
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(expected)).toBe(true);
  });
});
