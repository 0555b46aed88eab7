/** SSO sessions: created by a successful journey, found from the cookie-named header or Cookie, ended by logout. */
import { randomBytes } from 'node:crypto';
import { amError, ok } from '../http-util.js';
import type { Handler, SessionState, TenantContext, TenantRequest } from '../types.js';

const SESSION_LIFETIME_MS = 2 * 60 * 60 * 1000;
const SWEEP_EVERY = 1000;
let created = 0;

/** Drops expired entries now and then, so a long benchmark does not grow the runtime maps forever. */
export function sweepExpired(map: Map<string, { expiresAt: number }>): void {
  const now = Date.now();
  for (const [key, value] of map) if (value.expiresAt <= now) map.delete(key);
}

export function createSession(tenant: TenantContext, realm: string, kind: SessionState['kind'], principal: string): SessionState {
  const session: SessionState = { tokenId: `${randomBytes(24).toString('base64url')}.*AAJTSQACMDEAAlNLABx*`, realm, kind, principal, createdAt: Date.now(), expiresAt: Date.now() + SESSION_LIFETIME_MS };
  if (++created % SWEEP_EVERY === 0) sweepExpired(tenant.runtime.sessions);
  tenant.runtime.sessions.set(session.tokenId, session);
  return session;
}

export function ssoTokenOf(req: TenantRequest, tenant: TenantContext): string | undefined {
  const name = tenant.state.cookieName.toLowerCase();
  if (req.headers[name]) return req.headers[name];
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key.toLowerCase() === name) return rest.join('=');
  }
  return undefined;
}

export function sessionFrom(req: TenantRequest, tenant: TenantContext): SessionState | undefined {
  const token = ssoTokenOf(req, tenant);
  const session = token ? tenant.runtime.sessions.get(token) : undefined;
  if (!session) return undefined;
  if (session.expiresAt < Date.now()) {
    tenant.runtime.sessions.delete(session.tokenId);
    return undefined;
  }
  return session;
}

/** POST …/sessions?_action=logout (and validate): the SSO token in the cookie-named header or the Cookie. */
export const sessionsAction: Handler = (req, params, tenant) => {
  const session = sessionFrom(req, tenant);
  if (req.query._action === 'logout') {
    if (!session) return amError(401, 'Invalid session: no live SSO token in the request');
    tenant.runtime.sessions.delete(session.tokenId);
    return ok({ result: 'Successfully logged out' });
  }
  if (req.query._action === 'validate') return ok(session && session.realm === `/${params.realm}` ? { valid: true, uid: session.principal, realm: session.realm } : { valid: false });
  return amError(400, `Unknown action ${String(req.query._action)}: expected logout or validate`);
};
