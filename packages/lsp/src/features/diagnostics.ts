/**
 * Diagnostics of a `.pcmod` file: the compiler's own (codes, messages, ranges and severities unchanged,
 * converted to LSP shape) plus two workspace checks the compiler cannot make on one file: a module
 * name defined twice, and `overrides` naming a module that exists nowhere.
 */
import type { Diagnostic as PcDiagnostic, Severity } from '@proxycache/pcmod-lang';
import { type Diagnostic, DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver/node.js';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../analysis/analysis.js';
import { toLspRange } from '../text/ranges.js';
import { pathToUri } from '../text/uris.js';
import type { Workspace } from '../workspace/workspace.js';

/** Codes of the workspace checks (not compiler codes: they concern several files). */
export const DUPLICATE_MODULE = 'duplicate-module';
export const UNKNOWN_OVERRIDE = 'unknown-override';

const severities: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** A compiler diagnostic in LSP shape (`data` keeps the compiler's quick fix for code actions). */
export function toLspDiagnostic(doc: TextDocument, d: PcDiagnostic): Diagnostic {
  const out: Diagnostic = {
    range: toLspRange(doc, d.range),
    severity: severities[d.severity],
    code: d.code,
    source: 'pcmod',
    message: d.message,
  };
  // Editors grey out unreachable code and unused variables.
  if (d.code === 'PCM3004' || d.code === 'PCM4002') out.tags = [DiagnosticTag.Unnecessary];
  if (d.related && d.related.length > 0) {
    out.relatedInformation = d.related.map((r) => ({
      message: r.message,
      location: { uri: r.file === d.file ? doc.uri : pathToUri(r.file), range: toLspRange(doc, r.range) },
    }));
  }
  return out;
}

/** Everything to publish for one module: compiler diagnostics, then workspace checks. */
export function moduleDiagnostics(a: Analysis, workspace: Workspace): Diagnostic[] {
  const out = a.diagnostics.map((d) => toLspDiagnostic(a.doc, d));
  const own = a.moduleName;
  if (own) {
    const name = own.name;
    const twins = workspace.modules().filter((m) => m.uri !== a.uri && m.moduleName?.name === name);
    if (twins.length > 0) {
      out.push({
        range: toLspRange(a.doc, own.range),
        severity: DiagnosticSeverity.Error,
        code: DUPLICATE_MODULE,
        source: 'pcmod',
        message: `Module '${name}' is also defined in ${twins.map((t) => t.uri.split('/').pop()).join(', ')}.`,
        relatedInformation: twins.map((t) => ({
          message: `'${name}' defined here`,
          location: { uri: t.uri, range: toLspRange(t.doc, t.moduleName?.range ?? own.range) },
        })),
      });
    }
  }
  for (const o of a.overrides) {
    if (workspace.moduleNamed(o.name)) continue;
    out.push({
      range: toLspRange(a.doc, o.range),
      severity: DiagnosticSeverity.Warning,
      code: UNKNOWN_OVERRIDE,
      source: 'pcmod',
      message: `'overrides ${o.name}': no module named '${o.name}' in the workspace or the built-in modules.`,
    });
  }
  return out;
}
