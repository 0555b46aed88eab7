/**
 * Who may call the configuration APIs: a bearer token with the right scope — a service account's
 * (JWT bearer grant) or a tenant administrator's (the root realm's admin client, after an admin
 * login) — or, for AM's own APIs (/am/json), a tenant administrator's SSO session, as AM accepts
 * its session cookie. Scopes: `fr:am:*` for /am/json, `fr:idc:esv:*` for /environment,
 * `fr:idm:*` for /openidm. Reads runtime tokens and sessions; changes nothing.
 */
import { amError, own } from './http-util.js';
import { ROOT_REALM } from './root-realm.js';
import { sessionFrom } from './runtime/sessions.js';
import type { IssuedToken, TenantContext, TenantRequest, TenantResponse } from './types.js';

export function bearerToken(req: TenantRequest): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** The scope a path's family needs. */
export function neededScope(path: string): string {
  if (path.startsWith('/environment')) return 'fr:idc:esv:*';
  if (path.startsWith('/openidm')) return 'fr:idm:*';
  return 'fr:am:*';
}

/** A live bearer token the configuration APIs accept: a service account's, or one the root realm issued to an administrator. */
export function adminBearer(req: TenantRequest, tenant: TenantContext): IssuedToken | undefined {
  const token = bearerToken(req);
  const issued = token ? tenant.runtime.tokens.get(token) : undefined;
  if (!issued || issued.expiresAt < Date.now()) return undefined;
  if (issued.kind === 'service-account') return issued;
  if (issued.kind === 'access' && issued.realm === ROOT_REALM && isAdministrator(tenant, issued.resourceOwnerId)) return issued;
  return undefined;
}

/** A user of the root realm: the tenant's administrators. */
export function isAdministrator(tenant: TenantContext, userId: string): boolean {
  return !!own(own(tenant.state.realms, ROOT_REALM)?.users, userId);
}

/** The request carries a live SSO session of a tenant administrator (root realm). */
export function adminSession(req: TenantRequest, tenant: TenantContext): boolean {
  const session = sessionFrom(req, tenant);
  return !!session && session.realm === '/' && session.kind === 'user' && isAdministrator(tenant, session.principal);
}

/** null when allowed, else the 401 (no or unknown/expired credentials) or 403 (missing scope) to answer. */
export function requireAdmin(req: TenantRequest, tenant: TenantContext): TenantResponse | null {
  const needed = neededScope(req.path);
  const issued = adminBearer(req, tenant);
  if (!issued) return needed === 'fr:am:*' && adminSession(req, tenant) ? null : amError(401, 'Access Denied');
  if (!issued.scope.includes(needed)) return amError(403, `The token lacks the scope ${needed}`);
  return null;
}
