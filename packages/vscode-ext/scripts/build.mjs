#!/usr/bin/env node
// Builds what the .vsix ships: out/extension.js (the client, with vscode-languageclient bundled) and
// server/ (the language server bundled from packages/lsp/dist with the compiler and its dependencies,
// plus a copy of the built-in modules in server/mods for config.toml checking). Run by `prepackage`.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const ext = join(here, '..');
const root = join(ext, '..', '..');
const lspMain = join(root, 'packages', 'lsp', 'dist', 'main.js');

// 1. The server's TypeScript (and the compiler's and core's, through project references).
//    tsc -b still emits when another package has type errors; the bundle only needs the JS.
try {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(root, 'packages', 'lsp')],
    {
      stdio: 'inherit',
    },
  );
} catch {
  if (!existsSync(lspMain)) throw new Error('packages/lsp did not build');
  console.warn('build: tsc reported errors (see above); bundling the emitted JavaScript anyway');
}

rmSync(join(ext, 'out'), { recursive: true, force: true });
rmSync(join(ext, 'server'), { recursive: true, force: true });

// 2. The client: CommonJS as VS Code loads it; `vscode` is provided by the editor.
await build({
  entryPoints: [join(ext, 'src', 'extension.js')],
  outfile: join(ext, 'out', 'extension.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode'],
  minify: true,
  logLevel: 'warning',
});

// 3. The server: one ESM file; CommonJS dependencies inside it get a real `require`.
await build({
  stdin: {
    contents: `import { startServer } from ${JSON.stringify(lspMain)};\nstartServer(process.argv.slice(2));\n`,
    resolveDir: root,
    loader: 'js',
  },
  outfile: join(ext, 'server', 'pcmod-lsp.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  banner: {
    js: "import { createRequire as __pcmodCreateRequire } from 'node:module'; const require = __pcmodCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// 4. The built-in modules, so config.toml sections of built-ins are known outside this repository.
const mods = join(root, 'mods');
mkdirSync(join(ext, 'server', 'mods'), { recursive: true });
if (existsSync(mods)) {
  for (const name of readdirSync(mods))
    if (name.endsWith('.pcmod')) cpSync(join(mods, name), join(ext, 'server', 'mods', name));
}
console.log('build: out/extension.js, server/pcmod-lsp.mjs, server/mods/');
