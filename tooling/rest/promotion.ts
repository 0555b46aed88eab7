/**
 * AIC's self-service promotion API (`/environment/promotion`), always called on the UPPER
 * environment (AIC's pull model). Accept-API-Version protocol=1.0,resource=1.0 (Ping's OpenAPI
 * specification of the environment API and frodo-lib EnvPromotionApi.ts; fr-config-manager sends
 * protocol=2.1 with the same resource version). Scope fr:idc:promotion:*. One function per call,
 * payloads typed after the specification's schemas; a 409 (the lock or a run conflicts with the
 * environment's state) is thrown as AmError like any refusal — the callers decide.
 * Owns: paths and payload shapes only.
 */
import type { AmHttp } from './http.js';
import { seg } from './paths.js';

const FAMILY = 'promotion';
const API = 'protocol=1.0,resource=1.0';
const BASE = '/environment/promotion';

export type LockResult = 'unlocked' | 'locking' | 'locked' | 'unlocking' | 'error';

export interface EnvironmentLockState {
  promotionId?: string;
  proxyState?: string;
  state?: string;
}

/** GET …/lock/state (`promotionLockState`). */
export interface LockState {
  result: LockResult;
  /** Meaningful when result is error. */
  description?: string;
  promotionId?: string;
  lowerEnv?: EnvironmentLockState;
  upperEnv?: EnvironmentLockState;
}

/** POST …/lock (`promotionStartLocking`) and DELETE …/lock/{id} (`promotionStartUnlocking`, `promotionUnlocked`). */
export interface LockAnswer {
  result: string;
  description?: string;
  promotionId: string;
}

/** POST …/promote (`promotionRequest`). */
export interface PromotionRequest {
  dryRun: boolean;
  ignoreEncryptedSecrets?: boolean;
  promoter?: string;
  promotionDescription?: string;
  unlockEnvironmentsAfterPromotion?: boolean;
  zendeskTicketReference?: string;
}

/** POST …/rollback (`rollbackRequest`). */
export type RollbackRequest = Omit<PromotionRequest, 'dryRun' | 'ignoreEncryptedSecrets'>;

/** GET …/promote (`promotionProgress`): status UNLOCKED, RUNNING, READY, … */
export interface PromotionStatus {
  status: string;
  message?: string;
  blockingError?: boolean;
  globalLock?: string;
  missingESVs?: string[];
  encryptedSecrets?: string[];
  promotionId?: string;
  timeStamp?: string;
  type?: 'promotion' | 'rollback';
}

/** An object a report lists (`promotionCIMeta`): uid is AM's configuration DN. */
export interface ConfigItemChange {
  uid: string;
  name: string;
  realm?: string;
}

export interface ReportContent {
  configItem: string;
  configChange: { added?: ConfigItemChange[]; modified?: ConfigItemChange[]; deleted?: ConfigItemChange[] };
}

/** GET …/report[/{id}|/provisional|/provisional-rollback] (`promotionReport`). */
export interface PromotionReport {
  reportId: string;
  promotionId: string;
  reportName?: string;
  type: 'promotion' | 'rollback';
  dryRun: boolean;
  createdDate: string;
  promoter?: string;
  promotionDescription?: string;
  missingESVs?: string[];
  previouslyIgnoredEncryptedSecrets?: string[];
  report: { AMConfig?: ReportContent[]; IDMConfig?: ReportContent[] };
}

/** GET …/reports (`promotionReportMeta`). */
export interface PromotionReportMeta {
  reportId: string;
  promotionId: string;
  type: 'promotion' | 'rollback';
  dryRun: boolean;
  createdDate: string;
  promoter?: string;
}

export async function getLockState(http: AmHttp, options: { localLockOnly?: boolean } = {}): Promise<LockState> {
  const response = await http.request<LockState>({ method: 'GET', path: `${BASE}/lock/state`, ...(options.localLockOnly ? { query: { localLockOnly: 'true' } } : {}), apiVersion: API, family: FAMILY });
  return response.data;
}

/** Starts locking both environments (202 `locking`); 409 when a lock is already held. */
export async function lockEnvironments(http: AmHttp): Promise<LockAnswer> {
  const response = await http.request<LockAnswer>({ method: 'POST', path: `${BASE}/lock`, apiVersion: API, family: FAMILY });
  return response.data;
}

/** Starts unlocking (202 `unlocking`, or 200 `unlocked`); only the lock's own promotion id releases it. */
export async function unlockEnvironments(http: AmHttp, promotionId: string): Promise<LockAnswer> {
  const response = await http.request<LockAnswer>({ method: 'DELETE', path: `${BASE}/lock/${seg(promotionId)}`, apiVersion: API, family: FAMILY });
  return response.data;
}

/** Starts a promotion (or a dry run) under the held lock: 202; 409 when not locked or one is running. */
export async function startPromotion(http: AmHttp, request: PromotionRequest): Promise<{ result: string }> {
  const response = await http.request<{ result: string }>({ method: 'POST', path: `${BASE}/promote`, body: request, apiVersion: API, family: FAMILY });
  return response.data;
}

export async function getPromotionStatus(http: AmHttp): Promise<PromotionStatus> {
  const response = await http.request<PromotionStatus>({ method: 'GET', path: `${BASE}/promote`, apiVersion: API, family: FAMILY });
  return response.data;
}

/** The latest report (dry run, promotion or rollback), or null when there is none. */
export async function getLastReport(http: AmHttp): Promise<PromotionReport | null> {
  const response = await http.request<PromotionReport>({ method: 'GET', path: `${BASE}/report`, apiVersion: API, family: FAMILY, accept: [404] });
  return response.status === 404 ? null : response.data;
}

export async function getReport(http: AmHttp, reportId: string): Promise<PromotionReport | null> {
  const response = await http.request<PromotionReport>({ method: 'GET', path: `${BASE}/report/${seg(reportId)}`, apiVersion: API, family: FAMILY, accept: [404] });
  return response.status === 404 ? null : response.data;
}

/** What promoting this environment to its upper one would change (asked of the LOWER environment). */
export async function getProvisionalReport(http: AmHttp): Promise<PromotionReport> {
  const response = await http.request<PromotionReport>({ method: 'GET', path: `${BASE}/report/provisional`, apiVersion: API, family: FAMILY });
  return response.data;
}

/** What a rollback would change here, or null when there is no promotion to roll back. */
export async function getProvisionalRollbackReport(http: AmHttp): Promise<PromotionReport | null> {
  const response = await http.request<PromotionReport>({ method: 'GET', path: `${BASE}/report/provisional-rollback`, apiVersion: API, family: FAMILY, accept: [404] });
  return response.status === 404 ? null : response.data;
}

export async function listReports(http: AmHttp): Promise<PromotionReportMeta[]> {
  const response = await http.request<PromotionReportMeta[]>({ method: 'GET', path: `${BASE}/reports`, apiVersion: API, family: FAMILY });
  return Array.isArray(response.data) ? response.data : [];
}

/** Starts rolling back the latest promotion under the held lock: 202; 409 when not locked, running, or nothing to roll back. */
export async function startRollback(http: AmHttp, request: RollbackRequest): Promise<{ result: string }> {
  const response = await http.request<{ result: string }>({ method: 'POST', path: `${BASE}/rollback`, body: request, apiVersion: API, family: FAMILY });
  return response.data;
}
