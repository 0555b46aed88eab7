/**
 * Policy sets ("applications"): one per provider, and the scopes policy set of dynamic scopes
 * (AM's oauth2Scopes is used as the tenant holds it: created only when missing, never rewritten or
 * deleted). Dynamic configuration.
 */
import { createPolicySet, deletePolicySet, listPolicySets, updatePolicySet } from '../../rest/policy-sets.js';
import { error } from '../../diagnostics.js';
import { creation, differences, isPlainObject } from '../diff.js';
import type { KindHandler, PlanContext } from '../handler.js';
import { changeKey, isManagedDescription, type JsonObject, type Ref } from '../model.js';

export interface PolicySetSpec {
  body: {
    name: string;
    displayName: string;
    description: string;
    applicationType: 'iPlanetAMWebAgentService';
    entitlementCombiner: 'DenyOverride';
    subjects: string[];
    conditions: string[];
    attributeNames: string[];
  };
  resourceTypeUuids: Ref[];
  /** Created when missing, otherwise used as the tenant holds it (a built-in the tool does not own). */
  createOnly?: boolean;
  /** Subject and condition types the set's policies use: an existing set the tool does not own must allow them. */
  requires?: { subjects: string[]; conditions: string[] };
}

export type PolicySetPayload = { body: JsonObject & { resourceTypeUuids: string[] } } | { delete: true; resourceTypeUuids: string[] };

declare module '../model.js' {
  interface KindModel {
    'policy-set': { spec: PolicySetSpec; observed: JsonObject; payload: PolicySetPayload };
  }
}

const uuidsOf = (set: JsonObject): string[] => (Array.isArray(set.resourceTypeUuids) ? set.resourceTypeUuids.map(String) : []);

/** A client left using a scopes policy set that is deleted would fail every token request. */
function checkNotInUse(id: string, ctx: PlanContext): void {
  for (const client of ctx.observedOf('oauth2-client')) {
    const planned = ctx.planned('oauth2-client', client.id)?.payload.overrides;
    const overrides = { ...client.state.overrides, ...(isPlainObject(planned) ? planned : {}) };
    if (overrides.providerOverridesEnabled === true && overrides.usePolicyEngineForScope === true && overrides.scopesPolicySet === id) {
      ctx.report(error('refused', 'plan.policy-set-in-use', `would be deleted, but client "${client.id}" still uses it for scope decisions; set its usePolicyEngineForScope to false (or keep the set in scopePolicies) first`, { object: `policy-set:${id}` }));
    }
  }
}

export const policySetHandler: KindHandler<'policy-set'> = {
  kind: 'policy-set',
  configuration: 'dynamic',
  async read(ctx) {
    const sets = await listPolicySets(ctx.http, ctx.realm);
    return sets.map((set) => ({ kind: 'policy-set' as const, id: String(set.name), state: set as JsonObject }));
  },
  identity: () => ({}),
  plan(id, spec, observed, ctx) {
    if (!spec) {
      if (!observed || !isManagedDescription(observed.description)) return [];
      checkNotInUse(id, ctx);
      return [{ kind: 'policy-set', id, action: 'delete', diff: [], payload: { delete: true, resourceTypeUuids: uuidsOf(observed) }, dependsOn: [] }];
    }
    const resourceTypeUuids = spec.resourceTypeUuids.map((r) => ctx.resolve(r)).filter((uuid): uuid is string => uuid !== undefined);
    const body = { ...spec.body, resourceTypeUuids } as JsonObject & { resourceTypeUuids: string[] };
    // A set the tool created (marked) is its own: kept up to date like any other. A built-in one is only checked.
    if (spec.createOnly && observed && !isManagedDescription(observed.description)) {
      // The tool's policies would all be refused by a set without their resource type.
      const lacking = resourceTypeUuids.filter((uuid) => !uuidsOf(observed).includes(uuid));
      if (lacking.length) ctx.report(error('refused', 'plan.policy-set-lacks-type', `exists in the tenant without resource type ${lacking.join(', ')}; the tool does not rewrite a policy set it did not create: add the resource type to it`, { object: `policy-set:${id}` }));
      // AM refuses a policy whose subject or condition type its set does not allow.
      for (const [field, label] of [['subjects', 'subject'], ['conditions', 'condition']] as const) {
        const allowed = Array.isArray(observed[field]) ? (observed[field] as unknown[]).map(String) : [];
        const missing = (spec.requires?.[field] ?? []).filter((type) => !allowed.includes(type));
        if (missing.length) ctx.report(error('refused', 'plan.policy-set-lacks-type', `exists in the tenant without the ${label} type${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that its policies use; the tool does not rewrite a policy set it did not create: add ${missing.length > 1 ? 'them' : 'it'} to its ${field}`, { object: `policy-set:${id}` }));
      }
      return [{ kind: 'policy-set', id, action: 'noop', diff: [], payload: { body: observed as JsonObject & { resourceTypeUuids: string[] } }, dependsOn: [] }];
    }
    const diff = observed ? differences(observed, body) : creation(body);
    return [{ kind: 'policy-set', id, action: observed ? (diff.length ? 'update' : 'noop') : 'create', diff, payload: { body }, dependsOn: [] }];
  },
  // A set is deleted only after the policies it holds.
  dependencies(change, all) {
    if (change.action !== 'delete') return [];
    return all.filter((c) => c.kind === 'policy' && c.action === 'delete' && 'applicationName' in c.payload && c.payload.applicationName === change.id).map(changeKey);
  },
  async apply(change, ctx) {
    const { payload } = change;
    if ('delete' in payload) return deletePolicySet(ctx.http, ctx.realm, change.id);
    if (change.action === 'create' && !(await createPolicySet(ctx.http, ctx.realm, payload.body)).exists) return;
    await updatePolicySet(ctx.http, ctx.realm, change.id, payload.body);
  },
  export: (observed) => observed,
};
