/**
 * OAuth2 clients as the runtime sees them: lookup in the realm's stored (wrapped) form, the
 * OAuth2 error shape, and client authentication (client_secret_post or HTTP Basic). Read-only.
 */
import type { JsonObject, JsonValue, RealmState, TenantRequest, TenantResponse } from '../types.js';

export const oauthError = (status: number, error: string, description: string): TenantResponse => ({ status, body: { error, error_description: description } });

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
  const body = realm.oauth2Clients[id];
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
