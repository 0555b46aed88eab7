/**
 * One run of the tool up to a plan: server facts -> desired state -> observed state -> plan.
 * Owns the order of those steps. Shared by plan, deploy and export, so that `plan` shows exactly
 * what `deploy` would change.
 */
import type { AmHttp } from '../rest/http.js';
import { getEnvironmentInfo } from '../rest/environment.js';
import type { AccessConfig } from '../config/access.js';
import { desiredState, type BundleSource } from './desired/index.js';
import type { PlanOptions } from './handler.js';
import { computePlan } from './plan.js';
import { observeServer, observeTenant } from './observe.js';
import type { DesiredState, ObservedState, Plan, Secrets } from './model.js';

export type { BundleSource };

export interface PlanInputs {
  access: AccessConfig;
  realm: string;
  /** Value written to esv-tenant-env-fqdn: a host name, or a base URL with scheme. */
  tenantEsvValue: string;
  gatewayId: string;
  /** The journey the policy-evaluator agent logs in through. */
  journeyName?: string;
  secrets: Secrets;
  scripts: BundleSource[];
  journey: unknown;
  options?: PlanOptions;
}

export interface PlannedRun {
  desired: DesiredState;
  observed: ObservedState;
  plan: Plan;
}

export async function planRun(http: AmHttp, inputs: PlanInputs): Promise<PlannedRun> {
  // Which environment this is decides what may be written here (static configuration only in development).
  const [server, environment] = await Promise.all([observeServer(http), inputs.options?.environment ? Promise.resolve(inputs.options.environment) : getEnvironmentInfo(http)]);
  const desired = desiredState({
    access: inputs.access,
    realm: inputs.realm,
    tenantEsvValue: inputs.tenantEsvValue,
    cookieName: server.cookieName,
    gatewayId: inputs.gatewayId,
    journeyName: inputs.journeyName ?? 'AgentLogin',
    scripts: inputs.scripts,
    journey: inputs.journey,
  });
  const observed = await observeTenant(http, desired, server, inputs.secrets);
  return { desired, observed, plan: computePlan(desired, observed, inputs.secrets, { ...inputs.options, environment }) };
}
