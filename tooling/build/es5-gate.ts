/**
 * The ES5 gate: proves a bundle can be compiled by AM's legacy engine (Rhino 1.7.14, language
 * version 0) before it is shipped. Owns: the list of what that engine refuses or lacks.
 */
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';

/** Globals Rhino at version 0 does not define (AM-FACTS §1). */
const MISSING_GLOBALS = new Set([
  'Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Promise', 'Reflect', 'Proxy', 'console', 'setTimeout',
  'setInterval', 'clearTimeout', 'process', 'require', 'module', 'exports', 'globalThis', 'queueMicrotask',
]);
const MISSING_STATICS: Record<string, Set<string>> = { Object: new Set(['values', 'entries', 'getOwnPropertyDescriptors', 'fromEntries']) };
const MISSING_METHODS = new Set(['flat', 'flatMap', 'replaceAll']);

function position(source: string, offset: number): string {
  const before = source.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/** Problems that would stop the bundle in AM; empty when it passes. */
export function checkEs5(source: string, label: string): string[] {
  const problems: string[] = [];
  let ast: acorn.Node;
  try {
    ast = acorn.parse(source, { ecmaVersion: 5, sourceType: 'script', locations: true });
  } catch (error) {
    return [`${label}: not ES5: ${(error as Error).message}`];
  }
  // `let` and `const` cannot parse at ecmaVersion 5, but `let` alone is a valid identifier there.
  for (const token of acorn.tokenizer(source, { ecmaVersion: 5 })) {
    const value = (token as unknown as { value?: unknown }).value;
    if (token.type.label === 'name' && (value === 'let' || value === 'const')) {
      problems.push(`${label}: "${String(value)}" at ${position(source, token.start)} (AM's engine breaks let/const)`);
    }
  }
  const declared = new Set<string>();
  walk.full(ast, (node) => {
    if (node.type === 'VariableDeclarator' || node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') {
      const id = (node as unknown as { id?: { name?: string } }).id;
      if (id?.name) declared.add(id.name);
    }
    if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression') {
      for (const param of (node as unknown as { params: { name?: string }[] }).params) if (param.name) declared.add(param.name);
    }
    if (node.type === 'CatchClause') {
      const param = (node as unknown as { param?: { name?: string } }).param;
      if (param?.name) declared.add(param.name);
    }
  });
  walk.ancestor(ast, {
    Identifier(node, _state, ancestors) {
      const name = (node as unknown as { name: string }).name;
      if (!MISSING_GLOBALS.has(name) || declared.has(name)) return;
      const parent = ancestors[ancestors.length - 2] as unknown as { type: string; property?: unknown; computed?: boolean; key?: unknown };
      const isPropertyName = (parent?.type === 'MemberExpression' && parent.property === node && !parent.computed) || (parent?.type === 'Property' && parent.key === node);
      if (!isPropertyName) problems.push(`${label}: uses ${name} at ${position(source, node.start)}, which Rhino at version 0 does not define`);
    },
    MemberExpression(node) {
      const member = node as unknown as { object: { type: string; name?: string }; property: { type: string; name?: string }; computed: boolean; start: number };
      if (member.computed || member.property.type !== 'Identifier') return;
      const property = member.property.name ?? '';
      if (member.object.type === 'Identifier' && MISSING_STATICS[member.object.name ?? '']?.has(property)) {
        problems.push(`${label}: uses ${member.object.name}.${property} at ${position(source, member.start)}, which Rhino at version 0 lacks`);
      } else if (MISSING_METHODS.has(property)) {
        problems.push(`${label}: calls .${property}() at ${position(source, member.start)}, which Rhino at version 0 lacks`);
      }
    },
  });
  return problems;
}
