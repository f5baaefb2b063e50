/** Entry point of `pcmod-lsp --stdio`: a connection over stdin/stdout and the services built on it. */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node.js';
import { createServer } from './server.js';

/** Starts the language server on stdio; prints usage and sets exit code 2 without `--stdio`. */
export function startServer(argv: readonly string[]): void {
  if (!argv.includes('--stdio')) {
    process.stderr.write('usage: pcmod-lsp --stdio\n');
    process.exitCode = 2;
    return;
  }
  createServer(createConnection(ProposedFeatures.all, process.stdin, process.stdout)).listen();
}
