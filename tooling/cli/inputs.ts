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
import { buildScripts } from '../build/build-scripts.js';
import type { BundleSource } from '../engine/desired/index.js';

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
  access: AccessConfig;
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
  // Built in memory: `plan` writes nothing, not even dist/.
  const scripts = (await buildScripts(null)).map((b) => ({ name: b.name, source: b.source, context: b.context }));
  const journey = JSON.parse(await readFile(path.join(REPO_ROOT, 'journeys', 'AgentLogin.json'), 'utf8'));
  return { env, access, scripts, journey, concurrency };
}
