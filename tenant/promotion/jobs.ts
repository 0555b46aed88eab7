/**
 * Promotions and rollbacks as the upper environment runs them: started on request, `RUNNING` for a
 * while, then settled — a dry run only reports; a promotion checks the ESVs the lower environment's
 * static configuration references (missing ones fail it before anything is written, as AIC does),
 * then writes the changes one by one (additions and modifications first, removals last; the test
 * hook `failPromotionAfter` stops it midway, leaving what was written, which only a rollback
 * undoes — AIC's behaviour on a failure midway is not documented, and this is the stricter one for
 * a client); a rollback restores the static configuration saved before the latest promotion.
 * Every settled run records what GET …/promote shows, and a report (AIC's shape).
 * Owns `state.promotion`. Dynamic configuration is never touched.
 */
import { randomUUID } from 'node:crypto';
import { nowIso } from '../http-util.js';
import type { PromotionJob, PromotionOutcome, PromotionReportRecord, PromotionState, StaticSnapshot, TenantContext, TenantState } from '../types.js';
import { activeLock, ownLock, writeOwnLock } from './group.js';
import { applyStaticChange, changeCount, diffStatic, encryptedValues, orderedChanges, referencedEsvs, reportBody, snapshotStatic, type StaticDiff } from './static-config.js';

export function promotionState(state: TenantState): PromotionState {
  state.promotion ??= { reports: [], history: [] };
  state.promotion.reports ??= [];
  state.promotion.history ??= [];
  return state.promotion;
}

const seconds = (tenant: TenantContext) => (tenant.options.environment?.promotionSeconds ?? 1) * 1000;

/** The ESV ids this environment has (variables and secrets: a placeholder may name either). */
function esvIds(state: TenantState): Set<string> {
  return new Set([...Object.keys(state.esv.variables), ...Object.keys(state.esv.secrets)]);
}

export interface StartRequest {
  dryRun: boolean;
  ignoreEncryptedSecrets: boolean;
  unlockAfter: boolean;
  promoter: string;
  promotionDescription: string;
}

/** Starts a promotion towards `source` (the lower environment's static configuration, read now: the lower is locked). */
export function startPromotion(tenant: TenantContext, promotionId: string, source: StaticSnapshot, request: StartRequest): void {
  const available = esvIds(tenant.state);
  const job: PromotionJob = {
    promotionId,
    type: 'promotion',
    ...request,
    startedAt: nowIso(),
    readyAt: Date.now() + seconds(tenant),
    target: source,
    missingESVs: referencedEsvs(source).filter((id) => !available.has(id)),
    encryptedSecrets: encryptedValues(source),
  };
  promotionState(tenant.state).job = job;
  tenant.changed();
}

/** Starts a rollback to the static configuration saved before the latest promotion. */
export function startRollback(tenant: TenantContext, promotionId: string, request: Omit<StartRequest, 'dryRun' | 'ignoreEncryptedSecrets'>): void {
  const promotion = promotionState(tenant.state);
  const target = promotion.history[promotion.history.length - 1];
  promotion.job = { promotionId, type: 'rollback', dryRun: false, ignoreEncryptedSecrets: true, ...request, startedAt: nowIso(), readyAt: Date.now() + seconds(tenant), target, missingESVs: [], encryptedSecrets: [] };
  tenant.changed();
}

function report(job: PromotionJob, diff: StaticDiff, dryRun: boolean): PromotionReportRecord {
  return { reportId: randomUUID(), promotionId: job.promotionId, type: job.type, dryRun, createdDate: nowIso(), promoter: job.promoter, promotionDescription: job.promotionDescription, missingESVs: job.missingESVs, encryptedSecrets: job.encryptedSecrets, report: reportBody(diff) };
}

function outcome(job: PromotionJob, blockingError: boolean, message: string): PromotionOutcome {
  return { promotionId: job.promotionId, type: job.type, dryRun: job.dryRun, blockingError, message, missingESVs: job.missingESVs, encryptedSecrets: job.encryptedSecrets, timeStamp: nowIso() };
}

/** Why a promotion cannot run at all (before anything is written), or undefined. */
function blockingProblem(job: PromotionJob): string | undefined {
  if (job.type !== 'promotion') return undefined;
  if (job.missingESVs.length) return `Missing ESVs in this environment, referenced by the configuration to promote: ${job.missingESVs.join(', ')}`;
  if (job.encryptedSecrets.length && !job.ignoreEncryptedSecrets) return `Encrypted secrets found in the configuration to promote (set ignoreEncryptedSecrets to promote without them): ${job.encryptedSecrets.join(', ')}`;
  return undefined;
}

/** Runs the job whose time has come. Returns true when the state changed. */
export function settleJob(tenant: TenantContext, now = Date.now()): boolean {
  const promotion = tenant.state.promotion;
  const job = promotion?.job;
  if (!promotion || !job || job.readyAt > now) return false;
  delete promotion.job;
  const current = snapshotStatic(tenant.state);
  const diff = diffStatic(current, job.target ?? current);
  const problem = blockingProblem(job);
  if (job.dryRun) {
    promotion.reports.push(report(job, diff, true));
    promotion.outcome = outcome(job, problem !== undefined, problem ?? (changeCount(diff) ? 'Dry-run promotion completed' : 'Dry-run promotion completed: nothing to promote'));
  } else if (problem) {
    promotion.outcome = outcome(job, true, `Promotion failed: ${problem}`);
  } else if (job.type === 'rollback' && !job.target) {
    promotion.outcome = outcome(job, true, 'Rollback failed: there is no promotion to roll back');
  } else {
    if (job.type === 'promotion') promotion.history.push(current);
    const changes = orderedChanges(diff);
    const failAfter = job.type === 'promotion' ? tenant.options.environment?.failPromotionAfter : undefined;
    const written = failAfter === undefined ? changes.length : Math.min(failAfter, changes.length);
    for (const change of changes.slice(0, written)) applyStaticChange(tenant.state, change.object, change.deleted);
    if (written < changes.length) {
      promotion.outcome = outcome(job, true, `Promotion failed after ${written} of ${changes.length} changes (injected failure): the environment holds part of the promotion; roll it back, or promote again`);
    } else {
      if (job.type === 'rollback') promotion.history.pop();
      promotion.reports.push(report(job, diff, false));
      promotion.done = true;
      promotion.outcome = outcome(job, false, job.type === 'rollback' ? 'Rollback completed' : 'Promotion completed');
      if (job.unlockAfter) {
        const lock = ownLock(tenant, now);
        if (lock) writeOwnLock(tenant, { ...lock, state: 'unlocking', settlesAt: now + (tenant.options.environment?.lockSeconds ?? 1) * 1000 });
      }
    }
  }
  tenant.log({ source: 'tenant', level: promotion.outcome.blockingError ? 'warning' : 'info', text: `${job.type}${job.dryRun ? ' (dry run)' : ''} ${job.promotionId}: ${promotion.outcome.message}` });
  tenant.changed();
  return true;
}

/** A promotion or rollback is running. */
export function running(tenant: TenantContext, now = Date.now()): PromotionJob | undefined {
  settleJob(tenant, now);
  return tenant.state.promotion?.job;
}

/** The lock a promotion may run under: this tenant's own, locked. */
export function lockedForPromotion(tenant: TenantContext, now = Date.now()) {
  const lock = activeLock(tenant, now);
  return lock && lock.state === 'locked' && lock.upper === tenant.options.environment?.tier ? lock : undefined;
}
