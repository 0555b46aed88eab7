/**
 * One run of the tool up to a plan: server facts -> desired state -> observed state -> plan.
 * Owns: the order of those steps. Shared by plan, deploy and export so that `plan` shows exactly
 * what `deploy` would change.
 */
import type { AmHttp } from '../rest/http.js';
import type { AccessConfig } from '../config/access.js';
import { desiredState } from './desired.js';
import { computePlan } from './plan.js';
import { observeServer, observeTenant } from './observe.js';
import type { DesiredState, ObservedState, Plan } from './model.js';

export interface BundleSource {
  name: 'scope-validation' | 'policy-eval-mod';
  source: string;
  context: string;
}

export interface PlanInputs {
  access: AccessConfig;
  realm: string;
  /** Value written to esv-tenant-env-fqdn: a host name, or a base URL with scheme. */
  tenantEsvValue: string;
  gatewayId: string;
  gatewaySecret: string;
  scripts: BundleSource[];
  journey: unknown;
}

export interface PlannedRun {
  desired: DesiredState;
  observed: ObservedState;
  plan: Plan;
}

export async function planRun(http: AmHttp, inputs: PlanInputs): Promise<PlannedRun> {
  const server = await observeServer(http);
  const desired = desiredState({
    access: inputs.access,
    realm: inputs.realm,
    esv: {
      tenantBaseUrlOrFqdn: inputs.tenantEsvValue,
      cookieName: server.cookieName,
      gatewayId: inputs.gatewayId,
      gatewaySecret: inputs.gatewaySecret,
    },
    scripts: inputs.scripts,
    journey: inputs.journey,
  });
  const observed = await observeTenant(http, desired, server);
  return { desired, observed, plan: computePlan(desired, observed) };
}
