/**
 * Signature help for calls: finds the unclosed `(` before the cursor on the current statement (the call
 * may not parse yet while it is being typed), the dotted name before it, and the argument index.
 */
import { lookupFunction } from '@proxycache/pcmod-lang';
import { MarkupKind, type Position, type SignatureHelp } from 'vscode-languageserver/node.js';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { signatureOf } from './stdlib-text.js';

export function signatureHelp(doc: TextDocument, pos: Position): SignatureHelp | null {
  const text = doc.getText({ start: { line: Math.max(0, pos.line - 5), character: 0 }, end: pos });
  const open = unclosedParen(text);
  if (!open) return null;
  const name = /([A-Za-z_][\w.]*)\s*$/.exec(text.slice(0, open.index))?.[1];
  const fn = name ? lookupFunction(name) : undefined;
  if (!fn) return null;
  const parameters = fn.params.map((p) => ({
    label: `${p.name}${p.optional ? '?' : ''}: ${p.type}`,
    documentation: p.doc,
  }));
  return {
    signatures: [
      { label: signatureOf(fn), documentation: { kind: MarkupKind.Markdown, value: fn.doc }, parameters },
    ],
    activeSignature: 0,
    activeParameter: Math.min(open.commas, Math.max(0, parameters.length - 1)),
  };
}

/** The innermost `(` not closed before the end of `text`, with the commas at its level after it. */
function unclosedParen(text: string): { index: number; commas: number } | undefined {
  const stack: Array<{ index: number; commas: number }> = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else if (c === '(' || c === '[') stack.push({ index: c === '(' ? i : -1, commas: 0 });
    else if ((c === ')' || c === ']') && stack.length > 0) stack.pop();
    else if (c === ',' && stack.length > 0) (stack[stack.length - 1] as { commas: number }).commas++;
  }
  for (let i = stack.length - 1; i >= 0; i--) {
    const s = stack[i] as { index: number; commas: number };
    if (s.index >= 0) return s;
  }
  return undefined;
}
