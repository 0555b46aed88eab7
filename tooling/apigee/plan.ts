/**
 * The Apigee planner: desired + observed -> the changes, in the order apply runs them. Pure: no
 * HTTP, no clock, no randomness, so it is tested on plain data and `plan` shows exactly what
 * `deploy --apigee` will do. Owns: every decision — what is unchanged, created, updated, imported,
 * deployed, undeployed or deleted, and why. Never touches an entity that does not carry the marker.
 *
 * Order: developer, target servers, shared flows, provider proxies, products, apps and credentials,
 * the token proxy (so it serves a provider only once that provider's product and credentials exist),
 * then removals (credential products, apps, products, bundles, target servers) and old revisions.
 */
import { recordedHash, type ApigeeBundle } from './bundle.js';
import type { ApiProduct, DeveloperApp, TargetServer } from './management.js';
import { bundleKey, type ApigeeChange, type ApigeePlan, type DesiredApigee, type ObservedApigee, type ObservedBundle } from './model.js';
import { MANAGED_MARKER, NAME_PREFIX, TOKEN_PROXY_NAME } from './names.js';
import { error, warning, type Diagnostic } from '../diagnostics.js';

export interface PlanOptions {
  /** Revisions kept per bundle (the deployed ones always are); older ones the tool imported are deleted. */
  keepRevisions: number;
}

export const DEFAULT_KEEP_REVISIONS = 5;
export const APP_MARKER_ATTRIBUTE = 'managed-by';

const sorted = <T>(list: T[] | undefined, key: (item: T) => string = String) => [...(list ?? [])].sort((a, b) => key(a).localeCompare(key(b)));
const isMarked = (description: string | undefined) => typeof description === 'string' && description.includes(MANAGED_MARKER);
export const isManagedApp = (app: DeveloperApp) => (app.attributes ?? []).some((a) => a.name === APP_MARKER_ATTRIBUTE && a.value === MANAGED_MARKER);

/** The fields the tool sets, in a comparable form (Apigee adds ids, timestamps and defaults). */
export function comparableProduct(product: ApiProduct): unknown {
  return {
    displayName: product.displayName ?? '',
    description: product.description ?? '',
    approvalType: product.approvalType ?? '',
    environments: sorted(product.environments),
    scopes: sorted(product.scopes),
    attributes: sorted(product.attributes ?? [], (a) => a.name).map((a) => [a.name, a.value]),
    operationConfigs: sorted(product.operationGroup?.operationConfigs ?? [], (c) => c.apiSource).map((c) => ({
      apiSource: c.apiSource,
      operations: sorted(c.operations ?? [], (o) => o.resource).map((o) => ({ resource: o.resource, methods: sorted(o.methods) })),
    })),
  };
}

export function comparableTargetServer(server: TargetServer): unknown {
  return {
    description: server.description ?? '',
    host: server.host,
    port: Number(server.port),
    isEnabled: server.isEnabled !== false,
    protocol: server.protocol ?? 'HTTP',
    tls: { enabled: server.sSLInfo?.enabled === true, enforce: server.sSLInfo?.enforce === true, ignoreValidationErrors: server.sSLInfo?.ignoreValidationErrors === true },
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const revisionNumber = (revision: string) => Number(revision);

interface BundlePlan {
  changes: ApigeeChange[];
  deletions: ApigeeChange[];
  state: ApigeePlan['bundleStates'][number];
}

function planBundle(bundle: ApigeeBundle, observed: ObservedBundle | undefined, environment: string, keep: number, problems: string[]): BundlePlan {
  const base = { bundleKind: bundle.kind, name: bundle.name, hash: bundle.hash };
  if (!observed || observed.revisions.length === 0) {
    return { changes: [{ kind: 'bundle', action: 'import-and-deploy', ...base, reason: 'missing' }], deletions: [], state: { kind: bundle.kind, name: bundle.name, hash: bundle.hash } };
  }
  const hashOf = (revision: string) => recordedHash(observed.revisions.find((r) => r.revision === revision)?.description);
  const deployedHere = observed.deployments.filter((d) => d.environment === environment).map((d) => d.revision).sort((a, b) => revisionNumber(b) - revisionNumber(a));
  const latest = observed.revisions[0].revision;
  if (!observed.revisions.some((r) => isMarked(r.description))) {
    problems.push(`${bundle.kind}/${bundle.name}: exists in the organization but none of its revisions read carries ${MANAGED_MARKER}: it was not made by this tool; rename or delete it`);
  }
  let changes: ApigeeChange[] = [];
  let importing = false;
  let deploying: string | undefined;
  if (deployedHere.length && hashOf(deployedHere[0]) === bundle.hash) {
    // Unchanged. (Several deployed revisions = a rollout in progress: the newest decides.)
  } else if (!deployedHere.includes(latest) && hashOf(latest) === bundle.hash) {
    // An earlier run imported this content and stopped before deploying it.
    deploying = latest;
    changes = [{ kind: 'bundle', action: 'deploy-revision', ...base, revision: latest, reason: 'imported-not-deployed' }];
  } else {
    importing = true;
    changes = [{ kind: 'bundle', action: 'import-and-deploy', ...base, deployedRevision: deployedHere[0], reason: 'content-changed' }];
  }
  // A new revision counts towards the kept ones; deployed revisions (any environment) are never deleted.
  const deployedAnywhere = new Set(observed.deployments.map((d) => d.revision));
  const kept = Math.max(1, keep - (importing ? 1 : 0));
  const deletions: ApigeeChange[] = observed.revisions
    .slice(kept)
    .filter((r) => !deployedAnywhere.has(r.revision) && r.revision !== deploying && isMarked(r.description))
    .map((r) => ({ kind: 'revision', action: 'delete', bundleKind: bundle.kind, name: bundle.name, revision: r.revision, reason: 'beyond-kept-revisions' }));
  return { changes, deletions, state: { kind: bundle.kind, name: bundle.name, hash: bundle.hash, deployedRevision: importing || deploying ? deploying : deployedHere[0] } };
}

/** What planning found: problems stop the whole plan (nothing is applied), warnings are reported. The step planners below add to it. */
interface Findings {
  problems: string[];
  warnings: string[];
}

/** The bundles' changes, sorted by when apply runs them. */
interface BundleChanges {
  sharedFlows: ApigeeChange[];
  providerProxies: ApigeeChange[];
  tokenProxy: ApigeeChange[];
  revisionDeletions: ApigeeChange[];
  bundleStates: ApigeePlan['bundleStates'];
}

/** The grants: what apps and credentials get (run before the token proxy), and the grants taken away (run with the removals). */
interface AppChanges {
  apps: ApigeeChange[];
  credentialRemovals: ApigeeChange[];
}

export function planApigee(desired: DesiredApigee, observed: ObservedApigee, options: PlanOptions = { keepRevisions: DEFAULT_KEEP_REVISIONS }): ApigeePlan {
  const findings: Findings = { problems: [...desired.problems], warnings: [...desired.warnings] };
  const bundles = new Map(desired.bundles.map((b) => [bundleKey(b.kind, b.name), b]));
  if (findings.problems.length) return planWithoutChanges(desired, bundles, findings);

  const developer: ApigeeChange[] = observed.developer ? [] : [{ kind: 'developer', action: 'create', name: desired.developer, reason: 'missing' }];
  // Each step adds its problems and warnings in this order, which is the order they are reported in.
  const targetServers = planTargetServers(desired, observed, findings);
  const bundled = planBundles(desired, observed, options.keepRevisions, findings);
  const products = planProducts(desired, observed, findings);
  const granted = planApps(desired, observed, findings);
  const removals = planRemovals(desired, observed, bundles, findings);

  if (findings.problems.length) return planWithoutChanges(desired, bundles, findings);
  return {
    organization: desired.organization,
    environment: desired.environment,
    developer: desired.developer,
    changes: [
      ...developer,
      ...targetServers,
      ...bundled.sharedFlows,
      ...bundled.providerProxies,
      ...products,
      ...granted.apps,
      ...bundled.tokenProxy,
      ...granted.credentialRemovals,
      ...removals,
      ...bundled.revisionDeletions,
    ],
    bundles,
    bundleStates: bundled.bundleStates,
    problems: findings.problems,
    warnings: findings.warnings,
    diagnostics: diagnosticsOf(desired, findings),
  };
}

/** Problems the access configuration brought are bad input; those planning found are entities the tool does not own. */
function diagnosticsOf(desired: DesiredApigee, findings: Findings): Diagnostic[] {
  return [
    ...findings.problems.map((p, i) => (i < desired.problems.length ? error('input', 'apigee.input', p) : error('refused', 'apigee.not-managed', p))),
    ...findings.warnings.map((w) => warning('apigee.warning', w)),
  ];
}

/** The plan when there are problems: no change at all, so nothing is applied. */
function planWithoutChanges(desired: DesiredApigee, bundles: ApigeePlan['bundles'], findings: Findings): ApigeePlan {
  return { organization: desired.organization, environment: desired.environment, developer: desired.developer, changes: [], bundles, bundleStates: [], problems: findings.problems, warnings: findings.warnings, diagnostics: diagnosticsOf(desired, findings) };
}

function planTargetServers(desired: DesiredApigee, observed: ObservedApigee, findings: Findings): ApigeeChange[] {
  const changes: ApigeeChange[] = [];
  for (const server of desired.targetServers) {
    const before = observed.targetServers[server.name];
    if (!before) changes.push({ kind: 'target-server', action: 'create', name: server.name, reason: 'missing', after: server });
    else if (!isMarked(before.description)) findings.problems.push(`target server ${server.name} (environment ${desired.environment}): exists but does not carry ${MANAGED_MARKER}: rename or delete it`);
    else if (!same(comparableTargetServer(before), comparableTargetServer(server))) changes.push({ kind: 'target-server', action: 'update', name: server.name, reason: 'content-changed', before, after: server });
  }
  return changes;
}

/** Bundles the configuration wants. */
function planBundles(desired: DesiredApigee, observed: ObservedApigee, keepRevisions: number, findings: Findings): BundleChanges {
  const planned: BundleChanges = { sharedFlows: [], providerProxies: [], tokenProxy: [], revisionDeletions: [], bundleStates: [] };
  for (const bundle of desired.bundles) {
    const { changes, deletions, state } = planBundle(bundle, observed.bundles[bundleKey(bundle.kind, bundle.name)], desired.environment, keepRevisions, findings.problems);
    (bundle.kind === 'sharedflows' ? planned.sharedFlows : bundle.name === TOKEN_PROXY_NAME ? planned.tokenProxy : planned.providerProxies).push(...changes);
    planned.revisionDeletions.push(...deletions);
    planned.bundleStates.push(state);
  }
  return planned;
}

/**
 * Products: the tool owns every field, except environments, which keep the others already listed
 * (products are organization-wide; each environment's deploy adds its own).
 */
function planProducts(desired: DesiredApigee, observed: ObservedApigee, findings: Findings): ApigeeChange[] {
  const changes: ApigeeChange[] = [];
  for (const product of desired.products) {
    const before = observed.products[product.name];
    if (!before) {
      changes.push({ kind: 'product', action: 'create', name: product.name, reason: 'missing', after: product });
      continue;
    }
    if (!isMarked(before.description)) {
      findings.problems.push(`API product ${product.name}: exists but does not carry ${MANAGED_MARKER}: rename or delete it`);
      continue;
    }
    const after = { ...product, environments: sorted([...new Set([...(before.environments ?? []), ...(product.environments ?? [])])]) };
    if (!same(comparableProduct(before), comparableProduct(after))) changes.push({ kind: 'product', action: 'update', name: product.name, reason: 'content-changed', before, after });
  }
  return changes;
}

/** Apps and credentials: one app per consumer, one credential whose key is the client id, holding exactly the products its grants allow. */
function planApps(desired: DesiredApigee, observed: ObservedApigee, findings: Findings): AppChanges {
  const desiredProducts = new Set(desired.products.map((p) => p.name));
  const managedProduct = (name: string) => desiredProducts.has(name) || (name.startsWith(NAME_PREFIX) && isMarked(observed.products[name]?.description));
  const planned: AppChanges = { apps: [], credentialRemovals: [] };
  for (const wanted of desired.apps) {
    const app = observed.apps[wanted.app];
    const key = wanted.consumer;
    if (app && !isManagedApp(app)) {
      findings.problems.push(`developer app ${wanted.app} of ${desired.developer}: exists but does not carry attribute ${APP_MARKER_ATTRIBUTE}=${MANAGED_MARKER}: rename or delete it`);
      continue;
    }
    if (!app) planned.apps.push({ kind: 'app', action: 'create', name: wanted.app, consumer: key, reason: 'missing' });
    for (const other of app?.credentials ?? []) {
      if (other.consumerKey !== key) planned.apps.push({ kind: 'credential', action: 'delete', app: wanted.app, consumerKey: other.consumerKey, reason: 'not-the-client-id' });
    }
    const credential = app?.credentials?.find((c) => c.consumerKey === key);
    if (!credential) planned.apps.push({ kind: 'credential', action: 'create', app: wanted.app, consumerKey: key, reason: 'missing' });
    else if (credential.status && credential.status !== 'approved') findings.warnings.push(`credential ${key} of app ${wanted.app} is ${credential.status} in Apigee: its tokens cannot be stored (approve it, or delete the app to have it recreated)`);
    const held = new Map((credential?.apiProducts ?? []).map((p) => [p.apiproduct, p.status]));
    for (const product of wanted.products) {
      if (!held.has(product)) planned.apps.push({ kind: 'credential-product', action: 'add', app: wanted.app, consumerKey: key, product, reason: 'grant-possible' });
      else if (held.get(product) && held.get(product) !== 'approved') findings.warnings.push(`product ${product} on credential ${key} is ${held.get(product)} in Apigee: its tokens will not verify at that provider`);
    }
    for (const product of held.keys()) {
      if (managedProduct(product) && !wanted.products.includes(product)) planned.credentialRemovals.push({ kind: 'credential-product', action: 'remove', app: wanted.app, consumerKey: key, product, reason: 'grant-no-longer-possible' });
    }
  }
  return planned;
}

/** Removals: only what carries the marker and the configuration no longer names — apps, products, bundles, then target servers. */
function planRemovals(desired: DesiredApigee, observed: ObservedApigee, bundles: ApigeePlan['bundles'], findings: Findings): ApigeeChange[] {
  const desiredApps = new Set(desired.apps.map((a) => a.app));
  const appRemovals: ApigeeChange[] = sorted(Object.values(observed.apps), (a) => a.name)
    .filter((app) => isManagedApp(app) && !desiredApps.has(app.name))
    .map((app) => ({ kind: 'app', action: 'delete', name: app.name, reason: 'no-longer-configured' }));
  const desiredProducts = new Set(desired.products.map((p) => p.name));
  const productRemovals: ApigeeChange[] = Object.keys(observed.products)
    .sort()
    .filter((name) => !desiredProducts.has(name) && name.startsWith(NAME_PREFIX) && isMarked(observed.products[name].description))
    .map((name) => ({ kind: 'product', action: 'delete', name, reason: 'no-longer-configured' }));
  const desiredServers = new Set(desired.targetServers.map((s) => s.name));
  const serverRemovals: ApigeeChange[] = Object.keys(observed.targetServers)
    .sort()
    .filter((name) => !desiredServers.has(name) && name.startsWith(NAME_PREFIX) && isMarked(observed.targetServers[name].description))
    .map((name) => ({ kind: 'target-server', action: 'delete', name, reason: 'no-longer-configured', before: observed.targetServers[name] }));
  return [...appRemovals, ...productRemovals, ...planBundleRemovals(desired.environment, observed, bundles, findings), ...serverRemovals];
}

/** Proxies, then shared flows (the reverse of creation: a proxy calls its flow); each is undeployed here, and deleted when no other environment runs it. */
function planBundleRemovals(environment: string, observed: ObservedApigee, bundles: ApigeePlan['bundles'], findings: Findings): ApigeeChange[] {
  const removals: ApigeeChange[] = [];
  for (const key of Object.keys(observed.bundles).sort((a, b) => (a.startsWith('apis/') === b.startsWith('apis/') ? a.localeCompare(b) : a.startsWith('apis/') ? -1 : 1))) {
    const bundle = observed.bundles[key];
    if (bundles.has(key) || !bundle.name.startsWith(NAME_PREFIX)) continue;
    if (!isMarked(bundle.revisions[0]?.description)) {
      findings.warnings.push(`${key}: not in the configuration, but its latest revision does not carry ${MANAGED_MARKER}: left alone`);
      continue;
    }
    const undeploy = bundle.deployments.filter((d) => d.environment === environment).map((d) => d.revision).sort();
    const deleteEntity = bundle.deployments.every((d) => d.environment === environment);
    if (undeploy.length || deleteEntity) removals.push({ kind: 'bundle', action: 'remove', bundleKind: bundle.kind, name: bundle.name, undeploy, deleteEntity, reason: 'no-longer-configured' });
  }
  return removals;
}

export const hasApigeeChanges = (plan: ApigeePlan) => plan.changes.length > 0;
