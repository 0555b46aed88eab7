/**
 * The planner: a pure function from desired state, observed state and the run's secrets to a plan.
 * Owns the walk: every desired object is planned (the objects it references first), then every
 * observed one that is no longer desired; references become dependency edges, handlers add their
 * implicit ones, and a restart step joins the graph when anything loads only at a restart.
 * Knows no kind. Must not touch HTTP, the file system or the clock.
 */
import { error, warning, type Diagnostic } from '../diagnostics.js';
import type { PlanContext, PlanOptions } from './handler.js';
import { handlerFor, KINDS } from './kinds/index.js';
import { changeKey, RESTART_KEY, type AnyChange, type ChangeAction, type Change, type DesiredObject, type DesiredState, type ObjectKind, type ObservedObject, type ObservedState, type Plan, type PlanEnvironment, type RestartStep, type Secrets } from './model.js';

/** The walk over objects: each planned once, the objects it references first; cycles reported. */
class Planner {
  readonly diagnostics: Diagnostic[] = [];
  readonly planned = new Map<string, Change[]>();
  readonly observedByKey: Map<string, ObservedObject>;
  readonly desiredByKey = new Map<string, DesiredObject>();
  private readonly inProgress = new Set<string>();

  constructor(readonly desired: DesiredState, readonly observed: ObservedState, private readonly secrets: Secrets, private readonly options: PlanOptions) {
    this.observedByKey = new Map(observed.objects.map((object) => [changeKey(object), object]));
    for (const object of desired.objects) {
      const key = changeKey(object);
      if (this.desiredByKey.has(key)) this.diagnostics.push(error('refused', 'plan.duplicate', 'defined twice in the desired state', { object: key }));
      else this.desiredByKey.set(key, object);
    }
  }

  /** Every desired object, then what the tenant holds that is no longer desired (its handler sees every upsert). */
  planAll(): AnyChange[] {
    for (const object of this.desired.objects) this.plan(changeKey(object), object.kind, object.id);
    for (const object of this.observed.objects) if (!this.desiredByKey.has(changeKey(object))) this.plan(changeKey(object), object.kind, object.id);
    return [...this.planned.values()].flat() as AnyChange[];
  }

  private plan(key: string, kind: ObjectKind, id: string): Change[] {
    const done = this.planned.get(key);
    if (done) return done;
    if (this.inProgress.has(key)) {
      this.diagnostics.push(error('refused', 'plan.cycle', 'its references form a cycle', { object: key }));
      return [];
    }
    this.inProgress.add(key);
    const references = new Set<string>();
    const changes = handlerFor(kind).plan(id, this.desiredByKey.get(key)?.spec as never, this.observedByKey.get(key)?.state as never, this.context(key, references)) as Change[];
    for (const change of changes) change.dependsOn.push(...references);
    this.planned.set(key, changes);
    this.inProgress.delete(key);
    return changes;
  }

  /** What a handler may ask while planning `owner`; resolving a reference records an edge in `references`. */
  private context(owner: string, references: Set<string>): PlanContext {
    return {
      realm: this.desired.realm,
      amVersion: this.observed.amVersion,
      secrets: this.secrets,
      options: this.options,
      resolve: (target) => {
        const targetKey = `${target.$ref.kind}:${target.$ref.id}`;
        references.add(targetKey);
        const targetChanges = this.desiredByKey.has(targetKey) ? this.plan(targetKey, target.$ref.kind, target.$ref.id) : [];
        const main = targetChanges.find((change) => changeKey(change) === targetKey);
        const value = handlerFor(target.$ref.kind).identity(main as never, this.observedByKey.get(targetKey)?.state as never)[target.$ref.field];
        if (value === undefined) this.diagnostics.push(error('refused', 'plan.missing-reference', target.$ref.missing ?? `refers to ${targetKey} (${target.$ref.field}), which is neither desired nor in the tenant`, { object: owner }));
        return value;
      },
      observed: (k, i) => this.observedByKey.get(`${k}:${i}`)?.state as never,
      observedOf: (k) => this.observed.objects.filter((o) => o.kind === k) as never,
      desired: (k, i) => this.desiredByKey.get(`${k}:${i}`)?.spec as never,
      planned: (k, i) => this.planned.get(`${k}:${i}`)?.find((c) => c.id === i) as never,
      report: (diagnostic) => this.diagnostics.push(diagnostic),
    };
  }
}

export function computePlan(desired: DesiredState, observed: ObservedState, secrets: Secrets, options: PlanOptions = {}): Plan {
  const planner = new Planner(desired, observed, secrets, options);
  const environment = { immutable: false, locked: false, tier: 'development', hasUpper: false, ...options.environment, directConfiguration: options.directConfiguration === true };
  const changes = staticConfigurationRules(planner.planAll(), environment, options, planner.diagnostics);
  if (environment.locked && changes.some((c) => c.action !== 'noop' && c.action !== 'promote')) {
    planner.diagnostics.push(error('blocked', 'plan.environment-locked', `the ${environment.tier} environment is locked for a promotion: AIC refuses configuration and ESV writes until it is unlocked; run deploy again once the promotion has finished`));
  }
  const present = new Set(changes.map(changeKey));
  for (const change of changes) {
    const implicit = handlerFor(change.kind).dependencies?.(change as never, changes) ?? [];
    change.dependsOn = [...new Set([...change.dependsOn, ...implicit])].filter((key) => key !== changeKey(change) && (present.has(key) || key === RESTART_KEY)).sort();
  }
  const restart = restartStep(changes, observed.objects, planner.desiredByKey);
  if (!restart) for (const change of changes) change.dependsOn = change.dependsOn.filter((key) => key !== RESTART_KEY);
  // A cycle among the edges (references and the kinds' own) would make apply wait forever.
  const cycle = findCycle(changes, restart);
  if (cycle) planner.diagnostics.push(error('refused', 'plan.cycle', `the dependencies form a cycle: ${cycle.join(' -> ')}`, { object: cycle[0] }));
  return { realm: desired.realm, amVersion: observed.amVersion, environment, changes: displayOrder(changes), restart, diagnostics: planner.diagnostics };
}

/**
 * What environments allow for static configuration (scripts, journeys). In an immutable one it
 * arrives only by promotion: a create or update is `promote` (not written here; what depends on it
 * waits), and a delete happens with the promotion that brings the removal. In a development
 * environment below others, static configuration no longer wanted is kept unless pruning is asked
 * for: the upper environments may still run it, and a promotion would take it from them.
 */
function staticConfigurationRules(changes: AnyChange[], environment: PlanEnvironment, options: PlanOptions, diagnostics: Diagnostic[]): AnyChange[] {
  const kept: AnyChange[] = [];
  for (const change of changes) {
    const isStatic = change.action !== 'noop' && handlerFor(change.kind).configuration === 'static';
    const promoted = environment.immutable && !environment.directConfiguration;
    if (isStatic && change.action === 'delete' && (promoted || (environment.hasUpper && !options.pruneStatic))) {
      const why = promoted
        ? `no longer wanted; the ${environment.tier} environment loses it with the promotion that brings its removal`
        : `no longer wanted, but kept: the environments above ${environment.tier} may still run it and a promotion would take it from them; once every environment has switched, deploy with --prune-static`;
      diagnostics.push(warning('plan.static-kept', why, { object: changeKey(change) }));
      continue;
    }
    if (isStatic && promoted) {
      const what = change.action === 'create' ? 'missing here' : 'different here';
      change.reason = `static configuration, ${what}: the ${environment.tier} environment gets it only by promotion from the environment below (npm run promote)`;
      change.action = 'promote';
      change.loadsAtRestart = false;
    }
    kept.push(change);
  }
  return kept;
}

/** One dependency cycle among the changes (and the restart step), as the keys along it, or undefined. */
function findCycle(changes: AnyChange[], restart: RestartStep | undefined): string[] | undefined {
  const edges = new Map<string, string[]>(changes.map((c) => [changeKey(c), c.dependsOn]));
  if (restart) edges.set(RESTART_KEY, restart.dependsOn);
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (key: string): string[] | undefined => {
    if (state.get(key) === 'done') return undefined;
    if (state.get(key) === 'open') return [...path.slice(path.indexOf(key)), key];
    state.set(key, 'open');
    path.push(key);
    for (const next of edges.get(key) ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    state.set(key, 'done');
    return undefined;
  };
  for (const key of edges.keys()) {
    const found = visit(key);
    if (found) return found;
  }
  return undefined;
}

/** A restart when this plan writes something that loads only then, or an earlier run left values pending. */
function restartStep(changes: AnyChange[], observed: readonly ObservedObject[], desired: Map<string, DesiredObject>): RestartStep | undefined {
  const loading = changes.filter((c) => c.loadsAtRestart && c.action !== 'noop' && c.action !== 'delete');
  const pendingFromEarlier = observed.filter((o) => o.pendingRestart && desired.has(changeKey(o))).map((o) => o.id);
  if (loading.length === 0 && pendingFromEarlier.length === 0) return undefined;
  return { loads: [...new Set([...loading.map((c) => c.id), ...pendingFromEarlier])].sort(), dependsOn: loading.map(changeKey).sort(), pendingFromEarlier: pendingFromEarlier.sort() };
}

/** Changes in an order people can follow: dependencies first, then by kind (registry order) and id. */
function displayOrder(changes: AnyChange[]): AnyChange[] {
  const byKey = new Map(changes.map((c) => [changeKey(c), c]));
  const depth = new Map<string, number>();
  const depthOf = (change: AnyChange, seen = new Set<string>()): number => {
    const key = changeKey(change);
    const known = depth.get(key);
    if (known !== undefined) return known;
    if (seen.has(key)) return 0;
    seen.add(key);
    const value = change.dependsOn.reduce((max, dep) => Math.max(max, byKey.has(dep) ? depthOf(byKey.get(dep)!, seen) + 1 : 0), 0);
    depth.set(key, value);
    return value;
  };
  const deleting = (c: AnyChange) => (c.action === 'delete' ? 1 : 0);
  return [...changes].sort((a, b) => deleting(a) - deleting(b) || depthOf(a) - depthOf(b) || KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || a.id.localeCompare(b.id));
}

export function summarize(plan: Plan): Record<ChangeAction, number> {
  const counts = { create: 0, update: 0, replace: 0, delete: 0, promote: 0, noop: 0 };
  for (const change of plan.changes) counts[change.action] += 1;
  return counts;
}

export function hasChanges(plan: Plan): boolean {
  return plan.changes.some((c) => c.action !== 'noop') || plan.restart !== undefined;
}
