/**
 * The local tenant stands on its own: nothing under tenant/ imports the deploy tool (tooling/) or
 * the tests (test/), so the tool can be redesigned, and the tests' helpers moved, without touching
 * the instrument that measures them. Shared helpers live in common/.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/local-tenant.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT = /(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

describe('tenant/ boundaries', () => {
  const tenantDir = path.join(ROOT, 'tenant');
  const files = sources(tenantDir);

  it('finds the tenant sources', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('imports nothing from tooling/ or test/', () => {
    const offending: string[] = [];
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const target = match[1] ?? match[2];
        if (!target.startsWith('.')) continue;
        const resolved = path.relative(ROOT, path.resolve(path.dirname(file), target));
        if (/^(tooling|test)(\/|$)/.test(resolved)) offending.push(`${path.relative(ROOT, file)} -> ${target}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('keeps no test helpers inside tenant/ (they live in test/helpers/)', () => {
    expect(files.map((f) => path.relative(tenantDir, f))).not.toContain('testing.ts');
  });
});
