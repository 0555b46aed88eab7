/** Every case table, and the source each case runs (a built bundle or its own script). */
import type { BuiltScript } from '../../tooling/build/build-scripts.js';
import { CASES, type ScriptCase } from './cases.js';
import { CONDITION_CASES } from './condition-cases.js';
import { NEXT_GEN_CASES } from './next-gen-cases.js';

export const ALL_CASES: ScriptCase[] = [...CASES, ...NEXT_GEN_CASES, ...CONDITION_CASES];

export function sourceOf(scriptCase: ScriptCase, bundles: Record<string, BuiltScript>): string {
  if (scriptCase.source !== undefined) return scriptCase.source;
  if (!scriptCase.bundle || !bundles[scriptCase.bundle]) throw new Error(`${scriptCase.name}: no bundle ${String(scriptCase.bundle)}`);
  return bundles[scriptCase.bundle].source;
}
