/** Who may call the configuration APIs: a service-account bearer token with the right scope. */
import { amError } from './http-util.js';
import type { TenantContext, TenantRequest, TenantResponse } from './types.js';

export function bearerToken(req: TenantRequest): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** null when allowed, else the 401 to answer. */
export function requireAdmin(req: TenantRequest, tenant: TenantContext): TenantResponse | null {
  const token = bearerToken(req);
  const issued = token ? tenant.runtime.tokens.get(token) : undefined;
  if (!issued || issued.kind !== 'service-account' || issued.expiresAt < Date.now()) return amError(401, 'Access Denied');
  const needed = req.path.startsWith('/environment') ? 'fr:idc:esv:*' : 'fr:am:*';
  if (!issued.scope.includes(needed)) return amError(403, `The token lacks the scope ${needed}`);
  return null;
}
