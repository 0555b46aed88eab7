/** `apigee-bundle --out <dir>`: the Apigee bundles as zips, for review or another pipeline. */
import path from 'node:path';
import { loadAccessConfig } from '../config/access.js';
import { EnvError, loadEnvironment } from '../config/env.js';
import { EXIT } from '../diagnostics.js';
import { writeApigeeBundles } from './apigee.js';

export async function apigeeBundleCommand(options: { env?: string; access?: string; aicUrl?: string; out: string }): Promise<number> {
  const env = loadEnvironment({ envName: options.env });
  const aicBaseUrl = options.aicUrl ?? env.baseUrl;
  if (!/^https?:\/\/[^/]+\/?$/i.test(aicBaseUrl)) throw new EnvError(['apigee-bundle: set AIC_TENANT or --aic-url to the AIC base URL (scheme and host) Apigee calls']);
  const access = await loadAccessConfig(path.resolve(options.access ?? env.accessPath));
  const files = await writeApigeeBundles(access, { aicBaseUrl, realm: env.realm, tokenBasePath: process.env.APIGEE_TOKEN_BASE_PATH || undefined }, path.resolve(options.out));
  for (const file of files) process.stdout.write(`${path.relative(process.cwd(), file)}\n`);
  return EXIT.ok;
}
