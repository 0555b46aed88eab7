/**
 * The root realm's token endpoint (`POST /am/oauth2/access_token`): service-account login (JWT
 * bearer grant, assertion verified against the account's public key, single use) and, for the
 * root realm's admin-UI client, the PKCE authorization-code exchange; and server info.
 */
import { createHash, randomBytes } from 'node:crypto';
import { importJWK, jwtVerify, type JWK } from 'jose';
import { formBody, ok, own, repeatedParameter } from '../http-util.js';
import { ROOT_REALM } from '../root-realm.js';
import { duplicateParameter, oauthError, splitScopes, stringList, unwrap } from '../runtime/oauth2-clients.js';
import type { Route, TenantContext, TenantRequest, TenantResponse } from '../types.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_ASSERTION_LIFETIME_S = 180;
const CLOCK_SKEW_S = 30;
const TOKEN_LIFETIME_S = 899;
const ADMIN_TOKEN_LIFETIME_S = 3599;

/** `scheme://host[:port]/path` split, or undefined. */
function endpointParts(url: string): { scheme: string; host: string; port: string; path: string } | undefined {
  const match = /^(https?):\/\/([^/?#:@]+)(?::(\d{1,5}))?(\/[^?#]*)$/i.exec(url);
  if (!match) return undefined;
  const scheme = match[1].toLowerCase();
  const defaultPort = scheme === 'https' ? '443' : '80';
  return { scheme, host: match[2].toLowerCase(), port: !match[3] || match[3] === defaultPort ? '' : match[3], path: match[4] };
}

/**
 * The assertion's audience names this token endpoint: the same URL, with the scheme's default port
 * (443, 80) written out or left implicit — what common clients send (frodo-lib createPayload adds
 * `:443`/`:80` when the host has no port). Nothing else is normalised: no other port, path, query
 * or trailing slash.
 */
export function sameEndpoint(audience: string, expected: string): boolean {
  const a = endpointParts(audience);
  const b = endpointParts(expected);
  return !!a && !!b && a.scheme === b.scheme && a.host === b.host && a.port === b.port && a.path === b.path;
}

/** Forgets assertion ids whose assertion has expired: they can no longer be replayed anyway. */
function sweepAssertionIds(tenant: TenantContext, now: number): void {
  for (const [id, expiresAt] of tenant.runtime.assertionIds) if (expiresAt < now) tenant.runtime.assertionIds.delete(id);
}

async function serviceAccountToken(form: Record<string, string>, tenant: TenantContext): Promise<TenantResponse> {
  if (form.client_id !== 'service-account') return oauthError(400, 'invalid_client', 'Unknown client');
  if (!form.assertion) return oauthError(400, 'invalid_request', 'Missing assertion');
  const parts = form.assertion.split('.');
  let claims: { iss?: string; sub?: string };
  try {
    claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return oauthError(400, 'invalid_grant', 'Malformed assertion');
  }
  const account = typeof claims.iss === 'string' ? own(tenant.state.serviceAccounts, claims.iss) : undefined;
  if (!account || claims.sub !== claims.iss) return oauthError(400, 'invalid_grant', 'Unknown service account');
  let payload: { exp?: number; jti?: unknown; aud?: unknown };
  try {
    const key = await importJWK(account.publicJwk as JWK, 'RS256');
    ({ payload } = await jwtVerify(form.assertion, key, { issuer: account.id, subject: account.id, clockTolerance: CLOCK_SKEW_S, algorithms: ['RS256'] }));
  } catch (error) {
    return oauthError(400, 'invalid_grant', `Assertion rejected: ${(error as { code?: string }).code ?? 'invalid'}`);
  }
  const expected = `${tenant.baseUrl()}/am/oauth2/access_token`;
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.some((aud) => typeof aud === 'string' && sameEndpoint(aud, expected))) return oauthError(400, 'invalid_grant', `Assertion rejected: the audience must be ${expected}`);
  const now = Date.now();
  if (typeof payload.exp !== 'number' || payload.exp > now / 1000 + MAX_ASSERTION_LIFETIME_S + CLOCK_SKEW_S) return oauthError(400, 'invalid_grant', 'The assertion must expire within 180 seconds');
  // RFC 7523 §3 (7): the jti lets the server refuse a replayed assertion; AM keeps the ids it saw.
  if (typeof payload.jti !== 'string' || !payload.jti) return oauthError(400, 'invalid_grant', 'The assertion must carry a jti');
  sweepAssertionIds(tenant, now);
  const assertionId = `${account.id}:${payload.jti}`;
  if (tenant.runtime.assertionIds.has(assertionId)) return oauthError(400, 'invalid_grant', 'The assertion has already been used (jti replayed)');
  const requested = form.scope === undefined ? account.scopes : splitScopes(form.scope);
  const unsupported = requested.filter((scope) => !account.scopes.includes(scope));
  // AIC's text, which clients parse to retry without these scopes (frodo-lib getFreshSaBearerToken: substring(39).split(',')).
  if (unsupported.length) return oauthError(400, 'invalid_scope', `Unsupported scope for service account: ${unsupported.join(',')}`);
  // Used only once it bought a token: a refused request (bad scope) can be sent again corrected.
  tenant.runtime.assertionIds.set(assertionId, (payload.exp + CLOCK_SKEW_S) * 1000);
  const token = randomBytes(24).toString('base64url');
  tenant.runtime.tokens.set(token, { token, kind: 'service-account', realm: '/', clientId: 'service-account', resourceOwnerId: account.id, grantType: JWT_BEARER, scope: requested, fields: {}, expiresAt: now + TOKEN_LIFETIME_S * 1000, authGrantId: randomBytes(8).toString('hex') });
  return ok({ access_token: token, scope: requested.join(' '), token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S });
}

const pkceS256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * The root realm's authorization-code exchange, for its public admin-UI client (`idmAdminClient`:
 * no secret, PKCE required, as frodo and the platform UI log an administrator in). The code is
 * single use, bound to client and redirect_uri; the token is a bearer for the configuration APIs
 * with the client's scopes (auth-guard.ts).
 */
function rootCodeExchange(form: Record<string, string>, tenant: TenantContext): TenantResponse {
  if (form.grant_type !== 'authorization_code') return oauthError(400, 'unsupported_grant_type', 'Grant type is not supported');
  const root = own(tenant.state.realms, ROOT_REALM);
  const client = form.client_id ? own(root?.oauth2Clients, form.client_id) : undefined;
  if (!root || !client) return oauthError(401, 'invalid_client', 'Client authentication failed');
  const code = tenant.runtime.codes.get(form.code ?? '');
  if (code) tenant.runtime.codes.delete(code.code);
  if (!code || code.realm !== ROOT_REALM || code.clientId !== form.client_id || code.expiresAt < Date.now() || code.redirectUri !== form.redirect_uri) return oauthError(400, 'invalid_grant', 'The provided access grant is invalid, expired, or revoked.');
  if (!code.codeChallenge || !form.code_verifier || (code.codeChallengeMethod ?? 'plain') !== 'S256' || pkceS256(form.code_verifier) !== code.codeChallenge) return oauthError(400, 'invalid_grant', 'The PKCE code_verifier does not match the code_challenge');
  const scope = code.scope.length ? code.scope : stringList(unwrap((client.coreOAuth2ClientConfig as Record<string, never> | undefined)?.defaultScopes));
  const token = randomBytes(24).toString('base64url');
  tenant.runtime.tokens.set(token, { token, kind: 'access', realm: ROOT_REALM, clientId: form.client_id, resourceOwnerId: code.userId, grantType: 'authorization_code', scope, fields: {}, expiresAt: Date.now() + ADMIN_TOKEN_LIFETIME_S * 1000, authGrantId: randomBytes(8).toString('hex') });
  return ok({ access_token: token, scope: scope.join(' '), token_type: 'Bearer', expires_in: ADMIN_TOKEN_LIFETIME_S });
}

async function rootTokenEndpoint(req: TenantRequest, _params: Record<string, string>, tenant: TenantContext): Promise<TenantResponse> {
  const repeated = repeatedParameter(req, true);
  if (repeated) return duplicateParameter(repeated);
  const form = formBody(req);
  if (form.grant_type === JWT_BEARER) return serviceAccountToken(form, tenant);
  return rootCodeExchange(form, tenant);
}

function serverInfo(_req: TenantRequest, _params: Record<string, string>, tenant: TenantContext): TenantResponse {
  return ok({ _id: '*', _rev: '1', domains: [], protectedUserAttributes: [], cookieName: tenant.state.cookieName, secureCookie: false, forgotPassword: 'false', forgotUsername: 'false', kbaEnabled: 'false', selfRegistration: 'false', lang: 'en-US', successfulUserRegistrationDestination: 'default', socialImplementations: [], referralsEnabled: 'false', zeroPageLogin: { enabled: false, refererWhitelist: [], allowedWithoutReferer: true }, realm: '/', xuiUserSessionValidationEnabled: true, fileBasedConfiguration: true, userIdAttributes: [] });
}

function serverVersion(_req: TenantRequest, _params: Record<string, string>, tenant: TenantContext): TenantResponse {
  return ok({ _id: 'version', _rev: '1', version: tenant.state.amVersion, fullVersion: `ForgeRock Access Management ${tenant.state.amVersion} (local tenant)`, revision: 'local', date: '2026-01-01' });
}

export const adminRoutes: Route[] = [
  { method: 'POST', pattern: /^\/am\/oauth2\/access_token$/, handle: rootTokenEndpoint },
  { method: 'GET', pattern: /^\/am\/json\/serverinfo\/version$/, handle: serverVersion },
  { method: 'GET', pattern: /^\/am\/json\/serverinfo\/\*$/, handle: serverInfo },
];
