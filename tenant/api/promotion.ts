/**
 * AIC's promotion API on the local promotion group (AM-FACTS §5), driven on the upper environment.
 * Paths, bodies and statuses from Ping's published OpenAPI specification of the AIC environment
 * API (pingidentity/identitycloud-go-client `api/openapi.yaml`, tag "Promotion"), the types of
 * frodo-lib `EnvPromotionApi.ts` and the transcripts in fr-config-manager's `fr-config-promote`
 * README (the UNLOCKED/RUNNING/READY progress answers and their messages):
 * - POST …/lock → 202 `{result: "locking", description, promotionId}`; 409 while a lock is held;
 * - GET …/lock/state → `{result: unlocked|locking|locked|unlocking|error, description, promotionId, lowerEnv, upperEnv}`
 *   (`?localLockOnly=true`: this environment only);
 * - DELETE …/lock/{promotionId} → 202 `{result: "unlocking"}`; 409 while locking or unlocking, for
 *   another promotion's id, or while a promotion runs (a lock is released only by its own id);
 * - POST …/promote `{dryRun (required), ignoreEncryptedSecrets, promoter, promotionDescription,
 *   unlockEnvironmentsAfterPromotion, zendeskTicketReference}` → 202; 409 unless locked and idle;
 * - GET …/promote → `{status: UNLOCKED|RUNNING|READY, globalLock, message, blockingError, missingESVs, …}`;
 * - GET …/report (last), …/report/{id}, …/reports, …/report/provisional, …/report/provisional-rollback;
 * - POST …/rollback → 202, to the configuration before the latest promotion.
 * Stricter where the sources leave room (each said where it applies): `Accept-API-Version` must
 * name resource=1.0 (the spec requires the header; fr-config-manager sends protocol=2.1 with it,
 * frodo-lib protocol=1.0, so the protocol is not checked); unknown body fields are refused (a
 * misspelt `unlockEnvironmentsAfterPromotion` must not be ignored); a failed promotion answers
 * READY with `blockingError: true` (AIC's status after a failure is not documented; a client
 * reading `status` alone is caught). Scope `fr:idc:promotion:*`.
 */
import { randomUUID } from 'node:crypto';
import { adminBearer } from '../auth-guard.js';
import { amError, jsonBody, nowIso, ok } from '../http-util.js';
import { activeLock, lockFromUpper, lowerOwnLock, lowerTier, ownLock, peerState, tierOf, upperTier, writeOwnLock } from '../promotion/group.js';
import { lockedForPromotion, promotionState, running, startPromotion, startRollback } from '../promotion/jobs.js';
import { sessionOpen } from '../promotion/session.js';
import { diffStatic, reportBody, snapshotStatic } from '../promotion/static-config.js';
import type { Handler, JsonObject, LockRecord, PromotionReportRecord, Route, TenantContext, TenantRequest, TenantResponse } from '../types.js';

export const PROMOTION_SCOPE = 'fr:idc:promotion:*';

/** The spec's Error shape: `{code, message}`. */
const problem = (status: number, message: string): TenantResponse => ({ status, body: { code: status, message } });

/** Bearer with the promotion scope, and the API version the spec requires. */
function guarded(handler: (req: TenantRequest, params: Record<string, string>, tenant: TenantContext) => TenantResponse): Handler {
  return (req, params, tenant) => {
    const issued = adminBearer(req, tenant);
    if (!issued) return amError(401, 'Access Denied');
    if (!issued.scope.includes(PROMOTION_SCOPE)) return amError(403, `The token lacks the scope ${PROMOTION_SCOPE}`);
    if (!/(^|[,;\s])resource=1\.0(\s*($|[,;]))/.test(req.headers['accept-api-version'] ?? '')) return problem(400, 'Accept-API-Version: expected resource=1.0 (e.g. protocol=1.0,resource=1.0)');
    return handler(req, params, tenant);
  };
}

const lockSeconds = (tenant: TenantContext) => (tenant.options.environment?.lockSeconds ?? 1) * 1000;

/** Body fields a request may carry: name → type. */
function checkedBody(req: TenantRequest, fields: Record<string, 'boolean' | 'string'>, required: string[]): { body: JsonObject; error?: undefined } | { body?: undefined; error: TenantResponse } {
  const parsed = jsonBody(req);
  if (parsed.error) return parsed;
  for (const name of required) if (parsed.body[name] === undefined) return { error: problem(400, `${name} is required (a ${fields[name]})`) };
  for (const [name, value] of Object.entries(parsed.body)) {
    const type = fields[name];
    if (!type) return { error: problem(400, `Unknown field ${name}: expected only ${Object.keys(fields).join(', ')}`) };
    if (typeof value !== type) return { error: problem(400, `${name} must be a ${type}`) };
  }
  return { body: parsed.body };
}

// ---- lock ----

const lock = guarded((_req, _params, tenant) => {
  const tier = tierOf(tenant);
  const lower = tenant.options.environment?.lower;
  const lowerName = lowerTier(tier);
  if (!lower || !lowerName) return problem(400, `Promotions are run on the upper environment: ${tier} has no lower environment to promote from`);
  const held = activeLock(tenant) ?? lowerOwnLock(tenant);
  if (held) return problem(409, `A promotion is already running: the environments are ${held.state} (promotion ${held.promotionId})`);
  if (sessionOpen(tenant)) return problem(409, 'A direct configuration session is open: apply or abort it before locking for a promotion');
  const promotionId = randomUUID();
  const source = peerState(lower);
  const record: LockRecord = !source.state
    ? { promotionId, upper: tier, lower: lowerName, state: 'error', settlesAt: Date.now(), description: `The ${lowerName} environment cannot be locked: ${source.error}` }
    : { promotionId, upper: tier, lower: lowerName, state: 'locking', settlesAt: Date.now() + lockSeconds(tenant) };
  writeOwnLock(tenant, record);
  tenant.log({ source: 'tenant', level: 'info', text: `promotion lock ${promotionId}: ${record.state}` });
  return ok({ result: 'locking', description: 'Environment lock in progress', promotionId }, 202);
});

const DESCRIPTIONS: Record<string, string> = { unlocked: 'Environment unlocked', locking: 'Environment lock in progress', locked: 'Environment locked', unlocking: 'Environment unlocking in progress' };

const lockState = guarded((req, _params, tenant) => {
  const own = ownLock(tenant);
  const record = own ?? lockFromUpper(tenant);
  const result = record?.state ?? 'unlocked';
  const body: JsonObject = { result, description: record?.description ?? DESCRIPTIONS[result] };
  if (record) body.promotionId = record.promotionId;
  if (req.query.localLockOnly !== 'true') {
    const env = (state: string): JsonObject => (record ? { promotionId: record.promotionId, proxyState: state, state } : { proxyState: 'unlocked', state: 'unlocked' });
    body.lowerEnv = env(result);
    body.upperEnv = env(result);
  }
  return ok(body);
});

const unlock = guarded((_req, { promotionId }, tenant) => {
  const own = ownLock(tenant);
  if (!own) return problem(409, lockFromUpper(tenant) ? `This environment is locked by its upper environment's promotion: unlock it there` : 'Environment is not in locked state');
  if (own.promotionId !== promotionId) return problem(409, `The environments are locked by promotion ${own.promotionId}, not ${promotionId}: a lock is released only by its own promotion id`);
  if (own.state === 'locking' || own.state === 'unlocking') return problem(409, 'Environment is currently locking or unlocking');
  if (running(tenant)) return problem(409, 'A promotion or rollback is running: wait until it has finished');
  const delay = lockSeconds(tenant);
  if (delay === 0) {
    writeOwnLock(tenant, undefined);
    return ok({ result: 'unlocked', description: 'Environment unlocked', promotionId });
  }
  writeOwnLock(tenant, { ...own, state: 'unlocking', settlesAt: Date.now() + delay });
  return ok({ result: 'unlocking', description: 'Environment unlocking in progress', promotionId }, 202);
});

// ---- promote ----

const PROMOTE_FIELDS = { dryRun: 'boolean', ignoreEncryptedSecrets: 'boolean', promoter: 'string', promotionDescription: 'string', unlockEnvironmentsAfterPromotion: 'boolean', zendeskTicketReference: 'string' } as const;
const ROLLBACK_FIELDS = { promoter: 'string', promotionDescription: 'string', unlockEnvironmentsAfterPromotion: 'boolean', zendeskTicketReference: 'string' } as const;

/** The lock a promotion or rollback may start under, or the 409 to answer. */
function readyToRun(tenant: TenantContext): { lock: LockRecord; error?: undefined } | { lock?: undefined; error: TenantResponse } {
  const locked = lockedForPromotion(tenant);
  if (!locked) return { error: problem(409, 'Environment is not in locked state') };
  if (running(tenant)) return { error: problem(409, 'A promotion or rollback is already running') };
  return { lock: locked };
}

const promote = guarded((req, _params, tenant) => {
  const parsed = checkedBody(req, PROMOTE_FIELDS, ['dryRun']);
  if (parsed.error) return parsed.error;
  const ready = readyToRun(tenant);
  if (ready.error) return ready.error;
  const source = peerState(tenant.options.environment!.lower!);
  if (!source.state) return problem(409, `The lower environment cannot be read: ${source.error}`);
  const body = parsed.body;
  startPromotion(tenant, ready.lock.promotionId, snapshotStatic(source.state), {
    dryRun: body.dryRun === true,
    ignoreEncryptedSecrets: body.ignoreEncryptedSecrets === true,
    unlockAfter: body.unlockEnvironmentsAfterPromotion === true,
    promoter: String(body.promoter ?? ''),
    promotionDescription: String(body.promotionDescription ?? ''),
  });
  return ok({ result: 'Promotion process initiated successfully' }, 202);
});

const progress = guarded((_req, _params, tenant) => {
  const job = running(tenant);
  const lock = activeLock(tenant);
  const timeStamp = nowIso();
  if (job) return ok({ blockingError: false, globalLock: 'LOCKED', message: job.type === 'rollback' ? 'Rollback in progress' : 'Update configuration', promotionId: job.promotionId, status: 'RUNNING', timeStamp, type: job.type });
  if (!lock) return ok({ blockingError: false, globalLock: 'UNLOCKED', message: 'Environment unlocked', status: 'UNLOCKED', timeStamp, type: 'promotion' });
  if (lock.state !== 'locked') return ok({ blockingError: lock.state === 'error', globalLock: lock.state.toUpperCase(), message: lock.description ?? DESCRIPTIONS[lock.state], promotionId: lock.promotionId, status: lock.state.toUpperCase(), timeStamp, type: 'promotion' });
  const outcome = tenant.state.promotion?.outcome;
  if (!outcome || outcome.promotionId !== lock.promotionId) return ok({ blockingError: false, globalLock: 'LOCKED', message: 'Environment ready for promotion', promotionId: lock.promotionId, status: 'READY', timeStamp, type: 'promotion' });
  const body: JsonObject = { blockingError: outcome.blockingError, globalLock: 'LOCKED', message: outcome.message, promotionId: outcome.promotionId, status: 'READY', timeStamp: outcome.timeStamp, type: outcome.type };
  if (outcome.missingESVs.length) body.missingESVs = outcome.missingESVs;
  if (outcome.encryptedSecrets.length) body.encryptedSecrets = outcome.encryptedSecrets;
  return ok(body);
});

const rollback = guarded((req, _params, tenant) => {
  const parsed = checkedBody(req, ROLLBACK_FIELDS, []);
  if (parsed.error) return parsed.error;
  const ready = readyToRun(tenant);
  if (ready.error) return ready.error;
  if (promotionState(tenant.state).history.length === 0) return problem(409, 'There is no promotion to roll back');
  startRollback(tenant, ready.lock.promotionId, { unlockAfter: parsed.body.unlockEnvironmentsAfterPromotion === true, promoter: String(parsed.body.promoter ?? ''), promotionDescription: String(parsed.body.promotionDescription ?? '') });
  return ok({ result: 'Rollback process initiated successfully' }, 202);
});

// ---- reports ----

function reportView(record: Omit<PromotionReportRecord, 'encryptedSecrets'>): JsonObject {
  return { createdDate: record.createdDate, dryRun: record.dryRun, missingESVs: record.missingESVs, previouslyIgnoredEncryptedSecrets: [], promoter: record.promoter, promotionDescription: record.promotionDescription, promotionId: record.promotionId, report: record.report, reportId: record.reportId, reportName: `Report_${record.createdDate}_dryrun=${record.dryRun}_${record.promotionId}`, type: record.type };
}

const reports = (tenant: TenantContext) => tenant.state.promotion?.reports ?? [];

const lastReport = guarded((_req, _params, tenant) => {
  running(tenant);
  const last = reports(tenant).at(-1);
  return last ? ok(reportView(last)) : problem(404, 'No promotion report found');
});

const reportById = guarded((_req, { reportId }, tenant) => {
  running(tenant);
  const found = reports(tenant).find((r) => r.reportId === reportId);
  return found ? ok(reportView(found)) : problem(404, 'report not found for given id');
});

const reportList = guarded((_req, _params, tenant) => {
  running(tenant);
  return ok(reports(tenant).map((r) => ({ createdDate: r.createdDate, dryRun: r.dryRun, promoter: r.promoter, promotionId: r.promotionId, reportId: r.reportId, type: r.type })));
});

/**
 * What promoting this environment to its upper one would change now. fr-config-manager asks the
 * lower environment for it (check-promotion-reports --provisional, with the lower's credentials);
 * the spec calls it "changes since the last time the lower environment was promoted to the upper".
 */
const provisional = guarded((_req, _params, tenant) => {
  const upper = tenant.options.environment?.upper;
  if (!upper || !upperTier(tierOf(tenant))) return problem(404, `The ${tierOf(tenant)} environment has no upper environment to promote to`);
  const target = peerState(upper);
  if (!target.state) return problem(409, `The upper environment cannot be read: ${target.error}`);
  const diff = diffStatic(snapshotStatic(target.state), snapshotStatic(tenant.state));
  return ok(reportView({ reportId: randomUUID(), promotionId: '', type: 'promotion', dryRun: true, createdDate: nowIso(), promoter: '', promotionDescription: 'provisional', missingESVs: [], report: reportBody(diff) }));
});

const provisionalRollback = guarded((_req, _params, tenant) => {
  running(tenant);
  const previous = tenant.state.promotion?.history.at(-1);
  if (!previous) return problem(404, 'There is no promotion to roll back');
  const diff = diffStatic(snapshotStatic(tenant.state), previous);
  return ok(reportView({ reportId: randomUUID(), promotionId: '', type: 'rollback', dryRun: true, createdDate: nowIso(), promoter: '', promotionDescription: 'provisional rollback', missingESVs: [], report: reportBody(diff) }));
});

const P = '^/environment/promotion';
const re = (pattern: string) => new RegExp(`${P}${pattern}$`);
export const promotionRoutes: Route[] = [
  { method: 'POST', pattern: re('/lock'), handle: lock },
  { method: 'GET', pattern: re('/lock/state'), handle: lockState },
  { method: 'DELETE', pattern: re('/lock/(?<promotionId>[^/]+)'), handle: unlock },
  { method: 'POST', pattern: re('/promote'), handle: promote },
  { method: 'GET', pattern: re('/promote'), handle: progress },
  { method: 'GET', pattern: re('/report'), handle: lastReport },
  { method: 'GET', pattern: re('/report/provisional'), handle: provisional },
  { method: 'GET', pattern: re('/report/provisional-rollback'), handle: provisionalRollback },
  { method: 'GET', pattern: re('/report/(?<reportId>[^/]+)'), handle: reportById },
  { method: 'GET', pattern: re('/reports'), handle: reportList },
  { method: 'POST', pattern: re('/rollback'), handle: rollback },
];
