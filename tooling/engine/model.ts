/**
 * The engine's core types: desired and observed objects, references between them, changes and the
 * plan. Owns no kind: each kind declares its own types by augmenting `KindModel` in its handler file
 * (kinds/*.ts), and the registry (kinds/index.ts) must then hold a handler for it or type-checking
 * fails. Must not know REST paths or HTTP.
 */
import type { JsonObject, JsonValue } from '../../common/json.js';
import type { Diagnostic } from '../diagnostics.js';

export type { JsonObject, JsonValue };

/**
 * Kind name → its types: `spec` (what the access configuration asks for; may hold Refs), `observed`
 * (the tenant's object, normalised to comparable domain values) and `payload` (what apply writes,
 * references resolved). Augmented by every kind file:
 *   declare module '../model.js' { interface KindModel { script: { spec: …; observed: …; payload: … } } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface KindModel {}

export type ObjectKind = keyof KindModel;
type Model<K extends ObjectKind> = KindModel[K] extends { spec: unknown; observed: unknown; payload: unknown } ? KindModel[K] : never;
export type Spec<K extends ObjectKind> = Model<K>['spec'];
export type Observed<K extends ObjectKind> = Model<K>['observed'];
export type Payload<K extends ObjectKind> = Model<K>['payload'];

/** Appended to the description of objects the tool creates; only marked objects are ever deleted. */
export const MANAGED_MARKER = '[managed-by:aic-api-to-api]';

export const isManagedDescription = (description: unknown): boolean => typeof description === 'string' && description.includes(MANAGED_MARKER);

/**
 * Replaces the managed marker on an object that existed before the tool first wrote it (an ESV the
 * article has you create by hand): the tool keeps it in line with the configuration, but never
 * deletes it, since it cannot know what else reads it.
 */
export const ADOPTED_MARKER = '[adopted-by:aic-api-to-api]';

export const isAdoptedDescription = (description: unknown): boolean => typeof description === 'string' && description.includes(ADOPTED_MARKER);

/** The description an adopted object is kept at: the configured one, marked as adopted rather than created. */
export const adoptedDescription = (description: string): string => description.replace(MANAGED_MARKER, ADOPTED_MARKER);

/**
 * A field of another object, resolved by the planner (the tenant's value when it has the object,
 * otherwise what its create will give it). Resolving one adds a dependency edge.
 */
export interface Ref {
  $ref: { kind: ObjectKind; id: string; field: string; /** Said when neither desired nor in the tenant. */ missing?: string };
}

export const ref = (kind: ObjectKind, id: string, field: string, missing?: string): Ref => ({ $ref: { kind, id, field, ...(missing ? { missing } : {}) } });

export interface DesiredObject<K extends ObjectKind = ObjectKind> {
  kind: K;
  /** What the tool addresses it by (ESV id, script name, agent id, node uuid, tree name, …); unique within a kind. */
  id: string;
  spec: Spec<K>;
}

/** Names of the secrets a run knows; values travel beside the plan, never inside it. */
export type SecretName = 'gatewaySecret';
export type Secrets = Readonly<Record<SecretName, string>>;

export interface DesiredState {
  realm: string;
  objects: DesiredObject[];
  /** Objects the tool writes under another configuration (e.g. the other script engine): read, and deleted when present and marked. */
  retired: { kind: ObjectKind; id: string }[];
}

export interface ObservedObject<K extends ObjectKind = ObjectKind> {
  kind: K;
  id: string;
  state: Observed<K>;
  /** The tenant holds values of this object that load only at the next restart. */
  pendingRestart?: boolean;
}

export interface ObservedState {
  realm: string;
  objects: ObservedObject[];
  /** AM version from serverinfo/version, e.g. "8.1.0" (chooses the node API form). */
  amVersion: string;
  cookieName: string;
}

/**
 * `replace`: delete, then create (a property the tenant cannot change in place). `promote`: static
 * configuration an immutable environment (staging, production) gets only by AIC's promotion from
 * the lower one: never written by the tool, and what depends on it waits. Every other action but
 * noop writes.
 */
export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'promote' | 'noop';

export interface FieldChange {
  path: string;
  before: JsonValue | undefined;
  after: JsonValue | undefined;
  /** Secret values: rendered as "(sensitive value changes)", never with values. */
  sensitive?: boolean;
}

export interface Change<K extends ObjectKind = ObjectKind> {
  kind: K;
  /** The object's id; a kind that writes one object in two steps gives the second its own id. */
  id: string;
  action: ChangeAction;
  /** Why, when it is not obvious from the diff (drift, a replace, a rotation step). */
  reason?: string;
  diff: FieldChange[];
  payload: Payload<K>;
  /** Keys (`kind:id`, or RESTART_KEY) of changes that must succeed before this one runs. */
  dependsOn: string[];
  /** The write takes effect only after a tenant restart (ESVs). */
  loadsAtRestart?: boolean;
}

export const RESTART_KEY = 'tenant:restart';

export type AnyChange = { [K in ObjectKind]: Change<K> }[ObjectKind];

export function changeKey(change: { kind: string; id: string }): string {
  return `${change.kind}:${change.id}`;
}

/** The tenant restart that loads pending ESV values: a step of the plan, run once. */
export interface RestartStep {
  /** What the restart loads (ESV ids), for the plan output. */
  loads: string[];
  /** Keys of the changes the restart waits for. */
  dependsOn: string[];
  /** Pending values an earlier, interrupted run left. */
  pendingFromEarlier: string[];
}

/** The environment the plan is for (GET /environment/info). */
export interface PlanEnvironment {
  immutable: boolean;
  locked: boolean;
  tier: string;
  /** An upper environment exists, which may still run static configuration this one stops using. */
  hasUpper: boolean;
  /** Static configuration is written through a direct configuration session (tenants that offer one). */
  directConfiguration: boolean;
}

export interface Plan {
  realm: string;
  amVersion: string;
  environment: PlanEnvironment;
  changes: AnyChange[];
  restart?: RestartStep;
  /** Errors: nothing may be applied. Warnings: printed, the deploy proceeds. */
  diagnostics: Diagnostic[];
}

export const planErrors = (plan: Plan) => plan.diagnostics.filter((d) => d.severity === 'error');
export const planWarnings = (plan: Plan) => plan.diagnostics.filter((d) => d.severity === 'warning');
