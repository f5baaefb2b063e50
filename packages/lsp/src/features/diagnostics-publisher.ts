/**
 * Publishes diagnostics as the user types: a change is analysed after a short quiet period (150 ms), then
 * — only when what other files see of it changed (its module name, overrides or config schema) — every
 * file whose diagnostics may depend on it (other modules for duplicate names and overrides, config.toml
 * files for config schemas) is re-evaluated; only what changed is sent again.
 */
import type { Connection, Diagnostic } from 'vscode-languageserver/node.js';
import type { Analysis } from '../analysis/analysis.js';
import { configDiagnostics } from '../config-toml/config-diagnostics.js';
import { isConfigTomlUri, isPcmodUri, uriToPath } from '../text/uris.js';
import type { Workspace } from '../workspace/workspace.js';
import { moduleDiagnostics } from './diagnostics.js';

export const DEBOUNCE_MS = 150;

export class DiagnosticsPublisher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly published = new Map<string, string>();
  /** Per module: what other files' diagnostics depend on, as last seen (see {@link workspaceFacts}). */
  private readonly facts = new Map<string, string>();

  constructor(
    private readonly connection: Connection,
    private readonly workspace: Workspace,
  ) {}

  /** Re-evaluates `uri` (and its dependents) once typing pauses. */
  schedule(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        this.publishFor(uri);
      }, DEBOUNCE_MS),
    );
  }

  /** Re-evaluates `uri` now, then its dependents when what they depend on changed. */
  publishFor(uri: string): void {
    this.publish(uri);
    if (isPcmodUri(uri) && this.factsChanged(uri)) this.publishAll();
  }

  /** Re-evaluates every module and config.toml of the workspace; returns counts for "Check workspace". */
  publishAll(): { files: number; errors: number; warnings: number } {
    const totals = { files: 0, errors: 0, warnings: 0 };
    for (const uri of [...this.workspace.moduleUris(), ...this.workspace.configUrisAll()]) {
      if (isPcmodUri(uri)) this.factsChanged(uri);
      const diags = this.publish(uri);
      totals.files++;
      for (const d of diags) {
        if (d.severity === 1) totals.errors++;
        else if (d.severity === 2) totals.warnings++;
      }
    }
    return totals;
  }

  /** Clears what was published for a closed or deleted file that is no longer part of the workspace. */
  clear(uri: string): void {
    this.facts.delete(uri);
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    if (this.published.has(uri)) {
      this.published.delete(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    }
  }

  /** Stops pending timers (on shutdown). */
  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Diagnostics of one file as they would be published now. */
  compute(uri: string): Diagnostic[] {
    if (isPcmodUri(uri)) {
      const a = this.workspace.analysis(uri);
      return a ? moduleDiagnostics(a, this.workspace) : [];
    }
    if (isConfigTomlUri(uri)) {
      const text = this.workspace.text(uri);
      return text === undefined
        ? []
        : configDiagnostics(text, uriToPath(uri), this.workspace.configModules());
    }
    return [];
  }

  /** Records the workspace facts of module `uri`; true when they differ from the last record. */
  private factsChanged(uri: string): boolean {
    const a = this.workspace.analysis(uri);
    const facts = a ? workspaceFacts(a) : '';
    if (this.facts.get(uri) === facts) return false;
    this.facts.set(uri, facts);
    return true;
  }

  private publish(uri: string): Diagnostic[] {
    const diagnostics = this.compute(uri);
    const key = JSON.stringify(diagnostics);
    if (this.published.get(uri) !== key) {
      this.published.set(uri, key);
      void this.connection.sendDiagnostics({ uri, diagnostics });
    }
    return diagnostics;
  }
}

/**
 * What other files' diagnostics read of a module: its name (and where it stands, for "defined here"
 * links), its overrides and its config schema.
 */
function workspaceFacts(a: Analysis): string {
  return JSON.stringify([
    a.moduleName?.name,
    a.moduleName?.range,
    a.overrides.map((o) => o.name),
    a.checked?.configSchema.map((f) => [f.name, f.type, f.default]),
  ]);
}
