/** The wrapper every configuration API handler shares: admin token, realm, JSON body. */
import { requireAdmin } from './auth-guard.js';
import { amError, jsonBody, realmOf } from './http-util.js';
import type { Handler, JsonObject, RealmState, TenantContext, TenantRequest, TenantResponse } from './types.js';

/** Admin guard, realm lookup and JSON body parsing shared by every configuration handler. */
export function adminHandler(handler: (req: TenantRequest, params: Record<string, string>, realm: RealmState, tenant: TenantContext, body: JsonObject) => TenantResponse): Handler {
  return (req, params, tenant) => {
    const denied = requireAdmin(req, tenant);
    if (denied) return denied;
    const realm = realmOf(tenant, params.realm);
    if (!realm) return amError(404, `Realm '${params.realm}' not found`);
    const parsed = jsonBody(req);
    if (parsed.error) return parsed.error;
    return handler(req, params, realm, tenant, parsed.body);
  };
}
