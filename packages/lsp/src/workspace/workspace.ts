/**
 * What the server knows about the workspace: every `.pcmod` file (open buffers win over disk), the
 * config.toml files, and the built-in modules shipped with the server. Analyses are cached by text, so
 * asking again for an unchanged file costs a map lookup.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { TextDocuments } from 'vscode-languageserver/node.js';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type Analysis, analyze, diskDocument } from '../analysis/analysis.js';
import { type EditedView, editedView, editSize, MAX_STALE_EDIT } from '../analysis/edited-view.js';
import { isConfigTomlUri, pathToUri, uriToPath } from '../text/uris.js';
import { scanFiles } from './scan-files.js';

export class Workspace {
  private roots: string[] = [];
  private builtinUris: string[] = [];
  private readonly pcmodUris = new Set<string>();
  private readonly configUris = new Set<string>();
  private readonly cache = new Map<string, Analysis>();
  private readonly diskTexts = new Map<string, string>();

  constructor(private readonly documents: TextDocuments<TextDocument>) {}

  /** Sets the workspace folders and the built-in modules folder, then scans both. */
  configure(roots: readonly string[], builtinModsDir: string | undefined): void {
    this.roots = [...roots];
    this.builtinUris =
      builtinModsDir && existsSync(builtinModsDir)
        ? scanFiles([builtinModsDir], (n) => n.endsWith('.pcmod')).map(pathToUri)
        : [];
    this.rescan();
  }

  /** Re-reads the list of files from disk (after file-system changes). */
  rescan(): void {
    this.pcmodUris.clear();
    this.configUris.clear();
    this.diskTexts.clear();
    for (const path of scanFiles(this.roots, (n) => n.endsWith('.pcmod') || isConfigTomlUri(n))) {
      const uri = pathToUri(path);
      (uri.endsWith('.pcmod') ? this.pcmodUris : this.configUris).add(uri);
    }
  }

  /** Forgets the disk copy of `uri` (it changed on disk). */
  invalidate(uri: string): void {
    this.diskTexts.delete(uri);
    if (uri.endsWith('.pcmod')) this.pcmodUris.add(uri);
    else if (isConfigTomlUri(uri)) this.configUris.add(uri);
  }

  /** Drops a deleted file. */
  remove(uri: string): void {
    this.diskTexts.delete(uri);
    this.pcmodUris.delete(uri);
    this.configUris.delete(uri);
    this.cache.delete(uri);
  }

  /** The current text of `uri`: the open buffer, else the file on disk. */
  text(uri: string): string | undefined {
    const open = this.documents.get(uri);
    if (open) return open.getText();
    let text = this.diskTexts.get(uri);
    if (text === undefined) {
      try {
        text = readFileSync(uriToPath(uri), 'utf8');
      } catch {
        return undefined;
      }
      this.diskTexts.set(uri, text);
    }
    return text;
  }

  /** The analysis of a `.pcmod` file (open or on disk), cached while its text is unchanged. */
  analysis(uri: string): Analysis | undefined {
    const open = this.documents.get(uri);
    const cached = this.cache.get(uri);
    if (open) {
      if (cached && cached.doc.version === open.version && cached.doc.getText() === open.getText())
        return cached;
      return this.store(analyze(open, uriToPath(uri), cached?.parsed));
    }
    const text = this.text(uri);
    if (text === undefined) return undefined;
    if (cached && cached.doc.getText() === text) return cached;
    return this.store(analyze(diskDocument(uri, text), uriToPath(uri)));
  }

  /**
   * For completion: an open document through its last analysis, without re-parsing after a keystroke
   * (a large edit, or a document never analysed, is analysed first).
   */
  editedView(uri: string): EditedView | undefined {
    const open = this.documents.get(uri);
    const cached = this.cache.get(uri);
    if (open && cached) {
      const view = editedView(cached, open);
      if (editSize(view) <= MAX_STALE_EDIT) return view;
    }
    const a = this.analysis(uri);
    return a ? editedView(a, a.doc) : undefined;
  }

  private store(a: Analysis): Analysis {
    this.cache.set(a.uri, a);
    return a;
  }

  /** Every `.pcmod` file of the workspace (scanned or open), sorted by URI. */
  moduleUris(): string[] {
    const uris = new Set(this.pcmodUris);
    for (const d of this.documents.all()) if (d.uri.endsWith('.pcmod')) uris.add(d.uri);
    return [...uris].sort();
  }

  /** Every config.toml of the workspace (scanned or open). */
  configUrisAll(): string[] {
    const uris = new Set(this.configUris);
    for (const d of this.documents.all()) if (isConfigTomlUri(d.uri)) uris.add(d.uri);
    return [...uris].sort();
  }

  /** Analyses of the workspace's modules. */
  modules(): Analysis[] {
    return this.moduleUris().flatMap((u) => this.analysis(u) ?? []);
  }

  /**
   * The modules a config.toml is checked against, one per name: workspace modules, then the built-ins
   * the workspace does not define itself.
   */
  configModules(): Analysis[] {
    const byName = new Map<string, Analysis>();
    for (const a of [...this.modules(), ...this.builtins()]) {
      if (a.moduleName && !byName.has(a.moduleName.name)) byName.set(a.moduleName.name, a);
    }
    return [...byName.values()].sort((a, b) =>
      (a.moduleName?.name ?? '') < (b.moduleName?.name ?? '') ? -1 : 1,
    );
  }

  /** The workspace modules (not the built-ins) whose `mod` line says `name`. */
  modulesNamed(name: string): Analysis[] {
    return this.modules().filter((m) => m.moduleName?.name === name);
  }

  /** The module called `name`: from the workspace, else a built-in. */
  moduleNamed(name: string): Analysis | undefined {
    return this.configModules().find((a) => a.moduleName?.name === name);
  }

  private builtins(): Analysis[] {
    const inWorkspace = new Set(this.moduleUris());
    return this.builtinUris.filter((u) => !inWorkspace.has(u)).flatMap((u) => this.analysis(u) ?? []);
  }
}
