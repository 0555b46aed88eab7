/**
 * The data model shared by desired state, observed state, the planner and apply.
 * Owns: the shape of a managed object and of a plan. Must not know REST paths or HTTP.
 */

export type ObjectKind =
  | 'esv'
  | 'script'
  | 'ig-agent'
  | 'journey-node'
  | 'journey'
  | 'resource-type'
  | 'policy-set'
  | 'policy'
  | 'oauth2-client';

/** Apply order: every kind depends only on kinds earlier in this list. Deletes run in reverse. */
export const KIND_ORDER: readonly ObjectKind[] = [
  'esv',
  'script',
  'ig-agent',
  'journey-node',
  'journey',
  'resource-type',
  'policy-set',
  'policy',
  'oauth2-client',
];

/** Appended to the description of objects the tool creates; only marked objects are ever deleted. */
export const MANAGED_MARKER = '[managed-by:aic-api-to-api]';

/**
 * A reference to a field of another managed object, resolved by the planner against the tenant
 * (observed value when the object exists there, otherwise the desired value).
 * Example: a policy's resourceTypeUuid = { $ref: { kind: 'resource-type', id: 'orders-api', field: 'uuid' } }.
 */
export interface Ref {
  /** `missing`: the problem to report when the object is neither desired nor in the tenant (e.g. a
   * built-in object the tool looks up but never creates). */
  $ref: { kind: ObjectKind; id: string; field: string; missing?: string };
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
/** A body before references are resolved may hold Ref objects anywhere a value may be. */
export type Body = { [key: string]: Json | Ref | Body | Array<Json | Ref | Body> };

export interface ManagedObject {
  kind: ObjectKind;
  /** What the tool addresses it by: ESV id, script name, agent id, node uuid, tree name,
   * resource type name, policy set name, policy name, client id. Unique within a kind. */
  id: string;
  /** Only the fields the tool manages, in the shape the REST API uses (unwrapped where AM wraps). */
  body: Body;
  /** Kind-specific extras the REST layer needs (e.g. node type/version, ESV type). */
  meta?: Record<string, string>;
  /** Created when missing, otherwise left exactly as the tenant holds it (a built-in object the
   * tool needs but does not own, e.g. AM's default scopes policy set). */
  createOnly?: boolean;
}

/** A dynamic-scope rule's scope, to check against a client's allowed scopes in the tenant. */
export interface ScopeCheck {
  clientId: string;
  /** The scope a rule names, and where (e.g. `scopePolicies.rules[0]`). */
  scopes: { scope: string; at: string }[];
}

export interface DesiredState {
  realm: string;
  objects: ManagedObject[];
  /** ESV secret id (and 'ig-agent:<id>' for the agent password) -> value. Never rendered. */
  secretValues: Record<string, string>;
  /** Checks the planner makes against the tenant's clients; they give warnings, not problems. */
  scopeChecks?: ScopeCheck[];
}

export interface ObservedObject {
  kind: ObjectKind;
  id: string;
  /** The tenant's object as read (full), used for diffs and to resolve Refs. */
  body: JsonObject;
  meta?: Record<string, string>;
}

export interface ObservedState {
  realm: string;
  objects: ObservedObject[];
  /** AM version string from serverinfo/version, e.g. "8.1.0". */
  amVersion: string;
  cookieName: string;
}

export type ChangeAction = 'create' | 'update' | 'delete' | 'noop';

export interface FieldChange {
  path: string;
  before: Json | undefined;
  after: Json | undefined;
  /** True when the values are secret: rendered as "(sensitive)". */
  sensitive?: boolean;
}

export interface Change {
  action: ChangeAction;
  kind: ObjectKind;
  id: string;
  /** Resolved desired body (references replaced), what apply writes for create/update. */
  after?: JsonObject;
  before?: JsonObject;
  diff: FieldChange[];
  meta?: Record<string, string>;
  /** Keys (`kind:id`) of changes that must succeed before this one runs. */
  dependsOn: string[];
}

export function changeKey(change: { kind: ObjectKind; id: string }): string {
  return `${change.kind}:${change.id}`;
}

export interface Plan {
  realm: string;
  changes: Change[];
  /** ESV writes leave values pending until a tenant restart. */
  restartNeeded: boolean;
  amVersion: string;
  /** Problems found while planning (e.g. a consumer client missing in the tenant): nothing may be applied. */
  problems: string[];
  /** Findings that do not stop a deploy (e.g. a scope rule a client can never use); printed by plan and deploy. */
  warnings: string[];
}
