/**
 * POST …/policies?_action=evaluate: checks the caller, reads the subject, and hands the decision to
 * the pure policy engine. Synchronous, so scripts can call it in-process. Must not change any state.
 *
 * The caller needs the policy-evaluation privilege (AM: "Entitlement REST access"): an agent's SSO
 * session in this realm (the design's policy-evaluator IG agent), a tenant administrator (root
 * session or admin bearer), or a service-account bearer with fr:am:*. An end user's session is
 * authenticated but not privileged: 403 — otherwise any user could ask the engine what any subject
 * may do. No credentials at all: 401.
 */
import { adminBearer, adminSession, requireAdmin } from '../auth-guard.js';
import { amError, jsonBody, ok, realmOf } from '../http-util.js';
import type { Handler, JsonObject, JsonValue } from '../types.js';
import { evaluatePolicies } from './policy-engine.js';
import { sessionFrom } from './sessions.js';
import { isJsonObject } from '../../common/json.js';
import { jwtClaims } from './jwt-claims.js';

/** null when the caller may evaluate policies in `realm`, else the 401 or 403 to answer. */
function callerDenied(req: Parameters<Handler>[0], realm: string, tenant: Parameters<Handler>[2]) {
  const session = sessionFrom(req, tenant);
  if (session?.kind === 'agent' && session.realm === `/${realm}`) return null;
  if (adminSession(req, tenant)) return null;
  if (adminBearer(req, tenant)) return requireAdmin(req, tenant);
  if (session) return amError(403, 'Forbidden: the session has no privilege to evaluate policies');
  return amError(401, 'Access Denied');
}

export const evaluate: Handler = (req, params, tenant) => {
  const denied = callerDenied(req, params.realm, tenant);
  if (denied) return denied;
  const realm = realmOf(tenant, params.realm);
  if (!realm) return amError(404, `Realm '${params.realm}' not found`);
  const parsed = jsonBody(req);
  if (parsed.error) return parsed.error;
  const { resources, application, subject } = parsed.body;
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string')) return amError(400, 'Policy evaluation: resources must be an array of strings');
  if (typeof application !== 'string' || !application) return amError(400, 'Policy evaluation: application (the policy set name) is required');
  if (subject !== undefined && !isJsonObject(subject)) return amError(400, 'Policy evaluation: subject must be an object with ssoToken, jwt or claims');
  let claims: JsonObject = {};
  let authenticated = false;
  if (subject && typeof subject.ssoToken === 'string') {
    const session = tenant.runtime.sessions.get(subject.ssoToken);
    authenticated = !!session && session.expiresAt > Date.now();
  } else if (subject && typeof subject.jwt === 'string') {
    const decoded = jwtClaims(subject.jwt);
    if (!decoded) return amError(400, 'Policy evaluation: subject.jwt is not a readable JWT');
    claims = decoded;
  } else if (subject && isJsonObject(subject.claims)) {
    claims = subject.claims;
  }
  const result = evaluatePolicies(realm, { application, resources: resources as string[], claims, context: { authenticated } });
  if (!result.ok) return amError(400, result.error);
  return ok(result.rows as unknown as JsonValue);
};
