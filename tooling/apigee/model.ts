/**
 * The plain data the Apigee deploy works with: what the access configuration wants in the
 * organization (DesiredApigee), what the organization holds (ObservedApigee), and the plan — a list
 * of typed changes, each with an action and a reason — that plan.ts computes from the two and
 * apply.ts executes. Owns: these shapes only.
 */
import type { ApigeeBundle } from './bundle.js';
import type { ApiProduct, DeveloperApp, TargetServer } from './management.js';
import type { BundleKind } from './management.js';
import type { Diagnostic } from '../diagnostics.js';

export interface DesiredApp {
  consumer: string;
  app: string;
  /** Products the consumer's credential carries: those of providers whose grants can admit it. */
  products: string[];
}

export interface DesiredApigee {
  organization: string;
  environment: string;
  developer: string;
  targetServers: TargetServer[];
  /** Environments hold only this run's environment; the plan keeps others the product already lists. */
  products: ApiProduct[];
  apps: DesiredApp[];
  /** Shared flows, provider proxies, then the token proxy. */
  bundles: ApigeeBundle[];
  /** Bad input found before anything is sent: nothing is applied while there are any. */
  problems: string[];
  warnings: string[];
}

export interface ObservedRevision {
  revision: string;
  /** Read only for the revisions the plan needs (deployed, latest, deletion candidates). */
  description?: string;
}

export interface ObservedBundle {
  kind: BundleKind;
  name: string;
  /** Newest first. */
  revisions: ObservedRevision[];
  deployments: { environment: string; revision: string }[];
}

export interface ObservedApigee {
  developer?: { email: string };
  /** Target servers of the environment whose names carry the tool's prefix. */
  targetServers: Record<string, TargetServer>;
  /** Products whose names carry the tool's prefix. */
  products: Record<string, ApiProduct>;
  /** The developer's apps. */
  apps: Record<string, DeveloperApp>;
  /** Proxies and shared flows whose names carry the tool's prefix, by `kind/name`. */
  bundles: Record<string, ObservedBundle>;
}

export type ChangeReason =
  | 'missing'
  | 'content-changed'
  | 'imported-not-deployed'
  | 'no-longer-configured'
  | 'beyond-kept-revisions'
  | 'grant-possible'
  | 'grant-no-longer-possible'
  | 'not-the-client-id';

export type ApigeeChange =
  | { kind: 'developer'; action: 'create'; name: string; reason: 'missing' }
  | { kind: 'target-server'; action: 'create' | 'update'; name: string; reason: ChangeReason; after: TargetServer; before?: TargetServer }
  | { kind: 'target-server'; action: 'delete'; name: string; reason: 'no-longer-configured'; before: TargetServer }
  | { kind: 'bundle'; action: 'import-and-deploy'; bundleKind: BundleKind; name: string; hash: string; deployedRevision?: string; reason: 'missing' | 'content-changed' }
  | { kind: 'bundle'; action: 'deploy-revision'; bundleKind: BundleKind; name: string; hash: string; revision: string; reason: 'imported-not-deployed' }
  | { kind: 'bundle'; action: 'remove'; bundleKind: BundleKind; name: string; undeploy: string[]; deleteEntity: boolean; reason: 'no-longer-configured' }
  | { kind: 'revision'; action: 'delete'; bundleKind: BundleKind; name: string; revision: string; reason: 'beyond-kept-revisions' }
  | { kind: 'product'; action: 'create' | 'update'; name: string; reason: ChangeReason; after: ApiProduct; before?: ApiProduct }
  | { kind: 'product'; action: 'delete'; name: string; reason: 'no-longer-configured' }
  | { kind: 'app'; action: 'create'; name: string; consumer: string; reason: 'missing' }
  | { kind: 'app'; action: 'delete'; name: string; reason: 'no-longer-configured' }
  /** The consumer key is the AIC client id — public, not a secret; the secret is random and made at apply time. */
  | { kind: 'credential'; action: 'create'; app: string; consumerKey: string; reason: 'missing' }
  | { kind: 'credential'; action: 'delete'; app: string; consumerKey: string; reason: 'not-the-client-id' }
  | { kind: 'credential-product'; action: 'add' | 'remove'; app: string; consumerKey: string; product: string; reason: 'grant-possible' | 'grant-no-longer-possible' };

export interface ApigeePlan {
  organization: string;
  environment: string;
  developer: string;
  /** In the order apply runs them. */
  changes: ApigeeChange[];
  /** Bundles by `kind/name`, for the imports (not part of the plan's JSON). */
  readonly bundles: ReadonlyMap<string, ApigeeBundle>;
  /** Bundles the configuration wants, with the revision that stays deployed when nothing changes. */
  bundleStates: { kind: BundleKind; name: string; hash: string; deployedRevision?: string }[];
  problems: string[];
  warnings: string[];
  /** The same problems and warnings as the CLI's diagnostics (input: bad configuration; refused: an entity the tool does not own). */
  diagnostics: Diagnostic[];
}

export const bundleKey = (kind: BundleKind, name: string) => `${kind}/${name}`;
