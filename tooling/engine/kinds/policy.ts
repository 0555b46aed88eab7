/**
 * Policies: one per granted audience scope in the provider's policy set, and the dynamic-scope
 * policies in the scopes policy set. Dynamic configuration. Everything that decides a grant is
 * managed, `condition` and response attributes included, so drift that widens a grant shows; a
 * policy the tool did not write, in a policy set the tool owns, is deleted (or, with
 * keepForeignPolicies, reported as a warning).
 */
import { createPolicy, deletePolicy, listPolicies, updatePolicy } from '../../rest/policies.js';
import { warning } from '../../diagnostics.js';
import { creation, differences } from '../diff.js';
import type { KindHandler, PlanContext } from '../handler.js';
import { isManagedDescription, type JsonObject, type JsonValue, type Ref } from '../model.js';

export interface PolicySpec {
  name: string;
  active: true;
  description: string;
  applicationName: string;
  resourceTypeUuid: Ref;
  resources: string[];
  actionValues: Record<string, boolean>;
  subject: JsonObject;
  /** null: no environment condition (a condition someone adds shows as a change). */
  condition: JsonValue;
  resourceAttributes: JsonObject[];
}

export type PolicyBody = Omit<PolicySpec, 'resourceTypeUuid'> & { resourceTypeUuid: string };
export type PolicyPayload = { body: PolicyBody } | { delete: true; applicationName: string };

declare module '../model.js' {
  interface KindModel {
    policy: { spec: PolicySpec; observed: JsonObject; payload: PolicyPayload };
  }
}

/** A condition naming other objects (a Script condition's script) with their resolved ids; each reference is an edge. */
function resolveRefs(value: JsonValue, ctx: PlanContext): JsonValue {
  if (Array.isArray(value)) return value.map((item) => resolveRefs(item, ctx));
  if (!value || typeof value !== 'object') return value;
  if ('$ref' in value) return ctx.resolve(value as unknown as Ref) ?? null;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolveRefs(inner, ctx)]));
}

/** What AM leaves out when a policy has none of them. */
function normalised(policy: JsonObject): JsonObject {
  return { ...policy, condition: policy.condition ?? null, resourceAttributes: policy.resourceAttributes ?? [] };
}

/** A policy set the tool owns: one it declares (not a built-in it only uses) or one it created. */
function ownedSet(name: string, ctx: PlanContext): boolean {
  const desired = ctx.desired('policy-set', name);
  if (desired) return !desired.createOnly;
  return isManagedDescription(ctx.observed('policy-set', name)?.description);
}

function planLeftover(id: string, observed: JsonObject, ctx: PlanContext): ReturnType<KindHandler<'policy'>['plan']> {
  const applicationName = String(observed.applicationName ?? '');
  const remove = { kind: 'policy' as const, id, action: 'delete' as const, diff: [], payload: { delete: true as const, applicationName }, dependsOn: [] };
  if (isManagedDescription(observed.description)) return [remove];
  if (!ownedSet(applicationName, ctx)) return [];
  const message = `a policy the tool did not write, in the policy set ${applicationName} it manages: it can grant what the access configuration does not`;
  if (ctx.options.keepForeignPolicies) {
    ctx.report(warning('plan.foreign-policy', `${message}; kept (--keep-foreign-policies)`, { object: `policy:${id}` }));
    return [];
  }
  return [{ ...remove, reason: `${message}; remove it with the tool's own policies, or run with --keep-foreign-policies` }];
}

export const policyHandler: KindHandler<'policy'> = {
  kind: 'policy',
  configuration: 'dynamic',
  async read(ctx) {
    const policies = await listPolicies(ctx.http, ctx.realm);
    return policies.map((policy) => ({ kind: 'policy' as const, id: String(policy.name ?? policy._id), state: normalised(policy as JsonObject) }));
  },
  identity: () => ({}),
  plan(id, spec, observed, ctx) {
    if (!spec) return observed ? planLeftover(id, observed, ctx) : [];
    const body: PolicyBody = { ...spec, resourceTypeUuid: ctx.resolve(spec.resourceTypeUuid) ?? '', condition: resolveRefs(spec.condition, ctx) };
    const diff = observed ? differences(observed, body) : creation(body);
    return [{ kind: 'policy', id, action: observed ? (diff.length ? 'update' : 'noop') : 'create', diff, payload: { body }, dependsOn: [] }];
  },
  dependencies: (change, all) => {
    if ('delete' in change.payload) return [];
    const set = change.payload.body.applicationName;
    return all.some((c) => c.kind === 'policy-set' && c.id === set) ? [`policy-set:${set}`] : [];
  },
  async apply(change, ctx) {
    const { payload } = change;
    if ('delete' in payload) return deletePolicy(ctx.http, ctx.realm, change.id);
    // AM takes "no condition" as an absent field.
    const { condition, ...rest } = payload.body;
    const body = (condition === null ? rest : payload.body) as unknown as Record<string, JsonValue>;
    if (change.action === 'create' && !(await createPolicy(ctx.http, ctx.realm, body)).exists) return;
    await updatePolicy(ctx.http, ctx.realm, change.id, body);
  },
  export: (observed) => observed,
};
