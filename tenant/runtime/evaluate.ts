/** POST …/policies?_action=evaluate: caller authenticated by an SSO session or a service-account token. */
import { requireAdmin } from '../auth-guard.js';
import { amError, jsonBody, ok, realmOf } from '../http-util.js';
import type { Handler, JsonObject, JsonValue } from '../types.js';
import { evaluatePolicies } from './policy-engine.js';
import { sessionFrom } from './sessions.js';

export const evaluate: Handler = (req, params, tenant) => {
  const session = sessionFrom(req, tenant);
  if (!session && requireAdmin(req, tenant)) return amError(401, 'Access Denied');
  const realm = realmOf(tenant, params.realm);
  if (!realm) return amError(404, `Realm '${params.realm}' not found`);
  const parsed = jsonBody(req);
  if (parsed.error) return parsed.error;
  const { resources, application, subject } = parsed.body as { resources?: JsonValue; application?: JsonValue; subject?: JsonObject };
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string')) return amError(400, 'resources must be an array of strings');
  if (typeof application !== 'string' || !realm.policySets[application]) return amError(400, `Application '${String(application)}' not found`);
  const claims = subject && typeof subject.claims === 'object' && subject.claims && !Array.isArray(subject.claims) ? (subject.claims as Record<string, JsonValue>) : {};
  const subjectToken = typeof subject?.ssoToken === 'string' ? tenant.runtime.sessions.get(subject.ssoToken) : undefined;
  const who = { claims, authenticated: Object.keys(claims).length > 0 || subjectToken !== undefined };
  return ok(evaluatePolicies(realm, application, resources as string[], who) as unknown as JsonValue);
};
