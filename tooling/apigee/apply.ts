/**
 * Applies an Apigee plan: a small loop over its changes, in the plan's order, one management call
 * (or a few) per change. Decides nothing — plan.ts did; the only values made here are the ones that
 * cannot exist before (a credential's random secret, the revision number an import returns).
 * Stops at the first failure: what was done is reported, and the next run's plan resumes from the
 * organization as it then is.
 */
import { randomBytes } from 'node:crypto';
import type { AmHttp } from '../rest/http.js';
import { zipBundle, type ApigeeBundle } from './bundle.js';
import {
  addProductsToCredential,
  createCredential,
  createDeveloper,
  createDeveloperApp,
  createProduct,
  createTargetServer,
  deleteBundle,
  deleteCredential,
  deleteDeveloperApp,
  deleteProduct,
  deleteRevision,
  deleteTargetServer,
  deployRevision,
  importBundle,
  removeProductFromCredential,
  undeployRevision,
  updateProduct,
  updateTargetServer,
} from './management.js';
import { bundleKey, type ApigeeChange, type ApigeePlan } from './model.js';
import { APP_MARKER_ATTRIBUTE } from './plan.js';
import { describeChange } from './render.js';
import { DiagnosticError, error } from '../diagnostics.js';
import { MANAGED_MARKER } from './names.js';

export type BundleAction = 'unchanged' | 'imported and deployed' | 'deployed existing revision';
export type CredentialAction = 'unchanged' | 'created' | 'products changed';

export interface ApigeeApplyResult {
  ok: boolean;
  /** Every bundle the configuration wants, with the revision deployed after the run. */
  bundles: { kind: ApigeeBundle['kind']; name: string; revision: string; action: BundleAction }[];
  credentials: { consumer: string; app: string; action: CredentialAction }[];
  applied: ApigeeChange[];
  failed?: { change: ApigeeChange; message: string };
  writes: number;
}

/** A plan with problems: nothing is sent. Carries the plan's diagnostics (the CLI renders them and picks the exit code). */
export class ApigeePlanError extends DiagnosticError {
  constructor(readonly plan: Pick<ApigeePlan, 'problems' | 'diagnostics'>) {
    super(plan.diagnostics.filter((d) => d.severity === 'error'));
    this.message = `apigee: nothing was sent:\n${plan.problems.map((p) => `  ${p}`).join('\n')}`;
    this.name = 'ApigeePlanError';
  }
  get problems(): string[] {
    return this.plan.problems;
  }
}

/** A change Apigee refused during apply; what came before it was applied. */
export function applyFailure(result: ApigeeApplyResult, total: number): DiagnosticError {
  const failed = result.failed!;
  const object = 'name' in failed.change ? `apigee-${failed.change.kind}:${failed.change.name}` : `apigee-${failed.change.kind}:${failed.change.app}`;
  return new DiagnosticError([error('tenant', 'apigee.apply-failed', `${result.applied.length} of ${total} Apigee changes applied, then: ${failed.message}`, { object })]);
}

async function applyChange(http: AmHttp, plan: ApigeePlan, change: ApigeeChange, revisions: Map<string, string>): Promise<void> {
  const { organization, environment, developer } = plan;
  switch (change.kind) {
    case 'developer':
      return createDeveloper(http, organization, { email: change.name, firstName: 'aic-api-to-api', lastName: 'consumers', userName: 'aic-api-to-api', attributes: [{ name: APP_MARKER_ATTRIBUTE, value: MANAGED_MARKER }] });
    case 'target-server':
      if (change.action === 'create') return createTargetServer(http, organization, environment, change.after);
      if (change.action === 'update') return updateTargetServer(http, organization, environment, change.after);
      return deleteTargetServer(http, organization, environment, change.name);
    case 'bundle': {
      if (change.action === 'remove') {
        for (const revision of change.undeploy) await undeployRevision(http, organization, environment, change.bundleKind, change.name, revision);
        if (change.deleteEntity) await deleteBundle(http, organization, change.bundleKind, change.name);
        return;
      }
      if (change.action === 'deploy-revision') {
        await deployRevision(http, organization, environment, change.bundleKind, change.name, change.revision);
        revisions.set(bundleKey(change.bundleKind, change.name), change.revision);
        return;
      }
      const bundle = plan.bundles.get(bundleKey(change.bundleKind, change.name));
      if (!bundle || bundle.hash !== change.hash) throw new Error(`apigee: the plan names ${change.bundleKind}/${change.name} with content ${change.hash.slice(0, 12)} it does not hold`);
      const revision = await importBundle(http, organization, change.bundleKind, change.name, await zipBundle(bundle));
      await deployRevision(http, organization, environment, change.bundleKind, change.name, revision);
      revisions.set(bundleKey(change.bundleKind, change.name), revision);
      return;
    }
    case 'revision':
      return deleteRevision(http, organization, change.bundleKind, change.name, change.revision);
    case 'product':
      if (change.action === 'create') return createProduct(http, organization, change.after);
      if (change.action === 'update') return updateProduct(http, organization, change.after);
      return deleteProduct(http, organization, change.name);
    case 'app': {
      if (change.action === 'delete') return deleteDeveloperApp(http, organization, developer, change.name);
      const app = await createDeveloperApp(http, organization, developer, { name: change.name, attributes: [{ name: APP_MARKER_ATTRIBUTE, value: MANAGED_MARKER }, { name: 'aic-client-id', value: change.consumer }] });
      // Apigee gives a new app a random credential; the app exists only for the imported client id.
      for (const credential of app?.credentials ?? []) if (credential.consumerKey !== change.consumer) await deleteCredential(http, organization, developer, change.name, credential.consumerKey);
      return;
    }
    case 'credential': {
      if (change.action === 'delete') return deleteCredential(http, organization, developer, change.app, change.consumerKey);
      // Apigee only needs the client id (AIC checks the secret: external authorization), but a
      // credential must have a secret: a random one nobody ever sees.
      const secret = randomBytes(32).toString('base64url');
      http.redactor.add(secret);
      const outcome = await createCredential(http, organization, developer, change.app, change.consumerKey, secret);
      if (outcome === 'exists') throw new Error(`apigee: client id ${change.consumerKey} is already a credential of another app in ${organization}; remove it there, then deploy again`);
      return;
    }
    case 'credential-product':
      if (change.action === 'add') return addProductsToCredential(http, organization, developer, change.app, change.consumerKey, [change.product]);
      return removeProductFromCredential(http, organization, developer, change.app, change.consumerKey, change.product);
  }
}

/** Runs the plan's changes in order. Refuses a plan with problems (it holds no changes anyway). */
export async function applyApigeePlan(http: AmHttp, plan: ApigeePlan, log: (line: string) => void = () => {}): Promise<ApigeeApplyResult> {
  if (plan.problems.length) throw new ApigeePlanError(plan);
  const writesBefore = http.stats.writes;
  const revisions = new Map<string, string>();
  const applied: ApigeeChange[] = [];
  let failed: ApigeeApplyResult['failed'];
  for (const change of plan.changes) {
    try {
      await applyChange(http, plan, change, revisions);
      applied.push(change);
      log(`  apigee ok      ${describeChange(change)}`);
    } catch (error) {
      failed = { change, message: http.redactor.text((error as Error).message) };
      log(`  apigee FAILED  ${describeChange(change)}: ${failed.message}`);
      break;
    }
  }
  const touched = new Map<string, ApigeeChange>();
  for (const change of applied) if (change.kind === 'bundle') touched.set(bundleKey(change.bundleKind, change.name), change);
  const bundles = plan.bundleStates.map((state) => {
    const key = bundleKey(state.kind, state.name);
    const change = touched.get(key);
    const action: BundleAction = !change ? 'unchanged' : change.action === 'deploy-revision' ? 'deployed existing revision' : 'imported and deployed';
    return { kind: state.kind, name: state.name, revision: revisions.get(key) ?? state.deployedRevision ?? '', action };
  });
  const consumerOf = new Map<string, string>();
  for (const change of plan.changes) if (change.kind === 'credential' || change.kind === 'credential-product') consumerOf.set(change.app, change.consumerKey);
  const credentialAction = (app: string): CredentialAction | undefined => {
    const changes = applied.filter((c) => (c.kind === 'credential' && c.action === 'create') || c.kind === 'credential-product').filter((c) => 'app' in c && c.app === app);
    if (!changes.length) return undefined;
    return changes.some((c) => c.kind === 'credential') ? 'created' : 'products changed';
  };
  const credentials = [...consumerOf.entries()].map(([app, consumer]) => ({ consumer, app, action: credentialAction(app) ?? ('unchanged' as const) }));
  return { ok: !failed, bundles, credentials, applied, failed, writes: http.stats.writes - writesBefore };
}
