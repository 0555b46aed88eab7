/**
 * Builds the AM scripts: esbuild bundles each entry into one IIFE (ES2015), TypeScript 5.9 lowers
 * it to ES5 (esbuild cannot), a footer exposes the entry points AM calls by name, and the ES5 gate
 * checks the result. Writes dist/<name>.js. Names stay readable (no minification).
 *
 * Two engines from one scripts/lib: the legacy bundles (evaluatorVersion 1.0) and the
 * next-generation ones (2.0, thin binding layers *-next-gen.ts); both run in AM's Rhino subset,
 * so both pass the same gate.
 */
import { build } from 'esbuild';
import ts from 'typescript';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkEs5 } from './es5-gate.js';

export type ScriptEngine = 'legacy' | 'next-gen';
export type LegacyScriptName = 'scope-validation' | 'policy-eval-mod' | 'policy-condition';
export type NextGenScriptName = 'scope-validation-next-gen' | 'policy-eval-mod-next-gen';
export type ScriptName = LegacyScriptName | NextGenScriptName;
export type LegacyScriptContext = 'OAUTH2_VALIDATE_SCOPE' | 'OAUTH2_ACCESS_TOKEN_MODIFICATION' | 'POLICY_CONDITION';
export type NextGenScriptContext = 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN' | 'OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN';
export type ScriptContext = LegacyScriptContext | NextGenScriptContext;

interface Built<N extends ScriptName, C extends ScriptContext, E extends ScriptEngine, V extends string> {
  name: N;
  /** Where the bundle was written; undefined when built in memory only (`plan`). */
  file?: string;
  source: string;
  context: C;
  engine: E;
  /** What AM stores with the script: "1.0" legacy, "2.0" next-generation. */
  evaluatorVersion: V;
  seconds: number;
}
export type LegacyBuiltScript = Built<LegacyScriptName, LegacyScriptContext, 'legacy', '1.0'>;
export type NextGenBuiltScript = Built<NextGenScriptName, NextGenScriptContext, 'next-gen', '2.0'>;
export type BuiltScript = LegacyBuiltScript | NextGenBuiltScript;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface ScriptSpec {
  name: ScriptName;
  entry: string;
  globalName: string;
  context: ScriptContext;
  engine: ScriptEngine;
  /** Functions AM looks up by name in the script's top-level scope. */
  entryPoints: string[];
}

const VALIDATE_SCOPE_ENTRY_POINTS = ['validateAuthorizationScope', 'validateAccessTokenScope', 'validateRefreshTokenScope', 'validateBackChannelAuthorizationScope'];

export const SCRIPT_SPECS: readonly ScriptSpec[] = [
  { name: 'scope-validation', entry: 'scripts/scope-validation.ts', globalName: '__scopeValidation', context: 'OAUTH2_VALIDATE_SCOPE', engine: 'legacy', entryPoints: VALIDATE_SCOPE_ENTRY_POINTS },
  { name: 'policy-eval-mod', entry: 'scripts/policy-eval-mod.ts', globalName: '__policyEvalMod', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', engine: 'legacy', entryPoints: [] },
  // A template: the deploy completes it per scope-policy condition (desired/condition-scripts.ts calls __policyCondition.evaluate).
  { name: 'policy-condition', entry: 'scripts/policy-condition.ts', globalName: '__policyCondition', context: 'POLICY_CONDITION', engine: 'legacy', entryPoints: [] },
  { name: 'scope-validation-next-gen', entry: 'scripts/scope-validation-next-gen.ts', globalName: '__scopeValidationNextGen', context: 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN', engine: 'next-gen', entryPoints: VALIDATE_SCOPE_ENTRY_POINTS },
  { name: 'policy-eval-mod-next-gen', entry: 'scripts/policy-eval-mod-next-gen.ts', globalName: '__policyEvalModNextGen', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN', engine: 'next-gen', entryPoints: [] },
];

export const ALL_ENGINES: readonly ScriptEngine[] = ['legacy', 'next-gen'];
/**
 * What buildScripts() returns when not told: the legacy bundles only (kept for callers typed on
 * them). Whatever builds for a deploy (tooling/cli/inputs.ts, test/helpers/local-tenant.ts,
 * bench/main.ts) passes { engines: ALL_ENGINES }: the desired state takes the bundles of the engine
 * the environment chooses (scriptEngine / SCRIPT_ENGINE). `npm run build` always writes all to dist/.
 */
export const DEFAULT_ENGINES: readonly ScriptEngine[] = ['legacy'];

function footer(spec: ScriptSpec): string {
  return spec.entryPoints.map((fn) => `function ${fn}() {\n  return ${spec.globalName}.${fn}();\n}\n`).join('');
}

function lowerToEs5(code: string, fileName: string): string {
  const result = ts.transpileModule(code, {
    fileName,
    compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.CommonJS, alwaysStrict: false, allowJs: true, removeComments: false, noEmitHelpers: false, importHelpers: false },
    reportDiagnostics: true,
  });
  const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length) throw new Error(`${fileName}: ES5 lowering failed: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ')}`);
  // CommonJS output adds a "use strict" prologue; AM runs scripts sloppy, as they were tested.
  return result.outputText.replace(/^"use strict";\r?\n/, '');
}

/**
 * One module as ES5 for AM's engine: esbuild IIFE exposing its exports as `globalName`, lowered by
 * TypeScript. The build's own step; tests also use it to run a lib module in real Rhino.
 */
export async function bundleEs5(entry: string, globalName: string): Promise<string> {
  const bundled = await build({
    entryPoints: [path.resolve(ROOT, entry)],
    bundle: true,
    format: 'iife',
    globalName,
    target: 'es2015',
    platform: 'neutral',
    write: false,
    minify: false,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  return lowerToEs5(bundled.outputFiles[0].text, `${path.basename(entry, '.ts')}.js`);
}

async function buildOne(spec: ScriptSpec, outDir: string | null): Promise<BuiltScript> {
  const started = performance.now();
  const es5 = await bundleEs5(spec.entry, spec.globalName);
  const kind = spec.engine === 'legacy' ? 'AM legacy JavaScript (evaluatorVersion 1.0' : 'AM next-generation JavaScript (evaluatorVersion 2.0';
  const source = `/* ${spec.name}: built from ${spec.entry}; ${kind}, Rhino, ES5). Do not edit. */\n${es5}\n${footer(spec)}`;
  const problems = checkEs5(source, `dist/${spec.name}.js`);
  if (problems.length) throw new Error(problems.join('\n'));
  const file = outDir === null ? undefined : path.join(outDir, `${spec.name}.js`);
  if (file) await writeFile(file, source);
  const evaluatorVersion = spec.engine === 'legacy' ? '1.0' : '2.0';
  return { name: spec.name, file, source, context: spec.context, engine: spec.engine, evaluatorVersion, seconds: (performance.now() - started) / 1000 } as BuiltScript;
}

export interface BuildOptions {
  /** Which engines' bundles to build and return (default DEFAULT_ENGINES). */
  engines?: readonly ScriptEngine[];
}

/** `null` as the folder: the bundles are built and gated in memory, nothing is written (what `plan` needs). */

export function buildScripts(outDir?: string | null, options?: { engines?: readonly ['legacy'] }): Promise<LegacyBuiltScript[]>;
export function buildScripts(outDir: string | null | undefined, options: BuildOptions): Promise<BuiltScript[]>;
export async function buildScripts(outDir: string | null = path.join(ROOT, 'dist'), options: BuildOptions = {}): Promise<BuiltScript[]> {
  const engines = options.engines ?? DEFAULT_ENGINES;
  if (outDir !== null) await mkdir(outDir, { recursive: true });
  return Promise.all(SCRIPT_SPECS.filter((spec) => engines.includes(spec.engine)).map((spec) => buildOne(spec, outDir)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for (const built of await buildScripts(undefined, { engines: ALL_ENGINES })) {
      process.stdout.write(`built ${path.relative(process.cwd(), built.file ?? '')} (${built.context}, evaluatorVersion ${built.evaluatorVersion}, ${built.source.length} bytes, ${Math.round(built.seconds * 1000)} ms, ES5 gate passed)\n`);
    }
  } catch (error) {
    process.stderr.write(`build failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
