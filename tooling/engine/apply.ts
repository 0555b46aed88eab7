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

/** Why a change waits or does not run, from the steps it depends on that did not succeed. */
function verdict(blocking: { key: string; status: StepStatus }[]): { status: Exclude<StepStatus, 'done' | 'failed'>; reason: string } | undefined {
  if (blocking.length === 0) return undefined;
  const keys = (status?: StepStatus) => blocking.filter((b) => !status || b.status === status).map((b) => b.key).join(', ');
  const only = (...statuses: StepStatus[]) => blocking.every((b) => statuses.includes(b.status));
  if (blocking.some((b) => b.status === 'blocked') && only('blocked', 'deferred')) return { status: 'blocked', reason: `held until a promotion brings ${keys('blocked')}` };
  if (only('deferred')) return { status: 'deferred', reason: `waits for the tenant restart (${keys()}); run deploy again after restarting` };
  return { status: 'skipped', reason: `depends on ${keys()}, which did not succeed` };
}

/** One apply of one plan: the steps' outcomes, progress, and the direct configuration session if one is used. */
class ApplyRun {
  readonly result: ApplyResult;
  private readonly outcome = new Map<string, Promise<StepStatus>>();
  private readonly ctx: ApplyContext;
  private readonly total: number;
  private finished = 0;
  private session: Promise<AmHttp> | undefined;

  constructor(private readonly plan: Plan, private readonly options: ApplyOptions, private readonly work: AnyChange[]) {
    this.ctx = { http: options.http, realm: plan.realm, amVersion: plan.amVersion, cookieName: options.cookieName, secrets: options.secrets };
    this.result = { done: [], failed: [], skipped: [], deferred: [], blocked: [], restart: plan.restart ? 'deferred' : 'not-needed' };
    this.total = work.length + (plan.restart ? 1 : 0);
  }

  /** Registers every step before any runs, so dependencies resolve whatever the list order; deletes last. */
  async run(): Promise<ApplyResult> {
    let release!: () => void;
    const registered = new Promise<void>((resolve) => (release = resolve));
    for (const change of this.work.filter((c) => c.action !== 'delete')) this.outcome.set(changeKey(change), this.change(change, [registered]));
    if (this.plan.restart) this.outcome.set(RESTART_KEY, this.restart([registered]));
    const upsertsSettled = Promise.all([...this.outcome.values()]);
    for (const change of this.work.filter((c) => c.action === 'delete')) this.outcome.set(changeKey(change), this.change(change, [registered, upsertsSettled]));
    release();
    await Promise.all([...this.outcome.values()]);
    await this.closeSession();
    return this.result;
  }

  private report(change: AnyChange | undefined, status: StepStatus, message?: string): StepStatus {
    this.finished += 1;
    this.options.onProgress?.({ change, status, message, done: this.finished, total: this.total });
    return status;
  }

  /** Waits for the steps `keys` name; returns those that did not succeed. */
  private async blockers(keys: string[]): Promise<{ key: string; status: StepStatus }[]> {
    const blocking: { key: string; status: StepStatus }[] = [];
    for (const key of keys) {
      const status = await this.outcome.get(key);
      if (status && status !== 'done') blocking.push({ key, status });
    }
    return blocking;
  }

  private async change(change: AnyChange, after: Promise<unknown>[]): Promise<StepStatus> {
    await Promise.all(after);
    const held = change.action === 'promote' ? { status: 'blocked' as const, reason: change.reason ?? 'awaits a promotion' } : verdict(await this.blockers(change.dependsOn));
    if (held) {
      this.result[held.status].push({ change, reason: held.reason });
      return this.report(change, held.status, held.reason);
    }
    try {
      await handlerFor(change.kind).apply(change as never, { ...this.ctx, http: await this.httpFor(change) });
      this.result.done.push(change);
      return this.report(change, 'done');
    } catch (thrown) {
      const diagnostic = failure(change, thrown);
      this.result.failed.push({ change, diagnostic });
      return this.report(change, 'failed', diagnostic.message);
    }
  }

  private async restart(after: Promise<unknown>[]): Promise<StepStatus> {
    // Load whatever got written: a failed write does not make the others wait for the next run.
    await Promise.all([...after, ...this.plan.restart!.dependsOn.map((key) => this.outcome.get(key))]);
    if (!this.options.restart) return this.report(undefined, 'deferred', 'the restart was not requested (--no-restart)');
    try {
      await this.options.restart();
      this.result.restart = 'done';
      return this.report(undefined, 'done');
    } catch (thrown) {
      this.result.restart = 'failed';
      this.result.restartFailure = error('tenant', 'apply.restart-failed', thrown instanceof Error ? thrown.message : String(thrown), { object: RESTART_KEY });
      return this.report(undefined, 'failed', this.result.restartFailure.message);
    }
  }

  private httpFor(change: AnyChange): Promise<AmHttp> {
    const session = this.options.staticSession;
    if (!session || handlerFor(change.kind).configuration !== 'static') return Promise.resolve(this.options.http);
    return (this.session ??= session.open());
  }

  private async closeSession(): Promise<void> {
    if (!this.session) return;
    try {
      await this.session;
      await this.options.staticSession!.close();
    } catch (thrown) {
      const change = this.work.find((c) => handlerFor(c.kind).configuration === 'static')!;
      this.result.failed.push({ change, diagnostic: error('tenant', 'apply.direct-configuration', `the direct configuration session failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`) });
    }
  }
}

export function applyPlan(plan: Plan, options: ApplyOptions): Promise<ApplyResult> {
  return new ApplyRun(plan, options, plan.changes.filter((c) => c.action !== 'noop')).run();
}
