/**
 * The idempotent Apigee deploy: every consumer client id present as a credential of its developer
 * app (with the API product), then every bundle deployed — imported only when no revision of it
 * carries the generated content hash. A second run with the same input writes nothing.
 * Owns: the decisions (skip / import / deploy / create). Paths and payloads are management.ts's.
 */
import { randomBytes } from 'node:crypto';
import type { AmHttp } from '../rest/http.js';
import { MANAGED_MARKER } from '../engine/model.js';
import { apigeeName, recordedHash, zipBundle, type ApigeeBundle } from './bundle.js';
import {
  addProductToCredential,
  createCredential,
  createDeveloperApp,
  deleteCredential,
  deployRevision,
  getBundleEntity,
  getDeployedRevisions,
  getDeveloperApp,
  getRevision,
  importBundle,
} from './management.js';

export interface ApigeeTarget {
  organization: string;
  environment: string;
  developer: string;
  apiProduct: string;
}

export type BundleAction = 'unchanged' | 'imported and deployed' | 'deployed existing revision';
export type CredentialAction = 'unchanged' | 'created' | 'product added';

export interface ApigeeApplyResult {
  bundles: { kind: ApigeeBundle['kind']; name: string; revision: string; action: BundleAction }[];
  credentials: { consumer: string; app: string; action: CredentialAction }[];
  writes: number;
}

/** The consumer's app: one per consumer, named after it. */
export function appNameFor(consumer: string): string {
  return apigeeName('', consumer);
}

async function hashOf(http: AmHttp, target: ApigeeTarget, bundle: ApigeeBundle, revision: string): Promise<string | undefined> {
  return recordedHash((await getRevision(http, target.organization, bundle.kind, bundle.name, revision)).description);
}

export async function applyBundle(http: AmHttp, target: ApigeeTarget, bundle: ApigeeBundle): Promise<ApigeeApplyResult['bundles'][number]> {
  const { organization, environment } = target;
  const deployed = await getDeployedRevisions(http, organization, environment, bundle.kind, bundle.name);
  if (deployed.length && (await hashOf(http, target, bundle, deployed[0])) === bundle.hash) {
    return { kind: bundle.kind, name: bundle.name, revision: deployed[0], action: 'unchanged' };
  }
  // An earlier run may have imported this content and stopped before deploying it: reuse it.
  const existing = await getBundleEntity(http, organization, bundle.kind, bundle.name);
  const latest = existing?.latestRevisionId ?? [...(existing?.revision ?? [])].sort((a, b) => Number(b) - Number(a))[0];
  if (latest && !deployed.includes(latest) && (await hashOf(http, target, bundle, latest)) === bundle.hash) {
    await deployRevision(http, organization, environment, bundle.kind, bundle.name, latest);
    return { kind: bundle.kind, name: bundle.name, revision: latest, action: 'deployed existing revision' };
  }
  const revision = await importBundle(http, organization, bundle.kind, bundle.name, await zipBundle(bundle));
  await deployRevision(http, organization, environment, bundle.kind, bundle.name, revision);
  return { kind: bundle.kind, name: bundle.name, revision, action: 'imported and deployed' };
}

/**
 * Apigee only needs to know the client id (AIC validates the secret: external authorization), but
 * a credential must have a secret: it gets a random one nobody ever sees.
 */
export async function ensureCredential(http: AmHttp, target: ApigeeTarget, consumer: string): Promise<ApigeeApplyResult['credentials'][number]> {
  const { organization, developer, apiProduct } = target;
  const name = appNameFor(consumer);
  let app = await getDeveloperApp(http, organization, developer, name);
  let created = false;
  if (!app) {
    app = await createDeveloperApp(http, organization, developer, { name, attributes: [{ name: 'managed-by', value: MANAGED_MARKER }, { name: 'aic-client-id', value: consumer }] });
    created = true;
    // Apigee gives a new app a random credential; the app exists only for the imported client id.
    for (const credential of app.credentials ?? []) if (credential.consumerKey !== consumer) await deleteCredential(http, organization, developer, name, credential.consumerKey);
  }
  const credential = (app.credentials ?? []).find((c) => c.consumerKey === consumer);
  if (!credential) {
    const secret = randomBytes(32).toString('base64url');
    http.redactor.add(secret);
    const outcome = await createCredential(http, organization, developer, name, consumer, secret);
    if (outcome === 'exists') throw new Error(`apigee: client id ${consumer} is already a credential of another app in ${organization}; remove it there or add it to app ${name} of ${developer} by hand`);
    await addProductToCredential(http, organization, developer, name, consumer, apiProduct);
    return { consumer, app: name, action: 'created' };
  }
  if (!(credential.apiProducts ?? []).some((p) => p.apiproduct === apiProduct)) {
    await addProductToCredential(http, organization, developer, name, consumer, apiProduct);
    return { consumer, app: name, action: created ? 'created' : 'product added' };
  }
  return { consumer, app: name, action: 'unchanged' };
}

/** Credentials first (the token endpoint needs them), then shared flows, then the token proxy. */
export async function applyApigee(http: AmHttp, target: ApigeeTarget, bundles: ApigeeBundle[], consumers: string[], log: (line: string) => void = () => {}): Promise<ApigeeApplyResult> {
  const writesBefore = http.stats.writes;
  const credentials: ApigeeApplyResult['credentials'] = [];
  for (const consumer of [...consumers].sort()) {
    const outcome = await ensureCredential(http, target, consumer);
    credentials.push(outcome);
    if (outcome.action !== 'unchanged') log(`  apigee credential ${consumer} (app ${outcome.app}): ${outcome.action}`);
  }
  const results: ApigeeApplyResult['bundles'] = [];
  for (const bundle of [...bundles].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'sharedflows' ? -1 : 1))) {
    const outcome = await applyBundle(http, target, bundle);
    results.push(outcome);
    if (outcome.action !== 'unchanged') log(`  apigee ${bundle.kind} ${bundle.name}: ${outcome.action}, revision ${outcome.revision}`);
  }
  return { bundles: results, credentials, writes: http.stats.writes - writesBefore };
}
