/**
 * Position → node lookup over the AST, for the language server (hover, definition, completion) and for
 * tests. Works on any tree the parser produced, including recovered ones.
 */
import type { AnyNode, ModuleNode } from '../ast/nodes.js';

/** The direct children of a node, in source order. */
export function childrenOf(node: AnyNode): AnyNode[] {
  switch (node.kind) {
    case 'Module':
      return sortBySource([...node.headers, ...node.configs, ...node.handlers]);
    case 'ModHeader':
    case 'OverridesHeader':
      return [node.name];
    case 'ConfigBlock':
      return node.fields;
    case 'ConfigField':
      return node.default ? [node.name, node.type, node.default] : [node.name, node.type];
    case 'Handler':
      return [node.body];
    case 'Block':
      return node.statements;
    case 'If':
      return node.elseBody ? [...node.branches, node.elseBody] : node.branches;
    case 'IfBranch':
      return [node.condition, node.body];
    case 'Respond': {
      const out: AnyNode[] = [node.status];
      if (node.contentType && !('keyword' in node.contentType)) out.push(node.contentType);
      if (node.body) out.push(node.body);
      return out;
    }
    case 'SetHeader':
      return [node.name, node.value];
    case 'RemoveHeader':
      return [node.name];
    case 'SetCtx':
      return [node.key, node.value];
    case 'Log':
      return [node.level, node.message];
    case 'Let':
      return [node.name, node.value];
    case 'CallStatement':
      return [node.call];
    case 'InterpolatedString':
      return node.parts.filter((p): p is Exclude<typeof p, { kind: 'Text' }> => p.kind !== 'Text');
    case 'ListLiteral':
      return node.elements;
    case 'MapLiteral':
      return node.entries.flatMap((e) => [e.key, e.value]);
    case 'Call':
      return node.args;
    case 'Binary':
      return [node.left, node.right];
    case 'Unary':
      return [node.operand];
    case 'Paren':
      return [node.expression];
    default:
      return [];
  }
}

function sortBySource(nodes: AnyNode[]): AnyNode[] {
  return nodes.sort((a, b) => a.range.start.offset - b.range.start.offset);
}

/**
 * The chain of nodes containing `offset`, from the module down to the innermost node. A node contains
 * the offsets from its start up to and including its end, so a cursor just after a name still finds it.
 */
export function nodePathAt(module: ModuleNode, offset: number): AnyNode[] {
  const path: AnyNode[] = [];
  let current: AnyNode | undefined = module;
  while (current) {
    path.push(current);
    current = childrenOf(current).find((c) => c.range.start.offset <= offset && offset <= c.range.end.offset);
  }
  return path;
}

/** The innermost node at `offset` (the module itself when nothing narrower contains it). */
export function nodeAt(module: ModuleNode, offset: number): AnyNode {
  const path = nodePathAt(module, offset);
  return path[path.length - 1] as AnyNode;
}
