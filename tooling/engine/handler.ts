/**
 * The interface every object kind implements, modelled on Terraform's provider/resource interface:
 * the core (observe, plan, apply, export) walks objects and the dependency graph and knows no kind;
 * a kind knows its REST module, its identity, how to normalise what the server adds, how to create,
 * update and delete, its implicit dependencies, and nothing of the graph.
 */
import type { AmHttp } from '../rest/http.js';
import type { Diagnostic } from '../diagnostics.js';
import type { AnyChange, Change, DesiredObject, JsonValue, ObjectKind, Observed, ObservedObject, PlanEnvironment, Ref, Secrets, Spec } from './model.js';

/**
 * static: reaches staging and production only through AIC's promotion (scripts, journeys);
 * dynamic: written in each environment directly (ESVs, agents, clients, policy engine objects).
 */
export type ConfigurationClass = 'static' | 'dynamic';

export interface ReadContext {
  http: AmHttp;
  realm: string;
  amVersion: string;
  cookieName: string;
  secrets: Secrets;
  /** Every desired object, of every kind (a kind may read what another kind's objects name). */
  desired: readonly DesiredObject[];
  /** One read shared by the kinds that need it (e.g. the ESV lists), made once per run. */
  memo<T>(key: string, load: () => Promise<T>): Promise<T>;
}

export interface PlanOptions {
  /** A policy the tool did not write, in a policy set it manages: a warning instead of a delete. */
  keepForeignPolicies?: boolean;
  /** The environment (immutable static configuration, locked, tier); a mutable development one when absent. */
  environment?: Partial<Omit<PlanEnvironment, 'directConfiguration'>>;
  /** Write static configuration in an immutable environment through a direct configuration session. */
  directConfiguration?: boolean;
  /**
   * In a development environment with upper environments: delete static configuration no longer
   * wanted (e.g. the other script engine's scripts). Off by default, because the upper environments
   * still run it until they have switched, and a promotion would take it from them.
   */
  pruneStatic?: boolean;
}

export interface PlanContext {
  realm: string;
  amVersion: string;
  secrets: Secrets;
  options: PlanOptions;
  /** The referenced field, or undefined (the planner then reports the ref's problem); records an edge. */
  resolve(ref: Ref): string | undefined;
  observed<K extends ObjectKind>(kind: K, id: string): Observed<K> | undefined;
  observedOf<K extends ObjectKind>(kind: K): readonly ObservedObject<K>[];
  desired<K extends ObjectKind>(kind: K, id: string): Spec<K> | undefined;
  /** A change already planned (upserts are planned before deletes, so deletes see every upsert). */
  planned<K extends ObjectKind>(kind: K, id: string): Change<K> | undefined;
  report(diagnostic: Diagnostic): void;
}

export interface ApplyContext {
  http: AmHttp;
  realm: string;
  amVersion: string;
  cookieName: string;
  secrets: Secrets;
}

export interface KindHandler<K extends ObjectKind> {
  readonly kind: K;
  readonly configuration: ConfigurationClass;
  /**
   * The tenant's objects of this kind the tool may manage: those desired, those `retired` (ids the
   * tool uses in another configuration, e.g. the other script engine's scripts), and leftovers.
   */
  read(ctx: ReadContext, desired: readonly DesiredObject<K>[], retired: readonly string[]): Promise<ObservedObject<K>[]>;
  /**
   * Fields other objects may reference (e.g. a script's _id): from the planned change when the object
   * is desired (what the tenant has, or what create will give it), else from the tenant's object.
   */
  identity(change: Change<K> | undefined, observed: Observed<K> | undefined): Record<string, string>;
  /**
   * The changes that make the tenant hold `desired`; `desired` undefined means the object is no
   * longer wanted (return a delete, or nothing when the tool does not own it).
   */
  plan(id: string, desired: Spec<K> | undefined, observed: Observed<K> | undefined, ctx: PlanContext): Change<K>[];
  /** Edges that are not references (a tree needs its nodes, a policy its policy set), as change keys. */
  dependencies?(change: Change<K>, all: readonly AnyChange[]): string[];
  apply(change: Change<K>, ctx: ApplyContext): Promise<void>;
  /** The object as `export` writes it (deterministic, readable, no secret). */
  export(observed: Observed<K>): JsonValue;
}

export type Registry = { [K in ObjectKind]: KindHandler<K> };
