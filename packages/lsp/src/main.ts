/** Entry point of `pcmod-lsp --stdio` (filled in by the language-server work). */
export function startServer(argv: readonly string[]): void {
  if (!argv.includes('--stdio')) {
    process.stderr.write('usage: pcmod-lsp --stdio\n');
    process.exitCode = 2;
  }
}
