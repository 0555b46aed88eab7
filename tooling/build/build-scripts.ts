/**
 * Builds the two AM scripts: esbuild bundles each entry into one IIFE (ES2015), TypeScript 5.9
 * lowers it to ES5 (esbuild cannot), a footer exposes the entry points AM calls by name, and the
 * ES5 gate checks the result. Writes dist/<name>.js. Names stay readable (no minification).
 */
import { build } from 'esbuild';
import ts from 'typescript';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkEs5 } from './es5-gate.js';

export type ScriptName = 'scope-validation' | 'policy-eval-mod';
export type ScriptContext = 'OAUTH2_VALIDATE_SCOPE' | 'OAUTH2_ACCESS_TOKEN_MODIFICATION';

export interface BuiltScript {
  name: ScriptName;
  file: string;
  source: string;
  context: ScriptContext;
  seconds: number;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface ScriptSpec {
  name: ScriptName;
  entry: string;
  globalName: string;
  context: ScriptContext;
  /** Functions AM looks up by name in the script's top-level scope. */
  entryPoints: string[];
}

export const SCRIPT_SPECS: readonly ScriptSpec[] = [
  {
    name: 'scope-validation',
    entry: 'scripts/scope-validation.ts',
    globalName: '__scopeValidation',
    context: 'OAUTH2_VALIDATE_SCOPE',
    entryPoints: ['validateAuthorizationScope', 'validateAccessTokenScope', 'validateRefreshTokenScope', 'validateBackChannelAuthorizationScope'],
  },
  { name: 'policy-eval-mod', entry: 'scripts/policy-eval-mod.ts', globalName: '__policyEvalMod', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', entryPoints: [] },
];

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

async function buildOne(spec: ScriptSpec, outDir: string): Promise<BuiltScript> {
  const started = performance.now();
  const bundled = await build({
    entryPoints: [path.join(ROOT, spec.entry)],
    bundle: true,
    format: 'iife',
    globalName: spec.globalName,
    target: 'es2015',
    platform: 'neutral',
    write: false,
    minify: false,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const es5 = lowerToEs5(bundled.outputFiles[0].text, `${spec.name}.js`);
  const source = `/* ${spec.name}: built from ${spec.entry}; AM legacy JavaScript (Rhino, ES5). Do not edit. */\n${es5}\n${footer(spec)}`;
  const problems = checkEs5(source, `dist/${spec.name}.js`);
  if (problems.length) throw new Error(problems.join('\n'));
  const file = path.join(outDir, `${spec.name}.js`);
  await writeFile(file, source);
  return { name: spec.name, file, source, context: spec.context, seconds: (performance.now() - started) / 1000 };
}

export async function buildScripts(outDir = path.join(ROOT, 'dist')): Promise<BuiltScript[]> {
  await mkdir(outDir, { recursive: true });
  return Promise.all(SCRIPT_SPECS.map((spec) => buildOne(spec, outDir)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for (const built of await buildScripts()) {
      process.stdout.write(`built ${path.relative(process.cwd(), built.file)} (${built.source.length} bytes, ${Math.round(built.seconds * 1000)} ms, ES5 gate passed)\n`);
    }
  } catch (error) {
    process.stderr.write(`build failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
