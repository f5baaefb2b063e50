/** Formatting (the compiler's `format`) and quick fixes (the compiler's `Diagnostic.fix`). */
import { format } from '@proxycache/pcmod-lang';
import { type CodeAction, CodeActionKind, type Range, type TextEdit } from 'vscode-languageserver/node.js';
import type { Analysis } from '../analysis/analysis.js';
import { rangesTouch, toLspRange } from '../text/ranges.js';
import { uriToPath } from '../text/uris.js';
import { toLspDiagnostic } from './diagnostics.js';

/** One edit replacing the whole text with `pcmod fmt`'s output; none when it is already formatted or has syntax errors. */
export function formatting(a: Analysis): TextEdit[] {
  const result = format(a.doc.getText(), uriToPath(a.uri));
  if (!result.changed) return [];
  return [
    {
      range: { start: { line: 0, character: 0 }, end: a.doc.positionAt(a.doc.getText().length) },
      newText: result.text,
    },
  ];
}

/** Quick fixes of the compiler diagnostics that touch `range`, plus "fix all" when there are several. */
export function codeActions(a: Analysis, range: Range): CodeAction[] {
  const out: CodeAction[] = [];
  const all: TextEdit[] = [];
  for (const d of a.diagnostics) {
    if (!d.fix) continue;
    const edits = d.fix.edits.map((e) => ({ range: toLspRange(a.doc, e.range), newText: e.newText }));
    all.push(...edits);
    const lsp = toLspDiagnostic(a.doc, d);
    if (!rangesTouch(lsp.range, range)) continue;
    out.push({
      title: d.fix.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [lsp],
      isPreferred: true,
      edit: { changes: { [a.uri]: edits } },
    });
  }
  if (out.length > 0 && all.length > out.length) {
    out.push({
      title: 'Apply all pcmod quick fixes',
      kind: CodeActionKind.SourceFixAll,
      edit: { changes: { [a.uri]: dedupe(all) } },
    });
  }
  return out;
}

function dedupe(edits: TextEdit[]): TextEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const key = `${e.range.start.line}:${e.range.start.character}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
