/**
 * The planner: a pure function from desired state and observed state to a plan.
 * Owns: reference resolution, field-level diffs, what is deleted, dependency edges.
 * Must not touch HTTP, the file system or the clock.
 */
import { deterministicUuid } from './ids.js';
import {
  KIND_ORDER,
  MANAGED_MARKER,
  changeKey,
  type Body,
  type Change,
  type DesiredState,
  type FieldChange,
  type Json,
  type JsonObject,
  type ManagedObject,
  type ObjectKind,
  type ObservedObject,
  type ObservedState,
  type Plan,
  type Ref,
} from './model.js';
import { digestMatches, stripDigest } from './secret-digest.js';

/** Kinds the tool deletes when the access file no longer names them (only marked objects). */
const DELETABLE_KINDS: readonly ObjectKind[] = ['policy', 'policy-set', 'resource-type'];
/** Kinds a consumer client switch waits for: the whole policy-evaluation machinery. */
const CLIENT_PREREQUISITE_KINDS: readonly ObjectKind[] = ['esv', 'script', 'ig-agent', 'journey-node', 'journey'];

function isRef(value: unknown): value is Ref {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && '$ref' in value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Arrays of primitives are compared as sets: AM does not keep their order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    const allPrimitive = items.every((item) => item === null || typeof item !== 'object');
    return allPrimitive ? [...items].sort((a, b) => String(a).localeCompare(String(b))) : items;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = canonical(value[key]);
    return out;
  }
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** The observed body reduced to the keys the desired body manages (recursively for objects). */
function project(observed: unknown, desired: unknown): Json | undefined {
  if (isPlainObject(desired) && isPlainObject(observed)) {
    const out: JsonObject = {};
    for (const key of Object.keys(desired)) {
      const value = project(observed[key], desired[key]);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  return observed as Json | undefined;
}

function diffFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isPlainObject(after) && isPlainObject(before)) {
    const changes: FieldChange[] = [];
    for (const key of Object.keys(after).sort()) {
      changes.push(...diffFields(before[key], after[key], path ? `${path}.${key}` : key));
    }
    return changes;
  }
  if (sameValue(before, after)) return [];
  return [{ path: path || '(value)', before: before as Json | undefined, after: after as Json | undefined }];
}

interface PlanContext {
  realm: string;
  observed: Map<string, ObservedObject>;
  resolved: Map<string, JsonObject>;
  problems: string[];
}

/** Identity fields the tenant assigns; taken from the tenant when the object already exists there. */
function withTenantIdentity(object: ManagedObject, observed: ObservedObject | undefined, realm: string, body: JsonObject): JsonObject {
  if (object.kind === 'script') {
    return { ...body, _id: (observed?.body._id as string | undefined) ?? deterministicUuid(`script:${realm}:${object.id}`) };
  }
  if (object.kind === 'resource-type' && observed?.body.uuid) {
    return { ...body, uuid: observed.body.uuid };
  }
  return body;
}

function resolveBody(body: Body | Json | Ref | Array<Json | Ref | Body>, ctx: PlanContext, owner: string, refs: Set<string>): Json {
  if (isRef(body)) {
    const target = `${body.$ref.kind}:${body.$ref.id}`;
    refs.add(target);
    const value = ctx.resolved.get(target)?.[body.$ref.field] ?? ctx.observed.get(target)?.body[body.$ref.field];
    if (value === undefined) {
      ctx.problems.push(`${owner}: ${body.$ref.missing ?? `refers to ${target} (${body.$ref.field}), which is neither desired nor in the tenant`}`);
      return null;
    }
    return value;
  }
  if (Array.isArray(body)) return body.map((item) => resolveBody(item, ctx, owner, refs));
  if (isPlainObject(body)) {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(body)) out[key] = resolveBody(value as Body, ctx, owner, refs);
    return out;
  }
  return body;
}

function planEsv(object: ManagedObject, after: JsonObject, observed: ObservedObject | undefined, desired: DesiredState, ctx: PlanContext): Change {
  const key = changeKey(object);
  const desiredType = object.meta?.esvType ?? 'variable';
  const observedType = observed?.meta?.esvType;
  // An ESV that already exists as a secret (as the article sets them up) stays a secret.
  const managedAs = observedType ?? desiredType;
  if (observed && desiredType === 'secret' && observedType === 'variable') {
    ctx.problems.push(`${key}: exists in the tenant as a variable, but holds a secret; delete it so the tool can create it as a secret`);
  }
  if (managedAs === 'variable') {
    if (!observed) return { action: 'create', kind: object.kind, id: object.id, after, diff: diffFields({}, after), meta: { esvType: 'variable' }, dependsOn: [] };
    const before = project(observed.body, after) as JsonObject;
    const diff = diffFields(before, after);
    return { action: diff.length ? 'update' : 'noop', kind: object.kind, id: object.id, after, before, diff, meta: { esvType: 'variable' }, dependsOn: [] };
  }
  const value = desired.secretValues[object.id] ?? (typeof after.value === 'string' ? after.value : undefined);
  if (value === undefined) {
    ctx.problems.push(`${key}: no value given for this secret`);
    return { action: 'noop', kind: object.kind, id: object.id, diff: [], dependsOn: [] };
  }
  const description = String(after.description ?? '');
  const secretAfter: JsonObject = {
    description,
    encoding: (after.encoding as Json) ?? 'generic',
    useInPlaceholders: (after.useInPlaceholders as Json) ?? false,
  };
  const valueField: FieldChange = { path: 'value', before: undefined, after: undefined, sensitive: true };
  if (!observed) {
    return { action: 'create', kind: object.kind, id: object.id, after: secretAfter, diff: [...diffFields({}, secretAfter), valueField], meta: { esvType: 'secret' }, dependsOn: [] };
  }
  const observedDescription = String(observed.body.description ?? '');
  const diff: FieldChange[] = [];
  if (stripDigest(observedDescription) !== stripDigest(description)) {
    diff.push({ path: 'description', before: stripDigest(observedDescription), after: description });
  }
  const valueChanged = !digestMatches(observedDescription, value);
  if (valueChanged) diff.push(valueField);
  return {
    action: diff.length ? 'update' : 'noop',
    kind: object.kind,
    id: object.id,
    after: secretAfter,
    before: { description: stripDigest(observedDescription) },
    diff,
    meta: { esvType: 'secret', valueChanged: String(valueChanged) },
    dependsOn: [],
  };
}

function planObject(object: ManagedObject, desired: DesiredState, ctx: PlanContext): Change {
  const key = changeKey(object);
  const observed = ctx.observed.get(key);
  const refs = new Set<string>();
  const resolved = withTenantIdentity(object, observed, ctx.realm, resolveBody(object.body, ctx, key, refs) as JsonObject);
  ctx.resolved.set(key, resolved);
  if (object.kind === 'esv') return planEsv(object, resolved, observed, desired, ctx);

  const dependsOn = [...refs];
  if (object.kind === 'oauth2-client' && !observed) {
    const overrides = object.body.overrideOAuth2ClientConfig as Body | undefined;
    const onlyDynamic = !!overrides && 'usePolicyEngineForScope' in overrides && !('validateScopeScript' in overrides);
    const what = onlyDynamic ? 'OAuth2 client (listed in scopePolicies.clients)' : 'consumer client';
    ctx.problems.push(`${key}: ${what} "${object.id}" does not exist in realm ${ctx.realm}; create it first (the tool only sets its overrides)`);
  }
  if (object.createOnly && observed) return planCreateOnly(object, resolved, observed, ctx);
  if (!observed) {
    return { action: 'create', kind: object.kind, id: object.id, after: resolved, diff: diffFields({}, resolved), meta: object.meta, dependsOn };
  }
  const before = project(observed.body, resolved) as JsonObject;
  const diff = diffFields(before, resolved);
  return { action: diff.length ? 'update' : 'noop', kind: object.kind, id: object.id, after: resolved, before, diff, meta: { ...observed.meta, ...object.meta }, dependsOn };
}

/**
 * An object the tool creates when missing but does not own (AM's default scopes policy set): left as
 * the tenant holds it. A policy set without the resource types the tool's policies need would make
 * every policy write fail, so that is a problem before anything is written.
 */
function planCreateOnly(object: ManagedObject, resolved: JsonObject, observed: ObservedObject, ctx: PlanContext): Change {
  if (object.kind === 'policy-set' && Array.isArray(resolved.resourceTypeUuids)) {
    const present = Array.isArray(observed.body.resourceTypeUuids) ? observed.body.resourceTypeUuids : [];
    const lacking = resolved.resourceTypeUuids.filter((uuid) => uuid !== null && !present.includes(uuid));
    if (lacking.length) ctx.problems.push(`${changeKey(object)}: exists in the tenant without resource type ${lacking.map(String).join(', ')}; the tool does not rewrite a policy set it did not create: add the resource type to it`);
  }
  ctx.resolved.set(changeKey(object), observed.body);
  return { action: 'noop', kind: object.kind, id: object.id, before: observed.body, diff: [], meta: object.meta, dependsOn: [] };
}

/** Unwrapped list of a client's allowed scopes (AM wraps core values as {inherited, value}). */
function allowedScopesOf(client: ObservedObject): string[] {
  const core = client.body.coreOAuth2ClientConfig;
  const scopes = isPlainObject(core) ? core.scopes : undefined;
  const list = isPlainObject(scopes) && 'value' in scopes ? scopes.value : scopes;
  // AM allows "scope|description" entries (a description for the consent page).
  return Array.isArray(list) ? list.map((entry) => String(entry).split('|')[0]) : [];
}

/** A dynamic-scope rule naming a scope a listed client does not allow can never decide that client's tokens. */
function scopeWarnings(desired: DesiredState, ctx: PlanContext): string[] {
  const warnings: string[] = [];
  for (const check of desired.scopeChecks ?? []) {
    const client = ctx.observed.get(`oauth2-client:${check.clientId}`);
    if (!client) continue; // already a problem
    const allowed = allowedScopesOf(client);
    for (const { scope, at } of check.scopes) {
      if (!allowed.includes(scope)) warnings.push(`${at}: client "${check.clientId}" does not allow scope "${scope}" (its scopes: ${allowed.join(' ') || 'none'}); the rule can never apply to its tokens`);
    }
  }
  return warnings;
}

/**
 * A client left using a scopes policy set this plan deletes would fail every token request: a
 * problem, so nothing is written until the client is switched off or away (the tool never switches
 * clients back: it cannot know how they were before).
 */
function checkScopesPolicySetsInUse(deletes: Change[], changes: Change[], ctx: PlanContext): void {
  for (const change of deletes) {
    if (change.kind !== 'policy-set') continue;
    for (const client of ctx.observed.values()) {
      if (client.kind !== 'oauth2-client') continue;
      const planned = changes.find((c) => c.kind === 'oauth2-client' && c.id === client.id)?.after?.overrideOAuth2ClientConfig;
      const overrides = { ...(isPlainObject(client.body.overrideOAuth2ClientConfig) ? client.body.overrideOAuth2ClientConfig : {}), ...(isPlainObject(planned) ? planned : {}) };
      if (overrides.providerOverridesEnabled === true && overrides.usePolicyEngineForScope === true && overrides.scopesPolicySet === change.id) {
        ctx.problems.push(`${changeKey(change)}: would be deleted, but client "${client.id}" still uses it for scope decisions; set its usePolicyEngineForScope to false (or keep the set in scopePolicies) first`);
      }
    }
  }
}

function isManaged(object: ObservedObject): boolean {
  return typeof object.body.description === 'string' && object.body.description.includes(MANAGED_MARKER);
}

function planDeletes(desiredKeys: Set<string>, observed: ObservedState): Change[] {
  const deletes = observed.objects
    .filter((object) => DELETABLE_KINDS.includes(object.kind) && isManaged(object) && !desiredKeys.has(changeKey(object)))
    .map<Change>((object) => ({ action: 'delete', kind: object.kind, id: object.id, before: object.body, diff: [], meta: object.meta, dependsOn: [] }));
  // A container is deleted only after what it contains is gone.
  for (const change of deletes) {
    if (change.kind === 'policy-set') {
      change.dependsOn = deletes.filter((d) => d.kind === 'policy' && d.before?.applicationName === change.id).map(changeKey);
    } else if (change.kind === 'resource-type') {
      const uuid = change.before?.uuid;
      change.dependsOn = deletes
        .filter((d) => d.kind === 'policy-set' && Array.isArray(d.before?.resourceTypeUuids) && d.before.resourceTypeUuids.includes(uuid as Json))
        .map(changeKey);
    }
  }
  return deletes;
}

export function computePlan(desired: DesiredState, observed: ObservedState): Plan {
  const ctx: PlanContext = {
    realm: desired.realm,
    observed: new Map(observed.objects.map((object) => [changeKey(object), object])),
    resolved: new Map(),
    problems: [],
  };
  const byKind = (a: ManagedObject, b: ManagedObject) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.id.localeCompare(b.id);
  const ordered = [...desired.objects].sort(byKind);
  const seen = new Set<string>();
  const changes: Change[] = [];
  for (const object of ordered) {
    const key = changeKey(object);
    if (seen.has(key)) {
      ctx.problems.push(`${key}: defined twice in the desired state`);
      continue;
    }
    seen.add(key);
    changes.push(planObject(object, desired, ctx));
  }
  linkImplicitDependencies(changes);
  markAgentPasswordChanges(changes, desired);
  const deletes = planDeletes(seen, observed);
  checkScopesPolicySetsInUse(deletes, changes, ctx);
  changes.push(...deletes);
  return {
    realm: desired.realm,
    changes,
    // Pending values left by an earlier, interrupted run count too: re-running converges.
    restartNeeded:
      changes.some((c) => c.kind === 'esv' && (c.action === 'create' || c.action === 'update')) ||
      observed.objects.some((o) => o.kind === 'esv' && seen.has(changeKey(o)) && o.meta?.loaded === 'false'),
    amVersion: observed.amVersion,
    problems: ctx.problems,
    warnings: scopeWarnings(desired, ctx),
  };
}

/**
 * Edges that are not references: a tree needs its nodes, a page node its inner nodes, a policy its
 * policy set, a client the whole evaluation machinery, and a client switched to the policy engine
 * for scopes its scopes policy set and that set's policies (else its tokens lose every scope meanwhile).
 */
function linkImplicitDependencies(changes: Change[]): void {
  const keysOf = (kinds: readonly ObjectKind[]) => changes.filter((c) => kinds.includes(c.kind)).map(changeKey);
  const nodeKeys = keysOf(['journey-node']);
  const clientPrerequisites = keysOf(CLIENT_PREREQUISITE_KINDS);
  for (const change of changes) {
    const extra: string[] = [];
    if (change.kind === 'journey') extra.push(...nodeKeys);
    // A page node's inner nodes must exist before it.
    if (change.kind === 'journey-node' && Array.isArray(change.after?.nodes)) {
      for (const child of change.after.nodes) if (child && typeof child === 'object' && !Array.isArray(child) && typeof child._id === 'string') extra.push(`journey-node:${child._id}`);
    }
    if (change.kind === 'policy' && typeof change.after?.applicationName === 'string') extra.push(`policy-set:${change.after.applicationName}`);
    if (change.kind === 'oauth2-client') extra.push(...clientPrerequisites);
    const overrides = change.kind === 'oauth2-client' ? change.after?.overrideOAuth2ClientConfig : undefined;
    if (isPlainObject(overrides) && overrides.usePolicyEngineForScope === true && typeof overrides.scopesPolicySet === 'string') {
      const policySet = overrides.scopesPolicySet;
      extra.push(`policy-set:${policySet}`, ...changes.filter((c) => c.kind === 'policy' && c.action !== 'delete' && c.after?.applicationName === policySet).map(changeKey));
    }
    change.dependsOn = [...new Set([...change.dependsOn, ...extra])].filter((key) => key !== changeKey(change));
  }
}

/**
 * The agent's password cannot be read back. It is written when the agent is created, and again
 * whenever the gateway secret ESV's digest shows a new value: the two always carry the same secret.
 */
function markAgentPasswordChanges(changes: Change[], desired: DesiredState): void {
  const secretChanged = changes.some((c) => c.kind === 'esv' && c.meta?.esvType === 'secret' && (c.action === 'create' || c.meta?.valueChanged === 'true'));
  for (const change of changes) {
    if (change.kind !== 'ig-agent' || desired.secretValues[`ig-agent:${change.id}`] === undefined) continue;
    if (change.action === 'noop' && secretChanged) {
      change.action = 'update';
    }
    if (change.action === 'update' && secretChanged) {
      change.diff.push({ path: 'userpassword', before: undefined, after: undefined, sensitive: true });
      change.meta = { ...change.meta, passwordChanged: 'true' };
    }
    if (change.action === 'create') change.meta = { ...change.meta, passwordChanged: 'true' };
  }
}

export function summarize(plan: Plan): Record<'create' | 'update' | 'delete' | 'noop', number> {
  const counts = { create: 0, update: 0, delete: 0, noop: 0 };
  for (const change of plan.changes) counts[change.action] += 1;
  return counts;
}

export function hasChanges(plan: Plan): boolean {
  return plan.changes.some((c) => c.action !== 'noop') || plan.restartNeeded;
}
