/**
 * Everything a run reads locally before the first request: the environment, the access
 * configuration, the script bundles (built in memory) and the journey file. Bad input fails here,
 * with a diagnostic naming the file and field, before anything is sent.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAccessConfig, type AccessConfig } from '../config/access.js';
import { EnvError, loadEnvironment, type EnvConfig } from '../config/env.js';
import { ALL_ENGINES, buildScripts } from '../build/build-scripts.js';
import { bundleSource, DEFAULT_SCRIPT_ENGINE, type BundleSource, type ScriptEngine } from '../engine/desired/index.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CommonOptions {
  env?: string;
  access?: string;
  json?: boolean;
  verbose?: boolean;
  concurrency?: string;
  engine?: 'node' | 'rhino';
}

export interface RunInputs {
  env: EnvConfig;
  /** The access configuration, its scriptEngine the effective one (see scriptEngine). */
  access: AccessConfig;
  /** The script engine this run deploys for, and what decided it. */
  scriptEngine: { engine: ScriptEngine; from: 'SCRIPT_ENGINE' | 'access file' | 'default' };
  scripts: BundleSource[];
  journey: unknown;
  concurrency?: number;
}

function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const concurrency = Number(value);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new EnvError([`--concurrency: expected an integer from 1 to 64, got ${value}`]);
  return concurrency;
}

export async function loadInputs(options: CommonOptions): Promise<RunInputs> {
  const env = loadEnvironment({ envName: options.env });
  const concurrency = parseConcurrency(options.concurrency);
  const access = await loadAccessConfig(path.resolve(options.access ?? env.accessPath));
  const scriptEngine = effectiveScriptEngine(env, access);
  // Built in memory: `plan` writes nothing, not even dist/. Both engines' bundles: the desired state takes the chosen one's.
  const scripts = (await buildScripts(null, { engines: ALL_ENGINES })).map(bundleSource);
  const journey = JSON.parse(await readFile(path.join(REPO_ROOT, 'journeys', 'AgentLogin.json'), 'utf8'));
  return { env, access: { ...access, scriptEngine: scriptEngine.engine }, scriptEngine, scripts, journey, concurrency };
}

/**
 * SCRIPT_ENGINE (the environment: .env, .env.<name>, the process) wins over the access file's
 * scriptEngine: the same access files are promoted unchanged from one environment to the next,
 * while the engine is switched one environment at a time, after `npm run verify` passed there.
 */
export function effectiveScriptEngine(env: Pick<EnvConfig, 'scriptEngine'>, access: Pick<AccessConfig, 'scriptEngine'>): RunInputs['scriptEngine'] {
  if (env.scriptEngine) return { engine: env.scriptEngine, from: 'SCRIPT_ENGINE' };
  if (access.scriptEngine) return { engine: access.scriptEngine, from: 'access file' };
  return { engine: DEFAULT_SCRIPT_ENGINE, from: 'default' };
}
