/**
 * Compares trees "modulo ranges": strips every position, turns legacy bare words into the string literals
 * `pcmod fmt` writes for them, and ignores trailing whitespace in comments (the formatter trims it).
 */
import type { ModuleNode } from '../../src/ast/nodes.js';

const positionKeys = new Set([
  'range',
  'valueRange',
  'eventRange',
  'nameRange',
  'keyRange',
  'operatorRange',
  'calleeRange',
]);

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  if (node.kind === 'BareWord') return { kind: 'StringLiteral', value: node.text };
  if (node.kind === 'Comment') return { kind: 'Comment', text: String(node.text).trimEnd() };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(node).sort()) {
    if (!positionKeys.has(key)) out[key] = strip(node[key]);
  }
  return out;
}

/** The tree without positions, as a value for `toEqual`. */
export function shapeOf(ast: ModuleNode): unknown {
  return strip(ast);
}
