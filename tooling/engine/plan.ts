/**
 * The planner: a pure function from desired state, observed state and the run's secrets to a plan.
 * Owns the walk: every desired object is planned (the objects it references first), then every
 * observed one that is no longer desired; references become dependency edges, handlers add their
 * implicit ones, and a restart step joins the graph when anything loads only at a restart.
 * Knows no kind. Must not touch HTTP, the file system or the clock.
 */
import { error, type Diagnostic } from '../diagnostics.js';
import type { PlanContext, PlanOptions } from './handler.js';
import { handlerFor, KINDS } from './kinds/index.js';
import { changeKey, RESTART_KEY, type AnyChange, type ChangeAction, type Change, type DesiredObject, type DesiredState, type ObjectKind, type ObservedObject, type ObservedState, type Plan, type RestartStep, type Secrets } from './model.js';

export function computePlan(desired: DesiredState, observed: ObservedState, secrets: Secrets, options: PlanOptions = {}): Plan {
  const diagnostics: Diagnostic[] = [];
  const observedByKey = new Map(observed.objects.map((object) => [changeKey(object), object]));
  const desiredByKey = new Map<string, DesiredObject>();
  for (const object of desired.objects) {
    const key = changeKey(object);
    if (desiredByKey.has(key)) diagnostics.push(error('refused', 'plan.duplicate', 'defined twice in the desired state', { object: key }));
    else desiredByKey.set(key, object);
  }
  const planned = new Map<string, Change[]>();
  const inProgress = new Set<string>();

  const planObject = (key: string, kind: ObjectKind, id: string): Change[] => {
    const done = planned.get(key);
    if (done) return done;
    if (inProgress.has(key)) {
      diagnostics.push(error('refused', 'plan.cycle', 'its references form a cycle', { object: key }));
      return [];
    }
    inProgress.add(key);
    const references = new Set<string>();
    const ctx: PlanContext = {
      realm: desired.realm,
      amVersion: observed.amVersion,
      secrets,
      options,
      resolve(target) {
        const targetKey = `${target.$ref.kind}:${target.$ref.id}`;
        references.add(targetKey);
        const targetChanges = desiredByKey.has(targetKey) ? planObject(targetKey, target.$ref.kind, target.$ref.id) : [];
        const main = targetChanges.find((change) => changeKey(change) === targetKey);
        const value = handlerFor(target.$ref.kind).identity(main as never, observedByKey.get(targetKey)?.state as never)[target.$ref.field];
        if (value === undefined) diagnostics.push(error('refused', 'plan.missing-reference', target.$ref.missing ?? `refers to ${targetKey} (${target.$ref.field}), which is neither desired nor in the tenant`, { object: key }));
        return value;
      },
      observed: (k, i) => observedByKey.get(`${k}:${i}`)?.state as never,
      observedOf: (k) => observed.objects.filter((o) => o.kind === k) as never,
      desired: (k, i) => desiredByKey.get(`${k}:${i}`)?.spec as never,
      planned: (k, i) => planned.get(`${k}:${i}`)?.find((c) => c.id === i) as never,
      report: (diagnostic) => diagnostics.push(diagnostic),
    };
    const changes = handlerFor(kind).plan(id, desiredByKey.get(key)?.spec as never, observedByKey.get(key)?.state as never, ctx) as Change[];
    for (const change of changes) change.dependsOn.push(...references);
    planned.set(key, changes);
    inProgress.delete(key);
    return changes;
  };

  for (const object of desired.objects) planObject(changeKey(object), object.kind, object.id);
  // Objects no longer desired last: their handlers see every upsert (e.g. a set still used by a client).
  for (const object of observed.objects) if (!desiredByKey.has(changeKey(object))) planObject(changeKey(object), object.kind, object.id);

  const changes = [...planned.values()].flat() as AnyChange[];
  const environment = { immutable: false, locked: false, tier: 'development', ...options.environment, directConfiguration: options.directConfiguration === true };
  if (environment.immutable && !environment.directConfiguration) for (const change of changes) holdForPromotion(change, environment.tier);
  if (environment.locked && changes.some((c) => c.action !== 'noop' && c.action !== 'promote')) {
    diagnostics.push(error('blocked', 'plan.environment-locked', `the ${environment.tier} environment is locked for a promotion: AIC refuses configuration and ESV writes until it is unlocked; run deploy again once the promotion has finished`));
  }
  const present = new Set(changes.map(changeKey));
  for (const change of changes) {
    const implicit = handlerFor(change.kind).dependencies?.(change as never, changes) ?? [];
    change.dependsOn = [...new Set([...change.dependsOn, ...implicit])].filter((key) => key !== changeKey(change) && (present.has(key) || key === RESTART_KEY)).sort();
  }
  const restart = restartStep(changes, observed.objects, desiredByKey);
  if (!restart) for (const change of changes) change.dependsOn = change.dependsOn.filter((key) => key !== RESTART_KEY);
  return { realm: desired.realm, amVersion: observed.amVersion, environment, changes: displayOrder(changes), restart, diagnostics };
}

/**
 * Static configuration in an immutable environment arrives only by promotion: a change to it is
 * not written here, and whatever depends on it (a client pointing at a script) waits for it.
 */
function holdForPromotion(change: AnyChange, tier: string): void {
  if (change.action === 'noop' || handlerFor(change.kind).configuration !== 'static') return;
  const what = change.action === 'create' ? 'missing here' : change.action === 'delete' ? 'still here but no longer wanted' : 'different here';
  change.reason = `static configuration, ${what}: the ${tier} environment gets it only by promotion from the environment below (npm run promote)`;
  change.action = 'promote';
  change.loadsAtRestart = false;
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
