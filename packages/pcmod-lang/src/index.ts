/**
 * Public API of the pcmod language package: one entry point that the CLI, core, LSP and tests share.
 */
export type * from './ast/nodes.js';
export * from './checker/check.js';
export type * from './checker/check-result.js';
export * from './checker/node-at.js';
export { type CompileResult, compile } from './compile.js';
export * from './diagnostics/catalogue.js';
export * from './diagnostics/diagnostic.js';
export * from './diagnostics/module-set.js';
export * from './diagnostics/render.js';
export { emit, emitTypeScript } from './emit/emit.js';
export * from './format/format.js';
export * from './parser/parse.js';
export type * from './parser/parse-result.js';
export type * from './runtime/contract.js';
export * from './stdlib/render-docs.js';
export * from './stdlib/table.js';
export * from './stdlib/types.js';
