/**
 * Commands the extension invokes through `workspace/executeCommand`: a full workspace check and the
 * compiled output of one module (`pcmod compile --emit ts`).
 */
import { emitTypeScript, hasErrors, renderDiagnostics } from '@proxycache/pcmod-lang';
import type { Workspace } from '../workspace/workspace.js';
import type { DiagnosticsPublisher } from './diagnostics-publisher.js';

// Distinct from the extension's own command ids: the language client registers server commands itself.
export const CHECK_WORKSPACE = 'pcmod.server.checkWorkspace';
export const SHOW_COMPILED = 'pcmod.server.compiledOutput';
export const commandNames = [CHECK_WORKSPACE, SHOW_COMPILED];

export interface CheckWorkspaceResult {
  readonly files: number;
  readonly errors: number;
  readonly warnings: number;
}

export interface CompiledOutput {
  readonly ok: boolean;
  /** Generated TypeScript, or the diagnostics rendered as `pcmod check` prints them. */
  readonly text: string;
}

export function checkWorkspace(workspace: Workspace, publisher: DiagnosticsPublisher): CheckWorkspaceResult {
  workspace.rescan();
  return publisher.publishAll();
}

export function showCompiled(workspace: Workspace, uri: string): CompiledOutput {
  const a = workspace.analysis(uri);
  if (!a) return { ok: false, text: `cannot read ${uri}` };
  if (!a.checked || hasErrors(a.diagnostics)) {
    return {
      ok: false,
      text: renderDiagnostics(
        a.diagnostics.filter((d) => d.severity === 'error'),
        () => a.doc.getText(),
      ),
    };
  }
  try {
    return { ok: true, text: emitTypeScript(a.checked) };
  } catch (error) {
    return {
      ok: false,
      text: `internal compiler error: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
