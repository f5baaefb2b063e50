/**
 * State shared by the checker's passes over one module: where diagnostics go, what has been typed and
 * resolved so far, and the module's config fields (read by `$field` references).
 */
import type { BareWordNode, ConfigFieldNode, ExprNode, NameRefNode, Range } from '../ast/nodes.js';
import type { DiagnosticCode } from '../diagnostics/catalogue.js';
import {
  createDiagnostic,
  type Diagnostic,
  type Fix,
  type RelatedInformation,
} from '../diagnostics/diagnostic.js';
import type { PcType } from '../stdlib/types.js';
import type { NameResolution } from './check-result.js';
import { type CheckType, publicType } from './value-type.js';

/** A declared config field as `$field` references see it; `error` when its type is unknown. */
export interface ConfigFieldInfo {
  readonly node: ConfigFieldNode;
  readonly type: CheckType;
}

export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly types = new WeakMap<ExprNode, PcType>();
  readonly names = new WeakMap<NameRefNode, NameResolution>();
  readonly configFields = new Map<string, ConfigFieldInfo>();

  constructor(readonly file: string) {}

  report(
    code: DiagnosticCode,
    range: Range,
    args: readonly (string | number)[] = [],
    extra: { related?: readonly RelatedInformation[]; fix?: Fix } = {},
  ): void {
    this.diagnostics.push(createDiagnostic(code, this.file, range, args, extra));
  }

  /** Related information pointing into this file. */
  related(message: string, range: Range): RelatedInformation {
    return { message, file: this.file, range };
  }

  /** Records the type of `node` and returns it, so typing functions can end with `return ctx.typed(…)`. */
  typed(node: ExprNode, type: CheckType): CheckType {
    const t = publicType(type);
    if (t !== undefined) this.types.set(node, t);
    return type;
  }
}

/** How pcmod writes a string literal: JSON quoting, plus `\$` so the text cannot start an interpolation. */
export function quoteString(text: string): string {
  return JSON.stringify(text).replace(/\$/g, '\\$');
}

/** A legacy unquoted word used as a string: warns (PCM4001) with the quick fix `pcmod fmt` applies. */
export function reportBareWord(ctx: CheckContext, node: BareWordNode): void {
  const quoted = quoteString(node.text);
  ctx.report('PCM4001', node.range, [node.text], {
    fix: { title: `Quote as ${quoted}`, edits: [{ range: node.range, newText: quoted }] },
  });
}
