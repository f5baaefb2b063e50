/**
 * An open document seen through its last analysis: the current text, the AST of the text analysed last,
 * and a map from offsets in the current text to offsets in the analysed one. Completion reads this
 * instead of re-parsing on every keystroke — what it needs from the AST (which block the cursor is in,
 * which `let`s precede it) is decided by the structure around the edit, which typing rarely changes, and
 * the debounced diagnostics run re-analyses the text a moment later.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from './analysis.js';

export interface EditedView {
  /** The last analysis (of `analysis.doc`, which may be older than `doc`). */
  readonly analysis: Analysis;
  /** The current text. */
  readonly doc: TextDocument;
  /** The offset in `analysis.doc` standing for `offset` in `doc`; inside the edit, the edit's start. */
  toAnalysed(offset: number): number;
  /** Offsets in `doc` of the text that differs from the analysed text (empty when they are equal). */
  readonly changed: { readonly start: number; readonly end: number };
}

/** Edits larger than this re-analyse instead: a paste or a format may have changed the structure. */
export const MAX_STALE_EDIT = 2000;

/** The view of `current` through `analysis`; exact (an identity map) when the texts are equal. */
export function editedView(analysis: Analysis, current: TextDocument): EditedView {
  const before = analysis.doc.getText();
  const after = current.getText();
  if (before === after) {
    return { analysis, doc: current, toAnalysed: (o) => o, changed: { start: 0, end: 0 } };
  }
  const limit = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < limit && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < limit - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  )
    suffix++;
  const changedEnd = after.length - suffix;
  const delta = after.length - before.length;
  return {
    analysis,
    doc: current,
    toAnalysed: (o) => (o <= prefix ? o : o >= changedEnd ? o - delta : prefix),
    changed: { start: prefix, end: changedEnd },
  };
}

/** How many characters an edited view replaced (the larger of the old and new spans). */
export function editSize(view: EditedView): number {
  const newSpan = view.changed.end - view.changed.start;
  const oldSpan = newSpan - (view.doc.getText().length - view.analysis.doc.getText().length);
  return Math.max(newSpan, oldSpan);
}
