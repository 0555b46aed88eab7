/**
 * The CLI's Apigee steps: `deploy --apigee` (after the AIC deploy) and `apigee-bundle` (write the
 * zips for review or another pipeline). Owns: wiring settings, credentials, bundles and apply
 * together, and their output. Decides nothing about what changes (tooling/apigee/apply.ts does).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AccessConfig } from '../config/access.js';
import { AmHttp } from '../rest/http.js';
import type { Redactor } from '../../common/redact.js';
import { generateBundles, zipBundle } from '../apigee/bundle.js';
import { applyApigee, type ApigeeApplyResult } from '../apigee/apply.js';
import { apigeeAuth, type ApigeeSettings } from '../apigee/settings.js';

export interface ApigeeRunOptions {
  access: AccessConfig;
  /** AIC's base URL as Apigee must reach it. */
  aicBaseUrl: string;
  realm: string;
  settings: ApigeeSettings;
  redactor: Redactor;
  verbose?: boolean;
  log: (line: string) => void;
}

export async function deployApigee(options: ApigeeRunOptions): Promise<ApigeeApplyResult & { requests: number }> {
  const { settings, redactor } = options;
  const http = new AmHttp({
    baseUrl: settings.baseUrl,
    auth: apigeeAuth(settings, (token) => redactor.add(token)),
    // Apigee applies per-organization quotas: a few requests in flight are plenty.
    concurrency: 4,
    redactor,
    verbose: options.verbose,
    log: options.log,
  });
  const bundles = generateBundles(options.access, { aicBaseUrl: options.aicBaseUrl, realm: options.realm, tokenBasePath: settings.tokenBasePath });
  const result = await applyApigee(http, settings, bundles, Object.keys(options.access.consumers), options.log);
  return { ...result, requests: http.stats.requests };
}

/** Writes one zip per bundle; returns the files written. */
export async function writeApigeeBundles(access: AccessConfig, options: { aicBaseUrl: string; realm: string; tokenBasePath?: string }, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const bundle of generateBundles(access, options)) {
    const file = path.join(outDir, `${bundle.kind === 'apis' ? 'apiproxy' : 'sharedflow'}-${bundle.name}.zip`);
    await writeFile(file, await zipBundle(bundle));
    written.push(file);
  }
  return written;
}
