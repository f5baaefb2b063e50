/**
 * The language server's services, built by one factory over a connection (the stdio entry point and the
 * tests use the same factory). Each feature lives in its own file under features/ or config-toml/;
 * this file only wires requests to them.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  type Connection,
  FileChangeType,
  type InitializeParams,
  type InitializeResult,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from './analysis/analysis.js';
import { configCompletion, configDefinition, configHover } from './config-toml/config-features.js';
import {
  CHECK_WORKSPACE,
  checkWorkspace,
  commandNames,
  SHOW_COMPILED,
  showCompiled,
} from './features/commands.js';
import { completion } from './features/completion.js';
import { definition, prepareRename, references, rename } from './features/definition.js';
import { DiagnosticsPublisher } from './features/diagnostics-publisher.js';
import { codeActions, formatting } from './features/edits.js';
import { hover } from './features/hover.js';
import { semanticTokens, semanticTokensLegend } from './features/semantic-tokens.js';
import { signatureHelp } from './features/signature-help.js';
import { documentSymbols, foldingRanges } from './features/structure.js';
import { isConfigTomlUri, isPcmodUri, uriToPath } from './text/uris.js';
import { Workspace } from './workspace/workspace.js';

/** Options a client may pass in `initializationOptions`. */
export interface ServerOptions {
  /** Folder of the built-in `.pcmod` modules (config.toml sections, `overrides` targets). */
  readonly builtinModsDir?: string;
}

/** The repository's `mods/` when the server runs from packages/lsp/dist. */
function defaultBuiltinModsDir(): string | undefined {
  const dir = fileURLToPath(new URL('../../../mods/', import.meta.url));
  return existsSync(dir) ? dir : undefined;
}

/** Builds the server's services on `connection` and registers every handler; call `listen()` on the result. */
export function createServer(connection: Connection): Connection {
  const documents = new TextDocuments(TextDocument);
  const workspace = new Workspace(documents);
  const publisher = new DiagnosticsPublisher(connection, workspace);
  const moduleFor = (uri: string): Analysis | undefined =>
    isPcmodUri(uri) ? workspace.analysis(uri) : undefined;

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri));
    if (roots.length === 0 && params.rootUri) roots.push(uriToPath(params.rootUri));
    const options = (params.initializationOptions ?? {}) as ServerOptions;
    workspace.configure(roots, options.builtinModsDir ?? defaultBuiltinModsDir());
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        completionProvider: { triggerCharacters: ['$', '.', '['] },
        hoverProvider: true,
        signatureHelpProvider: { triggerCharacters: ['(', ','] },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        semanticTokensProvider: { legend: semanticTokensLegend, full: true },
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll] },
        executeCommandProvider: { commands: commandNames },
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'pcmod-lsp', version: '0.1.0' },
    };
  });
  connection.onInitialized(() => {
    publisher.publishAll();
  });
  connection.onShutdown(() => publisher.dispose());

  documents.onDidOpen((e) => publisher.publishFor(e.document.uri));
  documents.onDidChangeContent((e) => publisher.schedule(e.document.uri));
  documents.onDidClose((e) => {
    const uri = e.document.uri;
    const known = workspace.moduleUris().includes(uri) || workspace.configUrisAll().includes(uri);
    if (known && existsSync(uriToPath(uri))) publisher.publishFor(uri);
    else publisher.clear(uri);
  });
  connection.onDidChangeWatchedFiles((e) => {
    for (const change of e.changes) {
      if (change.type === FileChangeType.Deleted) {
        workspace.remove(change.uri);
        publisher.clear(change.uri);
      } else workspace.invalidate(change.uri);
    }
    publisher.publishAll();
  });

  connection.onCompletion((p) => {
    const uri = p.textDocument.uri;
    if (isConfigTomlUri(uri)) {
      const doc = documents.get(uri);
      return doc ? configCompletion(doc, p.position, workspace.configModules()) : [];
    }
    const view = isPcmodUri(uri) ? workspace.editedView(uri) : undefined;
    return view ? completion(view, p.position, workspace) : [];
  });
  connection.onHover((p) => {
    const uri = p.textDocument.uri;
    if (isConfigTomlUri(uri)) {
      const doc = documents.get(uri);
      return doc ? configHover(doc, p.position, workspace.configModules()) : null;
    }
    const a = moduleFor(uri);
    return a ? hover(a, p.position, workspace) : null;
  });
  connection.onDefinition((p) => {
    const uri = p.textDocument.uri;
    if (isConfigTomlUri(uri)) {
      const doc = documents.get(uri);
      return doc ? configDefinition(doc, p.position, workspace.configModules()) : null;
    }
    const a = moduleFor(uri);
    return a ? definition(a, p.position, workspace) : null;
  });
  connection.onSignatureHelp((p) => {
    const doc = isPcmodUri(p.textDocument.uri) ? documents.get(p.textDocument.uri) : undefined;
    return doc ? signatureHelp(doc, p.position) : null;
  });
  connection.onReferences((p) => {
    const a = moduleFor(p.textDocument.uri);
    return a ? references(a, p.position, p.context.includeDeclaration, workspace) : [];
  });
  connection.onPrepareRename((p) => {
    const a = moduleFor(p.textDocument.uri);
    return a ? prepareRename(a, p.position) : null;
  });
  connection.onRenameRequest((p) => {
    const a = moduleFor(p.textDocument.uri);
    return a ? rename(a, p.position, p.newName, workspace) : null;
  });
  connection.onDocumentSymbol((p) => {
    const a = moduleFor(p.textDocument.uri);
    return a ? documentSymbols(a) : [];
  });
  connection.onFoldingRanges((p) => {
    const a = moduleFor(p.textDocument.uri);
    return a ? foldingRanges(a) : [];
  });
  connection.languages.semanticTokens.on((p) => {
    const a = moduleFor(p.textDocument.uri);
    return a ? semanticTokens(a) : { data: [] };
  });
  connection.onDocumentFormatting((p) => {
    const a = moduleFor(p.textDocument.uri);
    return a ? formatting(a) : [];
  });
  connection.onCodeAction((p) => {
    const a = moduleFor(p.textDocument.uri);
    return a ? codeActions(a, p.range) : [];
  });
  connection.onExecuteCommand((p) => {
    if (p.command === CHECK_WORKSPACE) return checkWorkspace(workspace, publisher);
    if (p.command === SHOW_COMPILED) return showCompiled(workspace, String(p.arguments?.[0] ?? ''));
    return null;
  });

  documents.listen(connection);
  return connection;
}
