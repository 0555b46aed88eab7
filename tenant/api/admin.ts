/** Service-account login (JWT bearer grant, assertion verified against the account's public key) and server info. */
import { randomBytes } from 'node:crypto';
import { importJWK, jwtVerify, type JWK } from 'jose';
import { formBody, ok } from '../http-util.js';
import type { Route, TenantContext, TenantRequest, TenantResponse } from '../types.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_ASSERTION_LIFETIME_S = 180;
const TOKEN_LIFETIME_S = 899;

const oauthError = (status: number, error: string, description: string): TenantResponse => ({ status, body: { error, error_description: description } });

async function serviceAccountToken(req: TenantRequest, _params: Record<string, string>, tenant: TenantContext): Promise<TenantResponse> {
  const form = formBody(req);
  if (form.grant_type !== JWT_BEARER) return oauthError(400, 'unsupported_grant_type', 'Grant type is not supported');
  if (form.client_id !== 'service-account') return oauthError(400, 'invalid_client', 'Unknown client');
  if (!form.assertion) return oauthError(400, 'invalid_request', 'Missing assertion');
  const parts = form.assertion.split('.');
  let claims: { iss?: string; sub?: string; exp?: number; iat?: number };
  try {
    claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return oauthError(400, 'invalid_grant', 'Malformed assertion');
  }
  const account = claims.iss ? tenant.state.serviceAccounts[claims.iss] : undefined;
  if (!account || claims.sub !== claims.iss) return oauthError(400, 'invalid_grant', 'Unknown service account');
  try {
    const key = await importJWK(account.publicJwk as JWK, 'RS256');
    const { payload } = await jwtVerify(form.assertion, key, { audience: `${tenant.baseUrl()}/am/oauth2/access_token`, issuer: account.id, subject: account.id, clockTolerance: 30 });
    if (typeof payload.exp !== 'number' || payload.exp > Date.now() / 1000 + MAX_ASSERTION_LIFETIME_S + 30) return oauthError(400, 'invalid_grant', 'The assertion must expire within 180 seconds');
  } catch (error) {
    return oauthError(400, 'invalid_grant', `Assertion rejected: ${(error as { code?: string }).code ?? 'invalid'}`);
  }
  const requested = (form.scope ?? account.scopes.join(' ')).split(/\s+/).filter(Boolean);
  const denied = requested.filter((scope) => !account.scopes.includes(scope));
  if (denied.length) return oauthError(400, 'invalid_scope', `Scopes not allowed for this account: ${denied.join(' ')}`);
  const token = randomBytes(24).toString('base64url');
  tenant.runtime.tokens.set(token, { token, kind: 'service-account', realm: '/', clientId: 'service-account', resourceOwnerId: account.id, grantType: JWT_BEARER, scope: requested, fields: {}, expiresAt: Date.now() + TOKEN_LIFETIME_S * 1000, authGrantId: randomBytes(8).toString('hex') });
  return ok({ access_token: token, scope: requested.join(' '), token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S });
}

function serverInfo(_req: TenantRequest, _params: Record<string, string>, tenant: TenantContext): TenantResponse {
  return ok({ _id: '*', _rev: '1', domains: [], protectedUserAttributes: [], cookieName: tenant.state.cookieName, secureCookie: false, forgotPassword: 'false', forgotUsername: 'false', kbaEnabled: 'false', selfRegistration: 'false', lang: 'en-US', successfulUserRegistrationDestination: 'default', socialImplementations: [], referralsEnabled: 'false', zeroPageLogin: { enabled: false, refererWhitelist: [], allowedWithoutReferer: true }, realm: '/', xuiUserSessionValidationEnabled: true, fileBasedConfiguration: true, userIdAttributes: [] });
}

function serverVersion(_req: TenantRequest, _params: Record<string, string>, tenant: TenantContext): TenantResponse {
  return ok({ _id: 'version', _rev: '1', version: tenant.state.amVersion, fullVersion: `ForgeRock Access Management ${tenant.state.amVersion} (local tenant)`, revision: 'local', date: '2026-01-01' });
}

export const adminRoutes: Route[] = [
  { method: 'POST', pattern: /^\/am\/oauth2\/access_token$/, handle: serviceAccountToken },
  { method: 'GET', pattern: /^\/am\/json\/serverinfo\/version$/, handle: serverVersion },
  { method: 'GET', pattern: /^\/am\/json\/serverinfo\/\*$/, handle: serverInfo },
];
