// @ts-check
/**
 * The pcmod VS Code extension: a thin LanguageClient that starts the bundled `pcmod-lsp` server over
 * stdio, plus two commands that ask the server for work. Everything language-specific is in the server.
 */

const path = require('node:path');
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

/** Command ids the server executes (see packages/lsp/src/features/commands.ts). */
const SERVER_CHECK_WORKSPACE = 'pcmod.server.checkWorkspace';
const SERVER_COMPILED_OUTPUT = 'pcmod.server.compiledOutput';

/** @type {LanguageClient | undefined} */
let client;

/** @param {import('vscode').ExtensionContext} context */
async function activate(context) {
  const settings = vscode.workspace.getConfiguration('pcmod');
  const custom = settings.get('server.path', '');
  const serverModule = custom || context.asAbsolutePath(path.join('server', 'pcmod-lsp.mjs'));
  const builtinModsDir =
    settings.get('builtinModsDir', '') || context.asAbsolutePath(path.join('server', 'mods'));

  /** @type {import('vscode-languageclient/node').ServerOptions} */
  const serverOptions = {
    run: { module: serverModule, transport: TransportKind.stdio },
    debug: {
      module: serverModule,
      transport: TransportKind.stdio,
      options: { execArgv: ['--inspect=6019'] },
    },
  };
  /** @type {import('vscode-languageclient/node').LanguageClientOptions} */
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'pcmod' },
      { scheme: 'untitled', language: 'pcmod' },
      { scheme: 'file', pattern: '**/*config.toml' },
    ],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.pcmod,*config.toml}') },
    initializationOptions: { builtinModsDir },
  };
  client = new LanguageClient('pcmod', 'pcmod language server', serverOptions, clientOptions);

  context.subscriptions.push(
    vscode.commands.registerCommand('pcmod.checkWorkspace', async () => {
      if (!client) return;
      /** @type {{files: number, errors: number, warnings: number}} */
      const r = await client.sendRequest('workspace/executeCommand', {
        command: SERVER_CHECK_WORKSPACE,
        arguments: [],
      });
      const text = `pcmod: ${r.files} file(s) checked, ${r.errors} error(s), ${r.warnings} warning(s).`;
      if (r.errors > 0) void vscode.window.showErrorMessage(text);
      else void vscode.window.showInformationMessage(text);
      if (r.errors + r.warnings > 0) void vscode.commands.executeCommand('workbench.actions.view.problems');
    }),
    vscode.commands.registerCommand('pcmod.showCompiled', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!client || !editor || editor.document.languageId !== 'pcmod') return;
      /** @type {{ok: boolean, text: string}} */
      const r = await client.sendRequest('workspace/executeCommand', {
        command: SERVER_COMPILED_OUTPUT,
        arguments: [editor.document.uri.toString()],
      });
      const doc = await vscode.workspace.openTextDocument({
        content: r.text,
        language: r.ok ? 'typescript' : 'plaintext',
      });
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }),
  );
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
