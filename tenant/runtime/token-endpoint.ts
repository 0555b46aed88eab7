/**
 * POST …/access_token: client_credentials, password (resource owner password credentials, against
 * the realm's users), authorization_code (code bound to client and redirect_uri, single use) and
 * refresh_token (same scopes or fewer). With the policy engine for scopes (scope-policy.ts) the
 * validated scopes are decided next. Issues opaque tokens into runtime.tokens, after the client's
 * Access Token Modification script when it has one, and an ID token (id-token.ts) when a user's
 * token has openid. The implicit flow (authorize.ts) mints its access tokens here too.
 */
import { randomBytes } from 'node:crypto';
import { formBody, ok, realmOf, repeatedParameter } from '../http-util.js';
import type { Handler, IssuedToken, JsonObject, JsonValue, RealmState, TenantContext, TenantRequest, TenantResponse } from '../types.js';
import { allowsGrant, authenticateClient, clientSecret, duplicateParameter, isResponse, oauthError, splitScopes, stringList, unwrap, type Client } from './oauth2-clients.js';
import { usesScript, validateScopes } from './scope-check.js';
import { consentImplied, decideDynamicScopes, nonInteractiveScopes, usesPolicyEngineForScope, type ScopeOwner } from './scope-policy.js';
import { issueIdToken } from './id-token.js';
import { runStoredScript } from './scripting.js';
import { sweepExpired } from './sessions.js';

export const ACCESS_TOKEN_SECONDS = 3599;
const REFRESH_TOKEN_SECONDS = 604_800;
const SWEEP_EVERY = 1000;
const opaque = () => randomBytes(24).toString('base64url');

export interface Grant {
  grantType: string;
  resourceOwnerId: string;
  /** The validated scopes, before the modification script. */
  scope: string[];
  identity: Record<string, string[]>;
  req: TenantRequest;
  form: Record<string, string>;
  /** Refresh token to issue alongside (same grant id), or none. */
  refresh?: { authGrantId?: string };
  /** OpenID Connect: the authorization request's nonce and the authentication time, for the ID token. */
  oidc?: { nonce?: string; authTime?: number };
}

/** AM hands the client itself as identity on client_credentials, its password included: scripts must not leak it. */
function clientIdentity(client: Client): Record<string, string[]> {
  return {
    uid: [client.id],
    cn: [client.id],
    userpassword: [clientSecret(client) ?? ''],
    AgentType: ['OAuth2Client'],
    sunIdentityServerDeviceStatus: [String(unwrap(client.core.status) ?? 'Active')],
    'com.forgerock.openam.oauth2provider.scopes': stringList(client.core.scopes),
  };
}

async function modifyToken(tenant: TenantContext, realmName: string, realm: RealmState, client: Client, grant: Grant): Promise<{ scope: string[]; fields: Record<string, JsonValue> } | TenantResponse> {
  if (!usesScript(client, 'accessTokenModification')) return { scope: grant.scope, fields: {} };
  const requestHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(grant.req.headers)) requestHeaders[name] = [value];
  const outcome = await runStoredScript(tenant, realm, String(client.overrides.accessTokenModificationScript ?? ''), 'OAUTH2_ACCESS_TOKEN_MODIFICATION', {
    realm: `/${realmName}`,
    accessToken: { scope: grant.scope, clientId: client.id, resourceOwnerId: grant.resourceOwnerId, grantType: grant.grantType },
    identity: { attributes: grant.identity },
    clientProperties: { clientId: client.id, allowedGrantTypes: stringList(client.advanced.grantTypes), allowedScopes: stringList(client.core.scopes), customProperties: {} },
    requestProperties: {
      requestUri: `${tenant.baseUrl()}${grant.req.path}`,
      realm: `/${realmName}`,
      requestParams: Object.fromEntries(Object.entries(grant.form).map(([key, value]) => [key, [value]])),
      requestHeaders,
    },
  });
  if (!outcome.ok || !outcome.accessToken) return oauthError(500, 'server_error', `The access token modification script of client ${client.id} failed`);
  return { scope: outcome.accessToken.scope, fields: JSON.parse(JSON.stringify(outcome.accessToken.fields ?? {})) as Record<string, JsonValue> };
}

/** An access token for the grant (after the token modification script): stored, and returned with its scope. Shared with the implicit flow. */
export async function mintAccessToken(tenant: TenantContext, realmName: string, realm: RealmState, client: Client, grant: Grant): Promise<{ token: string; scope: string[]; expiresIn: number; authGrantId: string } | TenantResponse> {
  const modified = await modifyToken(tenant, realmName, realm, client, grant);
  if (isResponse(modified)) return modified;
  const authGrantId = grant.refresh?.authGrantId ?? randomBytes(12).toString('base64url');
  const base = { realm: realmName, clientId: client.id, resourceOwnerId: grant.resourceOwnerId, grantType: grant.grantType, authGrantId };
  const token: IssuedToken = { ...base, token: opaque(), kind: 'access', scope: modified.scope, fields: modified.fields, expiresAt: Date.now() + ACCESS_TOKEN_SECONDS * 1000 };
  tenant.runtime.tokens.set(token.token, token);
  tenant.runtime.counters.tokensIssued += 1;
  if (tenant.runtime.counters.tokensIssued % SWEEP_EVERY === 0) {
    sweepExpired(tenant.runtime.tokens);
    sweepExpired(tenant.runtime.codes);
  }
  return { token: token.token, scope: token.scope, expiresIn: ACCESS_TOKEN_SECONDS, authGrantId };
}

async function issue(tenant: TenantContext, realmName: string, realm: RealmState, client: Client, grant: Grant): Promise<TenantResponse> {
  const minted = await mintAccessToken(tenant, realmName, realm, client, grant);
  if (isResponse(minted)) return minted;
  const now = Date.now();
  const base = { realm: realmName, clientId: client.id, resourceOwnerId: grant.resourceOwnerId, grantType: grant.grantType, authGrantId: minted.authGrantId };
  const body: JsonObject = { access_token: minted.token, scope: minted.scope.join(' '), token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS };
  // A user's token with openid comes with an ID token (OpenID Connect; the documented password grant shows one).
  const user = realm.users[grant.resourceOwnerId];
  if (user && grant.grantType !== 'client_credentials' && minted.scope.includes('openid')) {
    body.id_token = await issueIdToken(tenant, { realmName, clientId: client.id, user, scopes: minted.scope, nonce: grant.oidc?.nonce, authTime: grant.oidc?.authTime, accessToken: minted.token });
  }
  if (grant.refresh) {
    // The refresh token keeps the validated request, so a refresh re-runs the script (and the policy decision).
    const refresh: IssuedToken = { ...base, token: opaque(), kind: 'refresh', scope: grant.scope, fields: {}, expiresAt: now + REFRESH_TOKEN_SECONDS * 1000 };
    tenant.runtime.tokens.set(refresh.token, refresh);
    body.refresh_token = refresh.token;
  }
  return ok(body);
}

/**
 * The policy engine's scope decisions in a token request. Password and client credentials are not
 * interactive: undecided scopes are omitted — unless a user's client has implied consent (see
 * nonInteractiveScopes). A refresh keeps what the user had (consent included); only a policy that
 * now denies a scope removes it.
 */
async function dynamicScopes(tenant: TenantContext, realmName: string, realm: RealmState, client: Client, scopes: string[], owner: ScopeOwner, flow: 'non-interactive' | 'refresh'): Promise<string[] | TenantResponse> {
  if (!usesPolicyEngineForScope(client)) return scopes;
  const decision = await decideDynamicScopes(tenant, realmName, realm, client, scopes, owner);
  if (isResponse(decision)) return decision;
  return flow === 'refresh' ? scopes.filter((scope) => !decision.denied.includes(scope)) : nonInteractiveScopes(scopes, decision, owner.kind === 'user' && consentImplied(realm, client));
}

const wantsRefreshToken = (client: Client) => allowsGrant(client, 'refresh_token') && client.overrides.issueRefreshToken !== false;

export const accessToken: Handler = async (req, params, tenant) => {
  const realm = realmOf(tenant, params.realm);
  if (!realm) return oauthError(400, 'invalid_request', `Unknown realm ${params.realm}`);
  // A repeated parameter is refused, not resolved by "last one wins" (RFC 6749 §3.2; AM: invalid_request).
  const repeated = repeatedParameter(req, true);
  if (repeated) return duplicateParameter(repeated);
  const form = formBody(req);
  const client = authenticateClient(req, form, realm);
  if (isResponse(client)) return client;
  const grantType = form.grant_type;
  if (!grantType) return oauthError(400, 'invalid_request', 'grant_type is required');
  if (!['client_credentials', 'password', 'authorization_code', 'refresh_token'].includes(grantType)) return oauthError(400, 'unsupported_grant_type', `Grant type ${grantType} is not supported`);
  if (!allowsGrant(client, grantType)) return oauthError(400, 'unauthorized_client', `Client ${client.id} is not allowed the ${grantType} grant`);

  if (grantType === 'client_credentials') {
    const validated = await validateScopes(tenant, params.realm, realm, client, splitScopes(form.scope), 'validateAccessTokenScope');
    if (isResponse(validated)) return validated;
    const scope = await dynamicScopes(tenant, params.realm, realm, client, validated, { kind: 'client', id: client.id, attributes: {}, authenticated: false }, 'non-interactive');
    if (isResponse(scope)) return scope;
    return issue(tenant, params.realm, realm, client, { grantType, resourceOwnerId: client.id, scope, identity: clientIdentity(client), req, form });
  }

  if (grantType === 'password') {
    // Authenticated against the realm's users, as the default journey's Data Store Decision does.
    const user = form.username ? Object.values(realm.users).find((u) => u.username === form.username) : undefined;
    if (!user || !form.password || user.password !== form.password) return oauthError(400, 'invalid_grant', 'The resource owner credentials are invalid');
    const validated = await validateScopes(tenant, params.realm, realm, client, splitScopes(form.scope), 'validateAccessTokenScope');
    if (isResponse(validated)) return validated;
    const scope = await dynamicScopes(tenant, params.realm, realm, client, validated, { kind: 'user', id: user._id, attributes: user.attributes, authenticated: true }, 'non-interactive');
    if (isResponse(scope)) return scope;
    return issue(tenant, params.realm, realm, client, { grantType, resourceOwnerId: user._id, scope, identity: user.attributes, req, form, refresh: wantsRefreshToken(client) ? {} : undefined });
  }

  if (grantType === 'authorization_code') {
    const code = tenant.runtime.codes.get(form.code ?? '');
    if (code) tenant.runtime.codes.delete(code.code); // single use, even when this exchange fails
    if (!code || code.expiresAt < Date.now() || code.clientId !== client.id || code.realm !== params.realm) return oauthError(400, 'invalid_grant', 'The provided access grant is invalid, expired, or revoked.');
    if (code.redirectUri !== form.redirect_uri) return oauthError(400, 'invalid_grant', 'The redirect_uri does not match the one of the authorization request');
    const user = realm.users[code.userId];
    if (!user) return oauthError(400, 'invalid_grant', 'The resource owner of this grant no longer exists');
    return issue(tenant, params.realm, realm, client, { grantType, resourceOwnerId: user._id, scope: code.scope, identity: user.attributes, req, form, refresh: wantsRefreshToken(client) ? {} : undefined, oidc: { nonce: code.nonce, authTime: code.authTime } });
  }

  const refresh = tenant.runtime.tokens.get(form.refresh_token ?? '');
  if (!refresh || refresh.kind !== 'refresh' || refresh.expiresAt < Date.now() || refresh.clientId !== client.id || refresh.realm !== params.realm) return oauthError(400, 'invalid_grant', 'The refresh token is invalid, expired, or revoked.');
  const requested = form.scope ? splitScopes(form.scope) : refresh.scope;
  const wider = requested.filter((scope) => !refresh.scope.includes(scope));
  if (wider.length) return oauthError(400, 'invalid_scope', `Scope(s) not in the original grant: [${wider.join(', ')}]`);
  const validated = await validateScopes(tenant, params.realm, realm, client, requested, 'validateRefreshTokenScope');
  if (isResponse(validated)) return validated;
  const user = realm.users[refresh.resourceOwnerId];
  const identity = user ? user.attributes : clientIdentity(client);
  const owner: ScopeOwner = user ? { kind: 'user', id: user._id, attributes: user.attributes, authenticated: true } : { kind: 'client', id: client.id, attributes: {}, authenticated: false };
  const scope = await dynamicScopes(tenant, params.realm, realm, client, validated, owner, 'refresh');
  if (isResponse(scope)) return scope;
  const rotate = client.overrides.issueRefreshTokenOnRefreshedToken !== false;
  const answer = await issue(tenant, params.realm, realm, client, { grantType, resourceOwnerId: refresh.resourceOwnerId, scope, identity, req, form, refresh: rotate ? { authGrantId: refresh.authGrantId } : undefined });
  if (answer.status === 200 && rotate) tenant.runtime.tokens.delete(refresh.token);
  return answer;
};
