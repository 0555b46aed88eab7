/**
 * The local promotion group: how a tenant reaches its lower and upper environments (their state
 * folders, which another process may be serving, or in-process), and the promotion lock.
 *
 * The lock has one writer: the upper environment that takes it keeps it in its own
 * `<stateDir>/promotion-lock.json` (written at once, atomically, so another process sees it), or in
 * memory for a tenant without a folder. A tenant is locked when its own lock is held (it drives a
 * promotion) or when its upper environment's lock names it as the lower one. Time moves a lock on:
 * `locking` becomes `locked` and `unlocking` becomes unlocked at `settlesAt`, whoever reads it.
 * A peer served by this very process (tests start all three) is read in memory — its folder may
 * lag its state by the persistence debounce; one served elsewhere is read from its folder.
 * Owns: reading peers and reading/writing this tenant's own lock. Knows no HTTP shapes.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { STATE_FILE } from '../state.js';
import type { LockRecord, LockResult, PeerRef, TenantContext, TenantState, Tier } from '../types.js';

export const LOCK_FILE = 'promotion-lock.json';

/** Tenants this process serves, by resolved state folder. */
const live = new Map<string, TenantContext>();

/** Called by the server for a tenant with a state folder; the returned function forgets it (on close). */
export function registerLive(stateDir: string, context: TenantContext): () => void {
  const key = path.resolve(stateDir);
  live.set(key, context);
  return () => void (live.get(key) === context && live.delete(key));
}

const inProcess = (peer: PeerRef): TenantContext | undefined => ('context' in peer ? peer.context : live.get(path.resolve(peer.stateDir)));

export const TIER_NAMES: Record<Tier, string> = { development: 'Development', staging: 'Staging', production: 'Production' };
export const TIERS: Tier[] = ['development', 'staging', 'production'];

/** The tier a tenant reports; a tenant outside any group is a development environment. */
export const tierOf = (tenant: Pick<TenantContext, 'options'>): Tier => tenant.options.environment?.tier ?? 'development';

/** Staging and production: static configuration arrives only by promotion (or a direct configuration session). */
export const isImmutable = (tenant: Pick<TenantContext, 'options'>): boolean => tierOf(tenant) !== 'development';

function lockFileOf(stateDir: string): string {
  return path.join(stateDir, LOCK_FILE);
}

function readLockFile(stateDir: string): LockRecord | undefined {
  const file = lockFileOf(stateDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockRecord;
  } catch {
    // A lock file that does not parse is a lock in error, never silently "unlocked".
    return { promotionId: 'unknown', upper: 'staging', lower: 'development', state: 'error', settlesAt: 0, description: `${file} does not parse` };
  }
}

/** The lock as time has moved it on: undefined once an unlock has completed. */
export function effectiveLock(record: LockRecord | undefined, now = Date.now()): LockRecord | undefined {
  if (!record) return undefined;
  if (record.state === 'locking' && now >= record.settlesAt) return { ...record, state: 'locked' };
  if (record.state === 'unlocking' && now >= record.settlesAt) return undefined;
  return record;
}

export const lockResult = (record: LockRecord | undefined): LockResult => record?.state ?? 'unlocked';

/** The lock this tenant holds as an upper environment (driving a promotion from its lower one). */
export function ownLock(tenant: Pick<TenantContext, 'options' | 'runtime'>, now = Date.now()): LockRecord | undefined {
  const dir = tenant.options.stateDir;
  return effectiveLock(dir ? readLockFile(dir) : tenant.runtime.promotionLock, now);
}

/** Replaces this tenant's own lock (undefined: removes it). Written before the answer is sent. */
export function writeOwnLock(tenant: Pick<TenantContext, 'options' | 'runtime'>, record: LockRecord | undefined): void {
  const dir = tenant.options.stateDir;
  if (!dir) {
    tenant.runtime.promotionLock = record;
    return;
  }
  const file = lockFileOf(dir);
  if (!record) return void rmSync(file, { force: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(record), { mode: 0o600 });
  renameSync(temp, file);
}

/** A peer's own lock (the lock it holds as an upper environment). */
function peerOwnLock(peer: PeerRef, now: number): LockRecord | undefined {
  const context = inProcess(peer);
  if (context) return ownLock(context, now);
  return 'stateDir' in peer ? effectiveLock(readLockFile(peer.stateDir), now) : undefined;
}

/** The lock this tenant is under as the lower environment of its upper one. */
export function lockFromUpper(tenant: Pick<TenantContext, 'options'>, now = Date.now()): LockRecord | undefined {
  const upper = tenant.options.environment?.upper;
  const record = upper ? peerOwnLock(upper, now) : undefined;
  return record && record.lower === tierOf(tenant) ? record : undefined;
}

/** Whatever lock applies to this tenant: its own, or its upper environment's. */
export function activeLock(tenant: Pick<TenantContext, 'options' | 'runtime'>, now = Date.now()): LockRecord | undefined {
  return ownLock(tenant, now) ?? lockFromUpper(tenant, now);
}

/** The lower environment's own lock: set when it is itself promoting from its own lower environment. */
export function lowerOwnLock(tenant: Pick<TenantContext, 'options'>, now = Date.now()): LockRecord | undefined {
  const lower = tenant.options.environment?.lower;
  return lower ? peerOwnLock(lower, now) : undefined;
}

/** The tier below this one, if any. */
export function lowerTier(tier: Tier): Tier | undefined {
  return TIERS[TIERS.indexOf(tier) - 1];
}

/** The tier above this one, if any. */
export function upperTier(tier: Tier): Tier | undefined {
  return TIERS[TIERS.indexOf(tier) + 1];
}

/** A peer's state now, or why it cannot be read. */
export function peerState(peer: PeerRef): { state: TenantState; error?: undefined } | { state?: undefined; error: string } {
  const context = inProcess(peer);
  if (context) return { state: context.state };
  if (!('stateDir' in peer)) return { error: 'the peer is not running' };
  const file = path.join(peer.stateDir, STATE_FILE);
  if (!existsSync(file)) return { error: `no state in ${peer.stateDir}: start or deploy that environment first` };
  try {
    return { state: JSON.parse(readFileSync(file, 'utf8')) as TenantState };
  } catch (error) {
    return { error: `${file} does not parse: ${(error as Error).message}` };
  }
}
