/**
 * OAuth2 endpoints of a realm: /authorize (code flow with a session), /access_token
 * (client_credentials, authorization_code, refresh_token) and /introspect, with the per-client
 * overrides that run the Validate Scope and Access Token Modification scripts.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { formBody, ok, realmOf } from '../http-util.js';
import type { Handler, IssuedToken, JsonObject, JsonValue, RealmState, TenantContext, TenantRequest, TenantResponse } from '../types.js';
import { runStoredScript } from './scripting.js';
import { sessionFrom } from './sessions.js';

const ACCESS_TOKEN_SECONDS = 3599;
const REFRESH_TOKEN_SECONDS = 604_800;
const CODE_SECONDS = 120;

const oauthError = (status: number, error: string, description: string): TenantResponse => ({ status, body: { error, error_description: description } });
const unwrap = (value: JsonValue | undefined): JsonValue | undefined => (value && typeof value === 'object' && !Array.isArray(value) && 'inherited' in value ? (value as JsonObject).value : value);
const list = (value: JsonValue | undefined): string[] => (Array.isArray(unwrap(value)) ? (unwrap(value) as JsonValue[]).map(String) : []);
const splitScopes = (scope: string | undefined) => (scope ?? '').split(/\s+/).filter(Boolean);

interface Client {
  id: string;
  body: JsonObject;
  core: JsonObject;
  advanced: JsonObject;
  overrides: JsonObject;
}

function clientOf(realm: RealmState, id: string): Client | undefined {
  const body = realm.oauth2Clients[id];
  if (!body) return undefined;
  return { id, body, core: (body.coreOAuth2ClientConfig ?? {}) as JsonObject, advanced: (body.advancedOAuth2ClientConfig ?? {}) as JsonObject, overrides: (body.overrideOAuth2ClientConfig ?? {}) as JsonObject };
}

/** client_secret_post or HTTP Basic. */
function authenticateClient(req: TenantRequest, form: Record<string, string>, realm: RealmState): Client | TenantResponse {
  let id = form.client_id;
  let secret = form.client_secret;
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const [user, ...rest] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    id = decodeURIComponent(user);
    secret = decodeURIComponent(rest.join(':'));
  }
  const client = id ? clientOf(realm, id) : undefined;
  const stored = client ? unwrap(client.core.userpassword) : undefined;
  if (!client || typeof stored !== 'string' || stored !== secret || unwrap(client.core.status) === 'Inactive') return oauthError(401, 'invalid_client', 'Client authentication failed');
  return client;
}

const scripted = (client: Client, kind: 'validateScope' | 'accessTokenModification') => client.overrides.providerOverridesEnabled === true && client.overrides[`${kind}PluginType`] === 'SCRIPTED';

type Entry = 'validateAuthorizationScope' | 'validateAccessTokenScope' | 'validateRefreshTokenScope';

async function validateScopes(tenant: TenantContext, realmName: string, realm: RealmState, client: Client, requested: string[], entry: Entry): Promise<string[] | TenantResponse> {
  const allowed = list(client.core.scopes);
  const defaults = list(client.core.defaultScopes);
  if (scripted(client, 'validateScope')) {
    const outcome = await runStoredScript(tenant, realm, String(client.overrides.validateScopeScript), 'OAUTH2_VALIDATE_SCOPE', { realm: `/${realmName}`, requestedScopes: requested, allowedScopes: allowed, defaultScopes: defaults }, entry);
    if (outcome.invalidScope !== undefined) return oauthError(400, 'invalid_scope', outcome.invalidScope);
    if (!outcome.ok) return oauthError(500, 'server_error', 'Scope validation script failed');
    const returned = outcome.returnedScopes ?? [];
    // AM narrows to what was requested; a validator cannot widen.
    return requested.length ? requested.filter((scope) => returned.includes(scope)) : returned;
  }
  if (requested.length === 0) return defaults;
  const unknown = requested.filter((scope) => !allowed.includes(scope));
  if (unknown.length) return oauthError(400, 'invalid_scope', `Unknown/invalid scope(s): [${unknown.join(', ')}]`);
  return requested;
}

interface Grant {
  grantType: string;
  resourceOwnerId: string;
  scope: string[];
  identity: Record<string, string[]>;
  req: TenantRequest;
  form: Record<string, string>;
  issueRefresh: boolean;
}

async function issue(tenant: TenantContext, realmName: string, realm: RealmState, client: Client, grant: Grant): Promise<TenantResponse> {
  let scope = grant.scope;
  let fields: Record<string, JsonValue> = {};
  if (scripted(client, 'accessTokenModification')) {
    const requestHeaders: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(grant.req.headers)) requestHeaders[name] = [value];
    const outcome = await runStoredScript(tenant, realm, String(client.overrides.accessTokenModificationScript), 'OAUTH2_ACCESS_TOKEN_MODIFICATION', {
      realm: `/${realmName}`,
      accessToken: { scope, clientId: client.id, resourceOwnerId: grant.resourceOwnerId, grantType: grant.grantType },
      identity: { attributes: grant.identity },
      clientProperties: { clientId: client.id, allowedGrantTypes: list(client.advanced.grantTypes), allowedScopes: list(client.core.scopes), customProperties: {} },
      requestProperties: { requestUri: `${tenant.baseUrl()}${grant.req.path}`, realm: `/${realmName}`, requestParams: Object.fromEntries(Object.entries(grant.form).map(([k, v]) => [k, [v]])), requestHeaders },
    });
    if (!outcome.ok || !outcome.accessToken) return oauthError(500, 'server_error', 'Access token modification script failed');
    scope = outcome.accessToken.scope;
    fields = outcome.accessToken.fields as Record<string, JsonValue>;
  }
  const authGrantId = randomBytes(12).toString('base64url');
  const token: IssuedToken = { token: randomBytes(24).toString('base64url'), kind: 'access', realm: realmName, clientId: client.id, resourceOwnerId: grant.resourceOwnerId, grantType: grant.grantType, scope, fields, expiresAt: Date.now() + ACCESS_TOKEN_SECONDS * 1000, authGrantId };
  tenant.runtime.tokens.set(token.token, token);
  tenant.runtime.counters.tokensIssued += 1;
  const body: JsonObject = { access_token: token.token, scope: scope.join(' '), token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS };
  if (grant.issueRefresh && list(client.advanced.grantTypes).includes('refresh_token')) {
    // The refresh token keeps the validated request, so a refresh re-runs the policy decision.
    const refresh: IssuedToken = { ...token, token: randomBytes(24).toString('base64url'), kind: 'refresh', scope: grant.scope, fields: {}, expiresAt: Date.now() + REFRESH_TOKEN_SECONDS * 1000 };
    tenant.runtime.tokens.set(refresh.token, refresh);
    body.refresh_token = refresh.token;
  }
  return ok(body);
}

function identityOfClient(client: Client): Record<string, string[]> {
  // AM hands the client itself as identity on client_credentials, password included: scripts must not leak it.
  return { uid: [client.id], userpassword: [String(unwrap(client.core.userpassword) ?? '')], cn: [client.id] };
}

const accessToken: Handler = async (req, params, tenant) => {
  const realm = realmOf(tenant, params.realm);
  if (!realm) return oauthError(400, 'invalid_request', 'Unknown realm');
  const form = formBody(req);
  const client = authenticateClient(req, form, realm);
  if ('status' in client) return client;
  const grantType = form.grant_type;
  if (!grantType) return oauthError(400, 'invalid_request', 'grant_type is required');
  if (!list(client.advanced.grantTypes).includes(grantType)) return oauthError(400, 'unauthorized_client', `Client is not allowed the ${grantType} grant`);
  if (grantType === 'client_credentials') {
    const scope = await validateScopes(tenant, params.realm, realm, client, splitScopes(form.scope), 'validateAccessTokenScope');
    if (!Array.isArray(scope)) return scope;
    return issue(tenant, params.realm, realm, client, { grantType, resourceOwnerId: client.id, scope, identity: identityOfClient(client), req, form, issueRefresh: false });
  }
  if (grantType === 'authorization_code') {
    const code = tenant.runtime.codes.get(form.code ?? '');
    if (code) tenant.runtime.codes.delete(code.code); // single use, even when the exchange fails
    if (!code || code.expiresAt < Date.now() || code.clientId !== client.id || code.realm !== params.realm) return oauthError(400, 'invalid_grant', 'The provided access grant is invalid, expired, or revoked.');
    if (code.redirectUri !== form.redirect_uri) return oauthError(400, 'invalid_grant', 'redirect_uri does not match the authorization request');
    const user = realm.users[code.userId];
    return issue(tenant, params.realm, realm, client, { grantType, resourceOwnerId: code.userId, scope: code.scope, identity: user?.attributes ?? {}, req, form, issueRefresh: true });
  }
  if (grantType === 'refresh_token') {
    const refresh = tenant.runtime.tokens.get(form.refresh_token ?? '');
    if (!refresh || refresh.kind !== 'refresh' || refresh.expiresAt < Date.now() || refresh.clientId !== client.id) return oauthError(400, 'invalid_grant', 'grant is invalid');
    const requested = form.scope ? splitScopes(form.scope) : refresh.scope;
    if (requested.some((scope) => !refresh.scope.includes(scope))) return oauthError(400, 'invalid_scope', 'A refreshed token cannot have more scopes than the original grant');
    const scope = await validateScopes(tenant, params.realm, realm, client, requested, 'validateRefreshTokenScope');
    if (!Array.isArray(scope)) return scope;
    const user = realm.users[refresh.resourceOwnerId];
    return issue(tenant, params.realm, realm, client, { grantType, resourceOwnerId: refresh.resourceOwnerId, scope, identity: user?.attributes ?? identityOfClient(client), req, form, issueRefresh: false });
  }
  return oauthError(400, 'unsupported_grant_type', `Grant type ${grantType} is not supported`);
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const authorize: Handler = async (req, params, tenant) => {
  const realm = realmOf(tenant, params.realm);
  if (!realm) return oauthError(400, 'invalid_request', 'Unknown realm');
  const input = { ...req.query, ...(req.method === 'POST' ? formBody(req) : {}) };
  const client = input.client_id ? clientOf(realm, input.client_id) : undefined;
  if (!client) return oauthError(400, 'invalid_client', 'Unknown client');
  const redirects = list(client.core.redirectionUris);
  if (!input.redirect_uri || !redirects.includes(input.redirect_uri)) return oauthError(400, 'redirect_uri_mismatch', 'The redirection URI provided does not match a pre-registered value.');
  const redirect = (query: Record<string, string>): TenantResponse => {
    const location = new URL(input.redirect_uri);
    for (const [key, value] of Object.entries({ ...query, ...(input.state ? { state: input.state } : {}) })) location.searchParams.set(key, value);
    return { status: 302, headers: { location: location.toString() }, body: '' };
  };
  const session = sessionFrom(req, tenant);
  if (!session || session.kind !== 'user' || session.realm !== `/${params.realm}`) return oauthError(401, 'access_denied', 'No user session: authenticate first and send the session cookie');
  if (input.response_type !== 'code' || !list(client.advanced.responseTypes).includes('code')) return redirect({ error: 'unsupported_response_type', error_description: 'Only response_type=code is supported' });
  if (!list(client.advanced.grantTypes).includes('authorization_code')) return redirect({ error: 'unauthorized_client', error_description: 'Client is not allowed the authorization code grant' });
  const scope = await validateScopes(tenant, params.realm, realm, client, splitScopes(input.scope), 'validateAuthorizationScope');
  if (!Array.isArray(scope)) return redirect({ error: String((scope.body as JsonObject).error), error_description: String((scope.body as JsonObject).error_description) });
  if (input.decision !== 'allow') {
    if (input.decision === 'deny') return redirect({ error: 'access_denied', error_description: 'Resource Owner did not authorize the request' });
    const hidden = Object.entries(input).filter(([key]) => key !== 'decision').map(([key, value]) => `<input type="hidden" name="${escapeHtml(key)}" value="${escapeHtml(value)}">`).join('');
    const items = scope.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
    return { status: 200, body: `<!doctype html><title>Consent</title><h1>${escapeHtml(client.id)} asks for</h1><ul>${items}</ul><form method="post">${hidden}<input type="hidden" name="csrf" value=""><button name="decision" value="allow">Allow</button><button name="decision" value="deny">Deny</button></form>` };
  }
  if (input.csrf !== session.tokenId) return redirect({ error: 'access_denied', error_description: 'csrf does not match the session' });
  const code = randomBytes(18).toString('base64url');
  tenant.runtime.codes.set(code, { code, realm: params.realm, clientId: client.id, redirectUri: input.redirect_uri, userId: session.principal, scope, expiresAt: Date.now() + CODE_SECONDS * 1000 });
  return redirect({ code, iss: `${tenant.baseUrl()}/am/oauth2/realms/root/realms/${params.realm}`, client_id: client.id });
};

/** Who may introspect: the audience always; without an audience, the token's own client (as resource owner on client_credentials). */
function mayIntrospect(token: IssuedToken, clientId: string): boolean {
  const aud = token.fields.aud;
  if (aud !== undefined && aud !== null) return Array.isArray(aud) ? aud.map(String).includes(clientId) : String(aud) === clientId || (token.resourceOwnerId === token.clientId && token.clientId === clientId);
  return token.clientId === clientId;
}

const introspect: Handler = (req, params, tenant) => {
  const realm = realmOf(tenant, params.realm);
  if (!realm) return oauthError(400, 'invalid_request', 'Unknown realm');
  const form = formBody(req);
  const client = authenticateClient(req, form, realm);
  if ('status' in client) return client;
  const token = tenant.runtime.tokens.get(form.token ?? '');
  if (!token || token.kind !== 'access' || token.realm !== params.realm || token.expiresAt < Date.now() || !mayIntrospect(token, client.id)) return ok({ active: false });
  return ok({
    active: true,
    scope: token.scope.join(' '),
    realm: `/${params.realm}`,
    client_id: client.id,
    user_id: token.resourceOwnerId,
    username: token.resourceOwnerId,
    token_type: 'Bearer',
    exp: Math.floor(token.expiresAt / 1000),
    sub: token.clientId,
    subname: token.clientId,
    iss: `${tenant.baseUrl()}/am/oauth2/realms/root/realms/${params.realm}`,
    authGrantId: token.authGrantId,
    auditTrackingId: randomUUID(),
    ...token.fields,
  });
};

const O = '^/am/oauth2/realms/root/realms/(?<realm>[^/]+)';
export const oauth2Routes = [
  { method: 'POST', pattern: new RegExp(`${O}/access_token$`), handle: accessToken },
  { method: 'GET', pattern: new RegExp(`${O}/authorize$`), handle: authorize },
  { method: 'POST', pattern: new RegExp(`${O}/authorize$`), handle: authorize },
  { method: 'POST', pattern: new RegExp(`${O}/introspect$`), handle: introspect },
];
