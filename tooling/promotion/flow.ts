/**
 * The promotion as AIC's documentation runs it, on the upper environment: check the lock is free
 * (a lock held by someone else is reported and left alone — never broken), lock both environments,
 * dry run, read the report (refusing what AIC's dry run refuses and what would delete a script a
 * client points at), promote, poll until done, unlock. Whatever happens after this run took the
 * lock, it releases it — its own lock, by its own id — and a failed promotion says how to roll
 * back. The rollback runs the same way around AIC's rollback. Results and problems are returned
 * (diagnostics), not printed: the CLI renders them. Owns the order of the calls.
 */
import { error, type Diagnostic } from '../diagnostics.js';
import { AmError, type AmHttp } from '../rest/http.js';
import { getLastReport, getLockState, getPromotionStatus, getProvisionalRollbackReport, lockEnvironments, startPromotion, startRollback, unlockEnvironments, type LockState, type PromotionReport, type PromotionStatus } from '../rest/promotion.js';
import { deletedScriptIds, summarizeReport } from './report.js';
import { scriptsInUseDiagnostic } from './preflight.js';
import { waitFor, WaitTimeout, type WaitOptions } from './wait.js';

export interface FlowContext {
  /** A client of the upper environment whose token carries fr:idc:promotion:*. */
  http: AmHttp;
  /** The environment's name as the user gave it (`staging`), for messages and commands. */
  environment: string;
  wait: WaitOptions;
  progress(line: string): void;
  /** The dry-run (or provisional rollback) report, as soon as it is known. */
  onReport?(report: PromotionReport): void;
  /** (client, script) pairs where a client of the environment points at one of these scripts. */
  clientsUsing(scriptIds: string[]): Promise<{ client: string; script: string }[]>;
}

export interface PromoteOptions {
  dryRun: boolean;
  ignoreEncryptedSecrets: boolean;
  promoter: string;
  description: string;
}

export interface FlowResult {
  ok: boolean;
  promotionId?: string;
  /** The dry run's report (promote) or the provisional rollback report (rollback). */
  preview?: PromotionReport;
  /** The report of the promotion or rollback that ran. */
  report?: PromotionReport;
  /** Nothing differed: no promotion was needed. */
  nothingToDo?: boolean;
  status?: PromotionStatus;
  diagnostics: Diagnostic[];
}

const rollbackHint = (environment: string) => `npm run promote -- --env ${environment} --rollback`;
const unlockHint = (environment: string, id: string) => `npm run promote -- --env ${environment} --unlock ${id}`;

function describeLock(state: LockState): string {
  return `${state.result}${state.promotionId ? ` for promotion ${state.promotionId}` : ''}${state.description && state.result === 'error' ? ` (${state.description})` : ''}`;
}

function lockedElsewhere(ctx: FlowContext, state: LockState): Diagnostic {
  return error('blocked', 'promote.locked-elsewhere', `the ${ctx.environment} environment is already ${describeLock(state)}: another promotion (or one that did not finish) holds it, and this run does not break it; nothing was changed. Wait until it is released and run again${state.promotionId ? `; if the lock is yours, release it with \`${unlockHint(ctx.environment, state.promotionId)}\`` : ''}`);
}

const amMessage = (thrown: unknown) => (thrown instanceof AmError ? thrown.message : thrown instanceof Error ? thrown.message : String(thrown));

/** Takes the lock and waits until both environments are locked; returns its id or the diagnostic why not. */
async function takeLock(ctx: FlowContext): Promise<{ promotionId: string; problem?: undefined } | { promotionId?: string; problem: Diagnostic }> {
  const before = await getLockState(ctx.http);
  if (before.result !== 'unlocked') return { problem: lockedElsewhere(ctx, before) };
  let promotionId: string;
  try {
    promotionId = (await lockEnvironments(ctx.http)).promotionId;
  } catch (thrown) {
    // Someone locked between the check and the request: theirs, reported, not touched.
    if (thrown instanceof AmError && thrown.status === 409) return { problem: lockedElsewhere(ctx, await getLockState(ctx.http)) };
    throw thrown;
  }
  ctx.progress(`Locking ${ctx.environment} and the environment below it for promotion ${promotionId}`);
  const locked = await waitFor('locking', () => getLockState(ctx.http), (s) => s.result !== 'locking', (s) => s.result, { ...ctx.wait, onProgress: (shown, seconds) => ctx.progress(`  lock: ${shown} (${seconds} s)`) });
  if (locked.result !== 'locked' || (locked.promotionId && locked.promotionId !== promotionId)) {
    return { promotionId, problem: error('tenant', 'promote.lock-failed', `locking ${ctx.environment} for promotion ${promotionId} did not succeed: the lock is ${describeLock(locked)}`) };
  }
  return { promotionId };
}

/** Releases this run's own lock and waits until it is gone; a diagnostic when that fails. */
async function releaseLock(ctx: FlowContext, promotionId: string): Promise<Diagnostic | undefined> {
  try {
    await unlockEnvironments(ctx.http, promotionId);
    await waitFor('unlocking', () => getLockState(ctx.http), (s) => s.result === 'unlocked' || s.promotionId !== promotionId, (s) => s.result, { ...ctx.wait, onProgress: (shown, seconds) => ctx.progress(`  lock: ${shown} (${seconds} s)`) });
    return undefined;
  } catch (thrown) {
    return error('tenant', 'promote.unlock-failed', `could not release the lock of promotion ${promotionId} on ${ctx.environment}: ${amMessage(thrown)}; release it with \`${unlockHint(ctx.environment, promotionId)}\` once nothing runs`);
  }
}

/** Starts a run and polls AIC's status until it is no longer RUNNING. */
async function runToEnd(ctx: FlowContext, label: string, start: () => Promise<unknown>, promotionId: string): Promise<PromotionStatus> {
  try {
    await start();
  } catch (thrown) {
    // A retried POST whose first attempt took effect answers 409 "already running": it is ours.
    const status = thrown instanceof AmError && thrown.status === 409 ? await getPromotionStatus(ctx.http) : undefined;
    if (!status || status.status !== 'RUNNING' || status.promotionId !== promotionId) throw thrown;
  }
  return waitFor(label, () => getPromotionStatus(ctx.http), (s) => s.status !== 'RUNNING', (s) => `${s.status}${s.message ? `: ${s.message}` : ''}`, { ...ctx.wait, onProgress: (shown, seconds) => ctx.progress(`  ${label}: ${shown} (${seconds} s)`) });
}

/** The latest report, when it belongs to this promotion. */
async function reportOf(ctx: FlowContext, promotionId: string, dryRun: boolean): Promise<PromotionReport | undefined> {
  const report = await getLastReport(ctx.http);
  return report && report.promotionId === promotionId && report.dryRun === dryRun ? report : undefined;
}

/** Holds the lock around `body`, releasing it whatever happens; unexpected errors become diagnostics. */
async function underLock(ctx: FlowContext, result: FlowResult, body: (promotionId: string) => Promise<void>): Promise<FlowResult> {
  const taken = await takeLock(ctx);
  result.promotionId = taken.promotionId;
  if (!taken.problem) {
    try {
      await body(taken.promotionId);
    } catch (thrown) {
      const running = thrown instanceof WaitTimeout && /RUNNING/.test(thrown.lastShown);
      result.diagnostics.push(
        running
          ? error('tenant', 'promote.timeout', `${thrown.message}: it still runs on ${ctx.environment}, so the lock stays; check it with the admin UI or GET /environment/promotion/promote, then release the lock with \`${unlockHint(ctx.environment, taken.promotionId)}\``)
          : error('tenant', 'promote.error', `${amMessage(thrown)}; the promotion lock is released`),
      );
      if (running) return { ...result, ok: false };
    }
  } else result.diagnostics.push(taken.problem);
  if (taken.promotionId) {
    const unlockProblem = await releaseLock(ctx, taken.promotionId);
    if (unlockProblem) result.diagnostics.push(unlockProblem);
    else ctx.progress(`Unlocked ${ctx.environment}.`);
  }
  return { ...result, ok: result.diagnostics.every((d) => d.severity !== 'error') };
}

export async function promote(ctx: FlowContext, options: PromoteOptions): Promise<FlowResult> {
  const result: FlowResult = { ok: false, diagnostics: [] };
  const request = { ignoreEncryptedSecrets: options.ignoreEncryptedSecrets, promoter: options.promoter, promotionDescription: options.description, unlockEnvironmentsAfterPromotion: false };
  return underLock(ctx, result, async (promotionId) => {
    const dry = await runToEnd(ctx, 'dry run', () => startPromotion(ctx.http, { ...request, dryRun: true }), promotionId);
    const preview = await reportOf(ctx, promotionId, true);
    if (preview) {
      result.preview = preview;
      ctx.onReport?.(preview);
    }
    const missing = [...new Set([...(dry.missingESVs ?? []), ...(preview?.missingESVs ?? [])])];
    if (dry.blockingError || missing.length) {
      result.diagnostics.push(error('blocked', 'promote.dry-run-refused', `AIC's dry run refuses the promotion to ${ctx.environment}: ${dry.message ?? 'blocking error'}${missing.length ? `; create these ESVs in ${ctx.environment} first: ${missing.join(', ')}` : ''}${dry.encryptedSecrets?.length ? `; encrypted secrets in the configuration: ${dry.encryptedSecrets.join(', ')} (--ignore-encrypted-secrets promotes without them)` : ''}; nothing was promoted`));
      return;
    }
    if (!preview) throw new Error(`the dry run on ${ctx.environment} finished (${dry.status}) but left no report for promotion ${promotionId}`);
    const counts = summarizeReport(preview);
    if (counts.added + counts.modified + counts.deleted === 0) {
      result.nothingToDo = true;
      ctx.progress(`Nothing to promote: ${ctx.environment} already holds the static configuration of the environment below.`);
      return;
    }
    const inUse = await ctx.clientsUsing(deletedScriptIds(preview));
    if (inUse.length) return void result.diagnostics.push(scriptsInUseDiagnostic(ctx.environment, 'promotion', inUse));
    if (options.dryRun) return;
    ctx.progress(`Promoting to ${ctx.environment}`);
    const done = await runToEnd(ctx, 'promotion', () => startPromotion(ctx.http, { ...request, dryRun: false }), promotionId);
    result.status = done;
    if (done.blockingError) {
      result.diagnostics.push(
        error('tenant', 'promote.failed', `the promotion to ${ctx.environment} failed: ${done.message ?? 'blocking error'}. ${ctx.environment} may hold part of it; clients there were not switched (a deploy switches a client only once its scripts are present and identical). Roll it back with \`${rollbackHint(ctx.environment)}\`, or remove the cause and promote again`),
      );
      return;
    }
    result.report = await reportOf(ctx, promotionId, false);
  });
}

export async function rollback(ctx: FlowContext, options: Omit<PromoteOptions, 'dryRun' | 'ignoreEncryptedSecrets'>): Promise<FlowResult> {
  const result: FlowResult = { ok: false, diagnostics: [] };
  const preview = await getProvisionalRollbackReport(ctx.http);
  if (!preview) return { ok: false, diagnostics: [error('refused', 'promote.nothing-to-roll-back', `there is no promotion to roll back in ${ctx.environment}; nothing was changed`)] };
  result.preview = preview;
  ctx.onReport?.(preview);
  const inUse = await ctx.clientsUsing(deletedScriptIds(preview));
  if (inUse.length) return { ok: false, preview, diagnostics: [scriptsInUseDiagnostic(ctx.environment, 'rollback', inUse)] };
  return underLock(ctx, result, async (promotionId) => {
    ctx.progress(`Rolling back the latest promotion to ${ctx.environment}`);
    const done = await runToEnd(ctx, 'rollback', () => startRollback(ctx.http, { promoter: options.promoter, promotionDescription: options.description, unlockEnvironmentsAfterPromotion: false }), promotionId);
    result.status = done;
    if (done.blockingError) return void result.diagnostics.push(error('tenant', 'promote.rollback-failed', `the rollback of ${ctx.environment} failed: ${done.message ?? 'blocking error'}`));
    result.report = await reportOf(ctx, promotionId, false);
  });
}

/** Releases a lock by its id (`--unlock`): for a lock this user's own interrupted run left behind. */
export async function releaseOwnLock(ctx: FlowContext, promotionId: string): Promise<FlowResult> {
  const state = await getLockState(ctx.http);
  if (state.result === 'unlocked') return { ok: true, diagnostics: [], promotionId };
  const problem = await releaseLock(ctx, promotionId);
  return { ok: !problem, promotionId, diagnostics: problem ? [problem] : [] };
}
