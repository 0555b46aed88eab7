/**
 * AIC's direct configuration session on an immutable environment (AM-FACTS §5; evidence is tool
 * code: frodo-lib EnvDirectConfigurationSessionApi, fr-config-manager update-direct-control.js):
 * NO_SESSION → init → SESSION_INITIALISING (it takes a while) → SESSION_INITIALISED, when writes of
 * static configuration that carry `X-Configuration-Type: mutable` are accepted → apply →
 * SESSION_APPLYING → SESSION_APPLIED. Abort ends an open session and restores the static
 * configuration it started from (whether AIC keeps or discards a session's writes on abort is
 * not documented; discarding them is the stricter reading: a client that aborts must not leave
 * clients pointing at what the session wrote). Owns `state.promotion.session`.
 */
import type { DirectConfigurationSession, SessionStatus, TenantContext } from '../types.js';
import { promotionState } from './jobs.js';

const delayMs = (tenant: TenantContext) => (tenant.options.environment?.sessionSeconds ?? 1) * 1000;

/** The session as time has moved it on (the state is updated). */
export function currentSession(tenant: TenantContext, now = Date.now()): DirectConfigurationSession {
  const promotion = promotionState(tenant.state);
  const session = promotion.session ?? { status: 'NO_SESSION' };
  if (session.settlesAt !== undefined && now >= session.settlesAt) {
    session.status = session.status === 'SESSION_INITIALISING' ? 'SESSION_INITIALISED' : session.status === 'SESSION_APPLYING' ? 'SESSION_APPLIED' : session.status;
    delete session.settlesAt;
    if (session.status === 'SESSION_APPLIED') delete session.before;
    promotion.session = session;
    tenant.changed();
  }
  return session;
}

/** A session that is open (initialising, initialised or applying): promotion locks are refused meanwhile. */
export function sessionOpen(tenant: TenantContext): boolean {
  const status: SessionStatus = currentSession(tenant).status;
  return status === 'SESSION_INITIALISING' || status === 'SESSION_INITIALISED' || status === 'SESSION_APPLYING';
}

export function setSession(tenant: TenantContext, session: DirectConfigurationSession, settles: boolean): DirectConfigurationSession {
  const next = { ...session, ...(settles ? { settlesAt: Date.now() + delayMs(tenant) } : {}) };
  if (!settles) delete next.settlesAt;
  promotionState(tenant.state).session = next;
  tenant.changed();
  return next;
}

/** What GET …/session/state answers (frodo-lib DirectConfigurationSessionState). */
export const sessionView = (session: DirectConfigurationSession) => ({ editable: session.status === 'SESSION_INITIALISED', status: session.status });
