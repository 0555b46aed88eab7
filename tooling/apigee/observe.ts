/**
 * Reads what the Apigee organization holds that the plan needs: the developer and its apps, the
 * products, the environment's target servers and the proxies and shared flows whose names carry the
 * tool's prefix, with their deployments and the descriptions of the revisions that matter (the
 * deployed ones, the latest, and those old enough to be deleted). Owns: reading only — GETs, no
 * decisions. Returns plain data (ObservedApigee).
 */
import type { AmHttp } from '../rest/http.js';
import {
  getDeployments,
  getDeveloper,
  getRevision,
  getTargetServer,
  listBundles,
  listDeveloperApps,
  listProducts,
  listTargetServers,
  type BundleKind,
  type TargetServer,
} from './management.js';
import { bundleKey, type ObservedApigee, type ObservedBundle } from './model.js';
import { NAME_PREFIX } from './names.js';

export interface ObserveTarget {
  organization: string;
  environment: string;
  developer: string;
}

async function observeBundle(http: AmHttp, target: ObserveTarget, kind: BundleKind, name: string, revisionNumbers: string[], keepRevisions: number): Promise<ObservedBundle> {
  const deployments = await getDeployments(http, target.organization, kind, name);
  const newestFirst = [...new Set(revisionNumbers)].sort((a, b) => Number(b) - Number(a));
  const deployed = new Set(deployments.map((d) => d.revision));
  // The descriptions the plan reads: deployed here or anywhere, the latest, and deletion candidates.
  const needed = new Set<string>([...deployed, ...newestFirst.slice(0, 1), ...newestFirst.slice(Math.max(1, keepRevisions - 1))]);
  const revisions = await Promise.all(
    newestFirst.map(async (revision) => (needed.has(revision) ? { revision, description: (await getRevision(http, target.organization, kind, name, revision)).description ?? '' } : { revision })),
  );
  return { kind, name, revisions, deployments };
}

export async function observeApigee(http: AmHttp, target: ObserveTarget, options: { keepRevisions: number }): Promise<ObservedApigee> {
  const { organization, environment } = target;
  const [developer, products, serverNames, proxies, sharedFlows] = await Promise.all([
    getDeveloper(http, organization, target.developer),
    listProducts(http, organization),
    listTargetServers(http, organization, environment),
    listBundles(http, organization, 'apis'),
    listBundles(http, organization, 'sharedflows'),
  ]);
  const apps = developer ? await listDeveloperApps(http, organization, target.developer) : [];
  const servers = await Promise.all(serverNames.filter((name) => name.startsWith(NAME_PREFIX)).map((name) => getTargetServer(http, organization, environment, name)));
  const ours = [...proxies.map((b) => ({ kind: 'apis' as const, ...b })), ...sharedFlows.map((b) => ({ kind: 'sharedflows' as const, ...b }))].filter((b) => b.name.startsWith(NAME_PREFIX));
  const bundles = await Promise.all(ours.map((b) => observeBundle(http, target, b.kind, b.name, b.revision ?? [], options.keepRevisions)));
  return {
    developer: developer ? { email: developer.email } : undefined,
    targetServers: Object.fromEntries(servers.filter((s): s is TargetServer => Boolean(s)).map((s) => [s.name, s])),
    products: Object.fromEntries(products.filter((p) => p.name.startsWith(NAME_PREFIX)).map((p) => [p.name, p])),
    apps: Object.fromEntries(apps.map((a) => [a.name, a])),
    bundles: Object.fromEntries(bundles.map((b) => [bundleKey(b.kind, b.name), b])),
  };
}
