/**
 * Diagnostics of a `.pcmod` file: the compiler's own (codes, messages, ranges and severities unchanged,
 * converted to LSP shape) plus two workspace checks the compiler cannot make on one file: a module
 * name defined twice (PCM5001), and `overrides` naming a module that exists nowhere (PCM5003).
 */
import { createDiagnostic, type Diagnostic as PcDiagnostic, type Severity } from '@proxycache/pcmod-lang';
import { type Diagnostic, DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver/node.js';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../analysis/analysis.js';
import { lineColumnRange, toLspRange } from '../text/ranges.js';
import { pathToUri, uriToPath } from '../text/uris.js';
import type { Workspace } from '../workspace/workspace.js';

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
      location:
        r.file === d.file
          ? { uri: doc.uri, range: toLspRange(doc, r.range) }
          : // Offsets belong to the other file's text, which is not at hand here; its lines and columns are.
            { uri: pathToUri(r.file), range: lineColumnRange(r.range) },
    }));
  }
  return out;
}

/**
 * Everything to publish for one module: compiler diagnostics, then the workspace checks built from the
 * same catalogue (PCM5001 duplicate module name, as core's module loader reports it; PCM5003 unknown
 * `overrides` target).
 */
export function moduleDiagnostics(a: Analysis, workspace: Workspace): Diagnostic[] {
  const file = uriToPath(a.uri);
  const cross: PcDiagnostic[] = [];
  const own = a.moduleName;
  if (own) {
    const twins = workspace.modulesNamed(own.name).filter((m) => m.uri !== a.uri);
    if (twins.length > 0) {
      const names = twins.map((t) => t.uri.split('/').pop()).join(', ');
      cross.push(
        createDiagnostic('PCM5001', file, own.range, [own.name, names], {
          related: twins.map((t) => ({
            message: `'${own.name}' defined here`,
            file: uriToPath(t.uri),
            range: t.moduleName?.range ?? own.range,
          })),
        }),
      );
    }
  }
  for (const o of a.overrides) {
    if (!workspace.moduleNamed(o.name)) cross.push(createDiagnostic('PCM5003', file, o.range, [o.name]));
  }
  return [...a.diagnostics, ...cross].map((d) => toLspDiagnostic(a.doc, d));
}
