/**
 * The shape the code promises (docs/architecture.md): small modules with one job, and short
 * functions unless a comment beside one says why it is long on purpose. Counted with the
 * TypeScript compiler's own parser over every source folder that ships.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/local-tenant.js';

const FOLDERS = ['scripts', 'tooling', 'tenant', 'common', 'amkit', 'rhino'];
const MAX_MODULE_LINES = 300;
const MAX_FUNCTION_LINES = 60;
/** What a long function's comment must say, so that the length is a decision, not an accident. */
const REASON = /on purpose/i;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') && !full.endsWith('.d.ts') ? [full] : [];
  });
}

const files = FOLDERS.flatMap((folder) => sources(path.join(ROOT, folder)));

function isFunction(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isConstructorDeclaration(node);
}

/** The comments just before the statement that holds the function (its declaration, or the `const x =` around an arrow). */
function leadingComments(node: ts.Node, text: string): string {
  let holder: ts.Node = node;
  while (holder.parent && !ts.isSourceFile(holder.parent) && !ts.isBlock(holder.parent) && !ts.isClassDeclaration(holder.parent) && !ts.isObjectLiteralExpression(holder.parent)) holder = holder.parent;
  return (ts.getLeadingCommentRanges(text, holder.getFullStart()) ?? []).map((range) => text.slice(range.pos, range.end)).join('\n');
}

/** Long functions whose comment gives no reason; a function inside one that has a reason shares it. */
function unexplainedLongFunctions(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node, explained: boolean) => {
    let inner = explained;
    if (isFunction(node)) {
      const lines = source.getLineAndCharacterOfPosition(node.getEnd()).line - source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      const reasoned = REASON.test(leadingComments(node, text));
      inner = explained || reasoned;
      if (lines > MAX_FUNCTION_LINES && !inner) found.push(`${path.relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} (${lines} lines)`);
    }
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  visit(source, false);
  return found;
}

describe('module and function size', () => {
  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it(`no module is over ${MAX_MODULE_LINES} lines`, () => {
    const long = files.map((file) => ({ file: path.relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length })).filter((f) => f.lines > MAX_MODULE_LINES);
    expect(long).toEqual([]);
  });

  it(`no function is over ${MAX_FUNCTION_LINES} lines unless a comment beside it says why ("on purpose")`, () => {
    expect(files.flatMap(unexplainedLongFunctions)).toEqual([]);
  });
});
