/**
 * The CLI's Apigee steps: `plan` (observe the organization, plan, render), `deploy --apigee`
 * (the same plan, then apply exactly that plan) and `apigee-bundle` (write the zips for review or
 * another pipeline). Owns: wiring settings, credentials, desired state, observation, plan and apply
 * together. Decides nothing about what changes (tooling/apigee/plan.ts does).
 *
 * For the CLI: `plan` calls planApigeeRun() and prints renderApigeePlan(run.plan) /
 * apigeePlanToJson(run.plan) (hasApigeeChanges for --detailed-exitcode); `deploy --apigee` calls
 * deployApigee(), or planApigeeRun() then applyApigeeRun() to show the plan before applying it;
 * checkApigeeInputs() finds bad Apigee input before the AIC deploy writes anything.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AccessConfig } from '../config/access.js';
import { AmHttp } from '../rest/http.js';
import type { Redactor } from '../../common/redact.js';
import { generateBundles, zipBundle, type BundleOptions } from '../apigee/bundle.js';
import { applyApigeePlan, applyFailure, ApigeePlanError, type ApigeeApplyResult } from '../apigee/apply.js';
import { desiredApigee } from '../apigee/desired.js';
import type { ApigeePlan } from '../apigee/model.js';
import { observeApigee } from '../apigee/observe.js';
import { planApigee } from '../apigee/plan.js';
import { renderApigeePlan } from '../apigee/render.js';
import { apigeeAuth, loadApigeeBundleSettings, type ApigeeSettings } from '../apigee/settings.js';

export { renderApigeePlan, apigeePlanToJson } from '../apigee/render.js';
export { hasApigeeChanges } from '../apigee/plan.js';

export interface ApigeeRunOptions {
  access: AccessConfig;
  /** AIC's base URL as Apigee must reach it. */
  aicBaseUrl: string;
  realm: string;
  settings: ApigeeSettings;
  redactor: Redactor;
  verbose?: boolean;
  log: (line: string) => void;
  /** Tests: a ready client (e.g. pointed at a fake management API). */
  http?: AmHttp;
}

export interface ApigeeRun {
  plan: ApigeePlan;
  http: AmHttp;
}

export function apigeeHttp(settings: ApigeeSettings, redactor: Redactor, log: (line: string) => void, verbose?: boolean): AmHttp {
  return new AmHttp({
    baseUrl: settings.baseUrl,
    auth: apigeeAuth(settings, (token) => redactor.add(token)),
    // Apigee applies per-organization quotas: a few requests in flight are plenty.
    concurrency: 4,
    redactor,
    verbose,
    log,
  });
}

function desiredFor(options: Omit<ApigeeRunOptions, 'redactor' | 'log'>) {
  const { settings } = options;
  return desiredApigee(options.access, {
    organization: settings.organization,
    environment: settings.environment,
    developer: settings.developer,
    aicBaseUrl: options.aicBaseUrl,
    realm: options.realm,
    tokenBasePath: settings.tokenBasePath,
    expiryMarginSeconds: settings.expiryMarginSeconds,
    providerTargetUrl: settings.providerTargetUrl,
  });
}

/**
 * The problems in the access configuration and settings that would stop the Apigee deploy, found
 * without any request: call before deploying to AIC, so a bad Apigee input stops the whole run.
 */
export function checkApigeeInputs(options: Omit<ApigeeRunOptions, 'redactor' | 'log'>): string[] {
  return desiredFor(options).problems;
}

/**
 * Desired state, then (only when it has no problems: nothing is sent for bad input) the
 * organization as it is, then the plan. Reads only.
 */
export async function planApigeeRun(options: ApigeeRunOptions): Promise<ApigeeRun> {
  const { settings } = options;
  const desired = desiredFor(options);
  const http = options.http ?? apigeeHttp(settings, options.redactor, options.log, options.verbose);
  if (desired.problems.length) return { plan: planApigee(desired, { targetServers: {}, products: {}, apps: {}, bundles: {} }), http };
  const observed = await observeApigee(http, settings, { keepRevisions: settings.keepRevisions });
  return { plan: planApigee(desired, observed, { keepRevisions: settings.keepRevisions }), http };
}

/** Applies exactly the planned changes. Throws ApigeePlanError (nothing sent) when the plan has problems. */
export async function applyApigeeRun(run: ApigeeRun, log: (line: string) => void): Promise<ApigeeApplyResult & { requests: number }> {
  const result = await applyApigeePlan(run.http, run.plan, log);
  return { ...result, requests: run.http.stats.requests };
}

/** deploy --apigee: plan, print the plan, apply that plan. */
export async function deployApigee(options: ApigeeRunOptions): Promise<ApigeeApplyResult & { requests: number; plan: ApigeePlan }> {
  const run = await planApigeeRun(options);
  options.log(renderApigeePlan(run.plan));
  if (run.plan.problems.length) throw new ApigeePlanError(run.plan);
  const result = await applyApigeeRun(run, options.log);
  if (result.failed) throw applyFailure(result, run.plan.changes.length);
  // The plan stays out of --json output (its changes are in `applied`); apigeePlanToJson renders it.
  return Object.defineProperty({ ...result }, 'plan', { value: run.plan, enumerable: false }) as ApigeeApplyResult & { requests: number; plan: ApigeePlan };
}

/** Writes one zip per bundle; returns the files written. Settings not given (keys absent) come from APIGEE_* (no credentials needed). */
export async function writeApigeeBundles(access: AccessConfig, options: Partial<BundleOptions> & Pick<BundleOptions, 'aicBaseUrl' | 'realm'>, outDir: string): Promise<string[]> {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const complete = ['tokenBasePath', 'expiryMarginSeconds', 'providerTargetUrl'].every((key) => key in options);
  const fromEnvironment = complete ? {} : loadApigeeBundleSettings();
  const bundles = generateBundles(access, { ...fromEnvironment, ...given } as BundleOptions);
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const bundle of bundles) {
    const file = path.join(outDir, `${bundle.kind === 'apis' ? 'apiproxy' : 'sharedflow'}-${bundle.name}.zip`);
    await writeFile(file, await zipBundle(bundle));
    written.push(file);
  }
  return written;
}
