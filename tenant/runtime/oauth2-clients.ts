/**
 * OAuth2 clients as the runtime sees them: lookup in the realm's stored (wrapped) form, the
 * OAuth2 error shape (descriptions bounded), repeated parameters, and client authentication
 * (client_secret_post or HTTP Basic). Read-only.
 */
import { own } from '../http-util.js';
import type { JsonObject, JsonValue, RealmState, TenantRequest, TenantResponse } from '../types.js';

/**
 * Longest error_description sent. A description can carry what the request (or a script's
 * InvalidScopeException) put in it — a scope list of megabytes would otherwise come back whole, and
 * in /authorize's error redirect it would break the Location header. AM's own bound is not
 * documented; 1 000 characters keep every real message and stop the echo.
 */
export const MAX_ERROR_DESCRIPTION = 1000;

export function boundedDescription(description: string): string {
  return description.length > MAX_ERROR_DESCRIPTION ? `${description.slice(0, MAX_ERROR_DESCRIPTION - 1)}…` : description;
}

export const oauthError = (status: number, error: string, description: string): TenantResponse => ({ status, body: { error, error_description: boundedDescription(description) } });

/** AM's answer to a parameter sent twice (OpenAM DuplicateRequestParameterValidator: 400 invalid_request, never a redirect). */
export const duplicateParameter = (name: string): TenantResponse => oauthError(400, 'invalid_request', `Invalid Request, duplicate request parameter found : ${name}`);

/** Client groups other than the overrides wrap values as {inherited, value}. */
export const unwrap = (value: JsonValue | undefined): JsonValue | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) && 'inherited' in value ? (value as JsonObject).value : value;
export const stringList = (value: JsonValue | undefined): string[] => {
  const inner = unwrap(value);
  return Array.isArray(inner) ? inner.map(String) : [];
};
export const splitScopes = (scope: string | undefined): string[] => [...new Set((scope ?? '').split(/\s+/).filter(Boolean))];

export interface Client {
  id: string;
  core: JsonObject;
  advanced: JsonObject;
  overrides: JsonObject;
}

export function clientOf(realm: RealmState, id: string): Client | undefined {
  const body = own(realm.oauth2Clients, id);
  if (!body) return undefined;
  const group = (name: string) => (body[name] && typeof body[name] === 'object' && !Array.isArray(body[name]) ? (body[name] as JsonObject) : {});
  return { id, core: group('coreOAuth2ClientConfig'), advanced: group('advancedOAuth2ClientConfig'), overrides: group('overrideOAuth2ClientConfig') };
}

export const clientSecret = (client: Client): string | undefined => {
  const stored = unwrap(client.core.userpassword);
  return typeof stored === 'string' && stored ? stored : undefined;
};
export const allowsGrant = (client: Client, grantType: string) => stringList(client.advanced.grantTypes).includes(grantType);

/** client_secret_post or HTTP Basic (RFC 6749 2.3.1: both parts form-urlencoded). Wrong or unknown → 401 invalid_client. */
export function authenticateClient(req: TenantRequest, form: Record<string, string>, realm: RealmState): Client | TenantResponse {
  let id = form.client_id;
  let secret = form.client_secret;
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const decode = (text: string) => {
      try {
        return decodeURIComponent(text.replace(/\+/g, ' '));
      } catch {
        return text;
      }
    };
    id = decode(colon < 0 ? decoded : decoded.slice(0, colon));
    secret = decode(colon < 0 ? '' : decoded.slice(colon + 1));
  }
  const client = id ? clientOf(realm, id) : undefined;
  const stored = client ? clientSecret(client) : undefined;
  if (!client || !stored || stored !== secret || unwrap(client.core.status) === 'Inactive') return oauthError(401, 'invalid_client', 'Client authentication failed');
  return client;
}

export const isResponse = (value: unknown): value is TenantResponse => !!value && typeof value === 'object' && 'status' in value && !Array.isArray(value);
