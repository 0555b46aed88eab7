/**
 * An Apigee organization as plain in-memory state, shared by the fake management API
 * (fake-apigee.ts: what the deploy writes) and the test interpreter (interpreter.ts: what the
 * gateway then does with it). Owns: the state and the few lookups both sides need.
 */

import type { ApiProduct, Attribute, TargetServer } from '../../tooling/apigee/management.js';

export type OrgAttribute = Attribute;

export interface OrgCredential {
  consumerKey: string;
  consumerSecret: string;
  status: 'approved' | 'revoked';
  apiProducts: { apiproduct: string; status: 'approved' | 'pending' | 'revoked' }[];
}

export interface OrgApp {
  name: string;
  developer: string;
  appId: string;
  status: 'approved' | 'revoked';
  attributes: OrgAttribute[];
  credentials: OrgCredential[];
}

/** Products and target servers are stored as the management API carries them. */
export type OrgProduct = ApiProduct;
export type OrgTargetServer = TargetServer;

export interface OrgRevision {
  revision: string;
  description: string;
  files: Map<string, string>;
}

export interface OrgBundle {
  kind: 'apis' | 'sharedflows';
  name: string;
  revisions: OrgRevision[];
}

export class ApigeeOrgState {
  readonly developers = new Map<string, { email: string; firstName?: string; lastName?: string; userName?: string; attributes?: OrgAttribute[] }>();
  /** By `developer/app`. */
  readonly apps = new Map<string, OrgApp>();
  readonly products = new Map<string, OrgProduct>();
  /** environment -> name -> server. */
  readonly targetServers = new Map<string, Map<string, OrgTargetServer>>();
  /** By `kind/name`. */
  readonly bundles = new Map<string, OrgBundle>();
  /** `kind/name` -> environment -> deployed revision. */
  readonly deployments = new Map<string, Map<string, string>>();

  constructor(readonly name: string, readonly environments: string[]) {
    for (const environment of environments) this.targetServers.set(environment, new Map());
  }

  credential(consumerKey: string): { app: OrgApp; credential: OrgCredential } | undefined {
    for (const app of this.apps.values()) {
      const credential = app.credentials.find((c) => c.consumerKey === consumerKey);
      if (credential) return { app, credential };
    }
    return undefined;
  }

  deployedRevision(kind: 'apis' | 'sharedflows', name: string, environment: string): OrgRevision | undefined {
    const revision = this.deployments.get(`${kind}/${name}`)?.get(environment);
    return revision === undefined ? undefined : this.bundles.get(`${kind}/${name}`)?.revisions.find((r) => r.revision === revision);
  }
}
