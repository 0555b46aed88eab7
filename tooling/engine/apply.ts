/**
 * Applies a plan: each change runs as soon as the changes it depends on have succeeded (bounded by
 * the REST client's concurrency limit); a failure skips only its dependents; deletes run after every
 * create and update has settled; the restart step runs once, after the writes it loads. Knows no
 * kind: a change is handed to its kind's handler. Takes the plan and the secrets it writes, nothing
 * else. Must not decide what changes.
 */
import { AmError, type AmHttp } from '../rest/http.js';
import { error, type Diagnostic } from '../diagnostics.js';
import type { ApplyContext } from './handler.js';
import { handlerFor } from './kinds/index.js';
import { changeKey, RESTART_KEY, type AnyChange, type Plan, type Secrets } from './model.js';

export type StepStatus = 'done' | 'failed' | 'skipped' | 'deferred' | 'blocked';

export interface ProgressEvent {
  /** The change, or undefined for the restart step. */
  change?: AnyChange;
  status: StepStatus;
  message?: string;
  done: number;
  total: number;
}

export interface ApplyResult {
  done: AnyChange[];
  failed: { change: AnyChange; diagnostic: Diagnostic }[];
  skipped: { change: AnyChange; reason: string }[];
  /** Waiting for a restart this run did not make (--no-restart): done by the next deploy. */
  deferred: { change: AnyChange; reason: string }[];
  /** Static configuration awaiting a promotion, and what depends on it: done by a deploy after the promotion. */
  blocked: { change: AnyChange; reason: string }[];
  restart: 'not-needed' | 'done' | 'failed' | 'deferred';
  restartFailure?: Diagnostic;
}

export interface ApplyOptions {
  http: AmHttp;
  cookieName: string;
  secrets: Secrets;
  /** Restarts the tenant and waits until it is ready; undefined: the restart is deferred (--no-restart). */
  restart?: () => Promise<void>;
  /**
   * Static configuration in an immutable environment through a direct configuration session: opened
   * before the first static write (the client to write with), closed (applied) once every step is done.
   */
  staticSession?: { open(): Promise<AmHttp>; close(): Promise<void> };
  onProgress?: (event: ProgressEvent) => void;
}

/** One line: the object, the HTTP status and AM's message (already free of secrets). */
function failure(change: AnyChange, thrown: unknown): Diagnostic {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const detail = thrown instanceof AmError && thrown.status !== undefined ? `HTTP ${thrown.status}` : undefined;
  return error('tenant', 'apply.failed', `${change.action} failed: ${message}`, { object: changeKey(change), ...(detail ? { detail } : {}) });
}

export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<ApplyResult> {
  const ctx: ApplyContext = { http: options.http, realm: plan.realm, amVersion: plan.amVersion, cookieName: options.cookieName, secrets: options.secrets };
  const work = plan.changes.filter((c) => c.action !== 'noop');
  const result: ApplyResult = { done: [], failed: [], skipped: [], deferred: [], blocked: [], restart: plan.restart ? 'deferred' : 'not-needed' };
  let session: Promise<AmHttp> | undefined;
  const httpFor = (change: AnyChange) => (options.staticSession && handlerFor(change.kind).configuration === 'static' ? (session ??= options.staticSession.open()) : Promise.resolve(options.http));
  const outcome = new Map<string, Promise<StepStatus>>();
  const total = work.length + (plan.restart ? 1 : 0);
  let finished = 0;
  const report = (change: AnyChange | undefined, status: StepStatus, message?: string) => {
    finished += 1;
    options.onProgress?.({ change, status, message, done: finished, total });
  };

  /** Waits for the steps `keys` name; returns those that did not succeed. */
  const blockers = async (keys: string[]) => {
    const blocking: { key: string; status: StepStatus }[] = [];
    for (const key of keys) {
      const status = await outcome.get(key);
      if (status && status !== 'done') blocking.push({ key, status });
    }
    return blocking;
  };

  const run = async (change: AnyChange, after: Promise<unknown>[]): Promise<StepStatus> => {
    await Promise.all(after);
    if (change.action === 'promote') {
      result.blocked.push({ change, reason: change.reason ?? 'awaits a promotion' });
      report(change, 'blocked', change.reason);
      return 'blocked';
    }
    const blocking = await blockers(change.dependsOn);
    if (blocking.some((b) => b.status === 'blocked') && blocking.every((b) => b.status === 'blocked' || b.status === 'deferred')) {
      const reason = `held until a promotion brings ${blocking.filter((b) => b.status === 'blocked').map((b) => b.key).join(', ')}`;
      result.blocked.push({ change, reason });
      report(change, 'blocked', reason);
      return 'blocked';
    }
    if (blocking.length && blocking.every((b) => b.status === 'deferred')) {
      const reason = `waits for the tenant restart (${blocking.map((b) => b.key).join(', ')}); run deploy again after restarting`;
      result.deferred.push({ change, reason });
      report(change, 'deferred', reason);
      return 'deferred';
    }
    if (blocking.length) {
      const reason = `depends on ${blocking.map((b) => b.key).join(', ')}, which did not succeed`;
      result.skipped.push({ change, reason });
      report(change, 'skipped', reason);
      return 'skipped';
    }
    try {
      await handlerFor(change.kind).apply(change as never, { ...ctx, http: await httpFor(change) });
      result.done.push(change);
      report(change, 'done');
      return 'done';
    } catch (thrown) {
      const diagnostic = failure(change, thrown);
      result.failed.push({ change, diagnostic });
      report(change, 'failed', diagnostic.message);
      return 'failed';
    }
  };

  const runRestart = async (after: Promise<unknown>[]): Promise<StepStatus> => {
    // Load whatever got written: a failed write does not make the others wait for the next run.
    await Promise.all([...after, ...plan.restart!.dependsOn.map((key) => outcome.get(key))]);
    if (!options.restart) {
      report(undefined, 'deferred', 'the restart was not requested (--no-restart)');
      return 'deferred';
    }
    try {
      await options.restart();
      result.restart = 'done';
      report(undefined, 'done');
      return 'done';
    } catch (thrown) {
      result.restart = 'failed';
      result.restartFailure = error('tenant', 'apply.restart-failed', thrown instanceof Error ? thrown.message : String(thrown), { object: RESTART_KEY });
      report(undefined, 'failed', result.restartFailure.message);
      return 'failed';
    }
  };

  // Register every step before any runs, so dependencies resolve whatever the list order.
  let release!: () => void;
  const registered = new Promise<void>((resolve) => (release = resolve));
  for (const change of work.filter((c) => c.action !== 'delete')) outcome.set(changeKey(change), run(change, [registered]));
  if (plan.restart) outcome.set(RESTART_KEY, runRestart([registered]));
  const upsertsSettled = Promise.all([...outcome.values()]);
  for (const change of work.filter((c) => c.action === 'delete')) outcome.set(changeKey(change), run(change, [registered, upsertsSettled]));
  release();
  await Promise.all([...outcome.values()]);
  if (session) {
    try {
      await session;
      await options.staticSession!.close();
    } catch (thrown) {
      result.failed.push({ change: work.find((c) => handlerFor(c.kind).configuration === 'static')!, diagnostic: error('tenant', 'apply.direct-configuration', `the direct configuration session failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`) });
    }
  }
  return result;
}
