/**
 * The checker: parsed → checked. Resolves names, types every expression, checks phases and effects
 * against the stdlib table, and evaluates the config schema. Never throws: every problem is a diagnostic.
 */
import type { ParseResult } from '../parser/parse-result.js';
import { checkConfig } from './check-config.js';
import { CheckContext } from './check-context.js';
import { checkHandlers } from './check-handler.js';
import { checkHeader } from './check-header.js';
import type { CheckResult } from './check-result.js';

/** Checks a parsed module. Parse diagnostics are not repeated in the result. */
export function check(parsed: ParseResult): CheckResult {
  const ctx = new CheckContext(parsed.file);
  const header = checkHeader(ctx, parsed.ast);
  // Config first: handlers read `$field` types from it.
  const configSchema = checkConfig(ctx, parsed.ast.configs);
  const syntaxErrors = parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => d.range);
  checkHandlers(ctx, parsed.ast.handlers, syntaxErrors);
  return {
    file: parsed.file,
    ast: parsed.ast,
    diagnostics: ctx.diagnostics,
    header,
    configSchema,
    types: ctx.types,
    names: ctx.names,
  };
}
