/**
 * Shapes of environments and promotion in the local tenant (tenant/promotion/): the tier, the lock,
 * the reports, running jobs and direct configuration sessions, and what an environment persists.
 * Owns no behaviour.
 */
import type { JsonObject, JsonValue, RealmState, TenantContext } from '../types.js';

/** AIC's tiers of a standard promotion group (sandboxes, tier "other", are not modelled). */
export type Tier = 'development' | 'staging' | 'production';

/**
 * How a tenant reaches another member of its group: through that tenant's state folder (another
 * process may serve it, e.g. `npm run tenant -- --env dev`), or in-process.
 */
export type PeerRef = { stateDir: string } | { context: TenantContext };

export interface EnvironmentOptions {
  tier: Tier;
  /** The next lower environment: the source of this tenant's promotions (staging ← development, production ← staging). */
  lower?: PeerRef;
  /** The next upper environment, which may lock this one for its promotion. */
  upper?: PeerRef;
  /** Seconds locking and unlocking take (AIC: minutes). Default 1. */
  lockSeconds?: number;
  /** Seconds a promotion or rollback runs before it settles. Default 1. */
  promotionSeconds?: number;
  /** Seconds a direct configuration session takes to initialise and to apply. Default 1. */
  sessionSeconds?: number;
  /** Test hook: a promotion (not a dry run) fails after writing this many of its changes. */
  failPromotionAfter?: number;
}

export type LockResult = 'unlocked' | 'locking' | 'locked' | 'unlocking' | 'error';

/** A promotion lock as its upper environment keeps it (in <stateDir>/promotion-lock.json, or in memory). */
export interface LockRecord {
  promotionId: string;
  upper: Tier;
  lower: Tier;
  state: Exclude<LockResult, 'unlocked'>;
  /** epoch ms when `locking` becomes `locked`, or `unlocking` becomes unlocked */
  settlesAt: number;
  /** Why the lock is in `error`. */
  description?: string;
}

/** One static object of a realm (script, tree, node, OAuth2 provider), as promotion copies it. */
export interface StaticObject {
  item: 'Scripts' | 'Journeys' | 'Journey nodes' | 'OAuth2 Provider';
  realm: string;
  id: string;
  name: string;
  /** The stored representation, copied as is (ids kept). */
  body: JsonValue;
}

/** The static configuration of every realm, as a rollback restores it. */
export type StaticSnapshot = Record<string, Pick<RealmState, 'scripts' | 'trees' | 'nodes'> & { oauth2Provider?: JsonObject }>;

export interface PromotionReportRecord {
  reportId: string;
  promotionId: string;
  type: 'promotion' | 'rollback';
  dryRun: boolean;
  createdDate: string;
  promoter: string;
  promotionDescription: string;
  missingESVs: string[];
  encryptedSecrets: string[];
  /** AIC's report body: `{AMConfig: [{configItem, configChange: {added, modified, deleted}}], IDMConfig: []}` */
  report: JsonObject;
}

/** What GET /environment/promotion/promote shows about the last promotion or rollback of the current lock. */
export interface PromotionOutcome {
  promotionId: string;
  type: 'promotion' | 'rollback';
  dryRun: boolean;
  blockingError: boolean;
  message: string;
  missingESVs: string[];
  encryptedSecrets: string[];
  timeStamp: string;
}

/** A promotion or rollback that is running: it settles (is applied) at readyAt. */
export interface PromotionJob {
  promotionId: string;
  type: 'promotion' | 'rollback';
  dryRun: boolean;
  ignoreEncryptedSecrets: boolean;
  unlockAfter: boolean;
  promoter: string;
  promotionDescription: string;
  startedAt: string;
  readyAt: number;
  /** The static configuration to reach: the lower environment's, read when the job started (the lower is locked meanwhile), or the snapshot a rollback restores. */
  target: StaticSnapshot;
  missingESVs: string[];
  encryptedSecrets: string[];
}

export type SessionStatus = 'NO_SESSION' | 'SESSION_INITIALISING' | 'SESSION_INITIALISED' | 'SESSION_APPLYING' | 'SESSION_APPLIED';

export interface DirectConfigurationSession {
  status: SessionStatus;
  /** epoch ms when INITIALISING becomes INITIALISED, or APPLYING becomes APPLIED */
  settlesAt?: number;
  /** The static configuration when the session opened: what an abort restores. */
  before?: StaticSnapshot;
}

/** Persisted promotion facts of an environment (absent in states saved before promotion existed). */
export interface PromotionState {
  job?: PromotionJob;
  outcome?: PromotionOutcome;
  reports: PromotionReportRecord[];
  /** The static configuration before each completed (or failed midway) promotion, newest last: what rollback restores. */
  history: StaticSnapshot[];
  /** A promotion has completed here at least once (environment info `config_promotion_done`). */
  done?: boolean;
  session?: DirectConfigurationSession;
}
