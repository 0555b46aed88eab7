/**
 * GET|POST …/authorize for a user with an SSO session: the authorization code flow
 * (response_type=code, answered in the query) and the implicit flow (token, id_token, or both;
 * answered in the fragment, as OAuth2 and OpenID Connect require). Checks client and redirect_uri
 * first (a bad one is a 400, never a redirect), then the session, the response type the client
 * allows (and its grant: authorization_code or implicit), openid and a nonce for an ID token,
 * scopes (validateAuthorizationScope when scripted), the policy engine's scope decisions when the
 * client uses them, and the consent decision (implied consent, saved consent, or the consent page
 * with the client's scope descriptions in the user's locale). Creates codes and tokens and saves
 * consent only.
 */
import { randomBytes } from 'node:crypto';
import { formBody, realmOf, repeatedParameter } from '../http-util.js';
import type { Handler, RealmState, SessionState, TenantContext, TenantRequest, TenantResponse } from '../types.js';
import { issueIdToken, issuerOf } from './id-token.js';
import { allowsGrant, clientOf, duplicateParameter, isResponse, oauthError, splitScopes, stringList, type Client } from './oauth2-clients.js';
import { validateScopes } from './scope-check.js';
import { requestLocale, scopeDescriptions } from './scope-descriptions.js';
import { consentImplied, decideDynamicScopes, inOrder, savedConsent, saveConsent, usesPolicyEngineForScope } from './scope-policy.js';
import { sessionFrom } from './sessions.js';
import { mintAccessToken } from './token-endpoint.js';

const CODE_SECONDS = 120;
const OPENID = 'openid';
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

interface ResponseType {
  code: boolean;
  token: boolean;
  idToken: boolean;
  /** The response type's words, sorted: how it is compared with the client's list. */
  key: string;
}

/** code, token, id_token or "id_token token" (any order); hybrid types (code with another) are not offered. */
function parseResponseType(value: string | undefined): ResponseType | undefined {
  const words = [...new Set((value ?? '').split(' ').filter(Boolean))].sort();
  if (words.length === 0 || words.some((w) => !['code', 'token', 'id_token'].includes(w))) return undefined;
  if (words.includes('code') && words.length > 1) return undefined;
  return { code: words.includes('code'), token: words.includes('token'), idToken: words.includes('id_token'), key: words.join(' ') };
}

const allowsResponseType = (client: Client, type: ResponseType) => stringList(client.advanced.responseTypes).some((allowed) => [...new Set(allowed.split(' ').filter(Boolean))].sort().join(' ') === type.key);

// Longer than most handlers on purpose: AM's checks in AM's order, where any step may end the
// request (an error, a redirect, the consent page); split up, each part would re-derive the redirect.
export const authorize: Handler = async (req, params, tenant) => {
  const realm = realmOf(tenant, params.realm);
  if (!realm) return oauthError(400, 'invalid_request', `Unknown realm ${params.realm}`);
  // Query and form together: a parameter in both, or twice in one, is refused (AM: 400 invalid_request, no redirect).
  const repeated = repeatedParameter(req.method === 'POST' ? req : { ...req, body: '' }, true);
  if (repeated) return duplicateParameter(repeated);
  const input: Record<string, string> = { ...req.query, ...(req.method === 'POST' ? formBody(req) : {}) };
  const client = input.client_id ? clientOf(realm, input.client_id) : undefined;
  if (!client) return oauthError(400, 'invalid_client', `Unknown client ${input.client_id ?? '(no client_id)'}`);
  const redirectUri = input.redirect_uri;
  if (!redirectUri || !stringList(client.core.redirectionUris).includes(redirectUri)) return oauthError(400, 'redirect_uri_mismatch', 'The redirection URI provided does not match a pre-registered value.');
  const responseType = parseResponseType(input.response_type);
  // The implicit flow answers in the fragment (never sent to a server); the code flow in the query.
  const inFragment = !!responseType && !responseType.code;
  const redirect = (values: Record<string, string>): TenantResponse => {
    const location = new URL(redirectUri);
    const all = { ...values, ...(input.state ? { state: input.state } : {}) };
    if (inFragment) location.hash = new URLSearchParams(all).toString();
    else for (const [key, value] of Object.entries(all)) location.searchParams.set(key, value);
    return { status: 302, headers: { location: location.toString() }, body: '' };
  };
  const fail = (error: string, description: string) => redirect({ error, error_description: description });
  const session = sessionFrom(req, tenant);
  // AM would redirect to its login UI; the local tenant has none, so it says what to do instead.
  if (!session || session.kind !== 'user' || session.realm !== (params.realm ? `/${params.realm}` : '/')) {
    return oauthError(401, 'access_denied', `No user session in realm /${params.realm}: authenticate through a journey and send the session in the ${tenant.state.cookieName} cookie`);
  }
  if (!responseType) return fail('unsupported_response_type', 'Supported response types: code, token, id_token, id_token token');
  const grant = responseType.code ? 'authorization_code' : 'implicit';
  if (!allowsResponseType(client, responseType) || !allowsGrant(client, grant)) return fail('unauthorized_client', `Client ${client.id} is not allowed response_type ${responseType.key} (${grant} grant)`);
  const scope = await validateScopes(tenant, params.realm, realm, client, splitScopes(input.scope), 'validateAuthorizationScope');
  if (isResponse(scope)) {
    const error = scope.body as { error: string; error_description: string };
    return fail(error.error, error.error_description);
  }
  if (responseType.idToken && !scope.includes(OPENID)) return fail('invalid_scope', 'An ID token needs the openid scope');
  // OpenID Connect Core 3.2.2.1: the implicit flow requires a nonce (replay protection of the ID token).
  if (responseType.idToken && !input.nonce) return fail('invalid_request', 'The nonce parameter is required for response_type id_token');
  if (input.decision === 'deny') return fail('access_denied', 'Resource Owner did not authorize the request');
  // What the grant will carry, and what the user must still consent to (static clients: everything).
  let granted = scope;
  let toAsk = scope;
  let consentFor: string[] = [];
  if (usesPolicyEngineForScope(client)) {
    const user = realm.users[session.principal];
    const decision = await decideDynamicScopes(tenant, params.realm, realm, client, scope, { kind: 'user', id: session.principal, attributes: user?.attributes ?? {}, authenticated: true });
    if (isResponse(decision)) {
      const error = decision.body as { error: string; error_description: string };
      return fail(error.error, error.error_description);
    }
    // Granted by policy: no consent. Denied: omitted, never shown. Undecided: implied consent, saved consent, or ask.
    const saved = savedConsent(realm, session.principal, client.id);
    consentFor = consentImplied(realm, client) ? [] : decision.undecided.filter((s) => !saved.includes(s));
    toAsk = consentFor;
    granted = inOrder(scope, decision.passThrough, decision.granted, decision.undecided);
    // Nothing left to ask: AM sends the user straight back.
    if (toAsk.length === 0 && input.decision === undefined) return complete(tenant, req, params.realm, realm, client, session, responseType, granted, input, redirect);
  }
  if (input.decision !== 'allow') return consentPage(client, session, toAsk, input, requestLocale(input.locale, req.headers['accept-language']));
  if (input.csrf !== session.tokenId) return fail('access_denied', 'The csrf parameter does not match the session');
  saveConsent(tenant, realm, session.principal, client.id, consentFor);
  return complete(tenant, req, params.realm, realm, client, session, responseType, granted, input, redirect);
};

/** The consent page: each scope to ask with the client's description of it; its form re-posts the request with the decision. */
function consentPage(client: Client, session: SessionState, toAsk: string[], input: Record<string, string>, locale: string): TenantResponse {
  const hidden = Object.entries(input)
    .filter(([key]) => key !== 'decision' && key !== 'csrf')
    .map(([key, value]) => `<input type="hidden" name="${escapeHtml(key)}" value="${escapeHtml(value)}">`)
    .join('');
  const descriptions = scopeDescriptions(client, locale);
  // A scope the client's entries hide ("scope|") is consented to but not shown, as in AM.
  const items = toAsk
    .filter((s) => descriptions.has(s) || !stringList(client.core.scopes).some((entry) => entry.split('|')[0] === s))
    .map((s) => `<li data-scope="${escapeHtml(s)}">${escapeHtml(descriptions.get(s) ?? s)}</li>`)
    .join('');
  // AM's consent form sends the session token as csrf, as the article's curl does by hand.
  const csrf = `<input type="hidden" name="csrf" value="${escapeHtml(session.tokenId)}">`;
  return {
    status: 200,
    headers: { 'cache-control': 'no-store', 'content-language': locale.replace(/_/g, '-') },
    body: `<!doctype html><html><head><meta charset="utf-8"><title>Consent</title></head><body><h1>${escapeHtml(client.id)} asks for</h1><ul>${items}</ul><form method="post">${hidden}${csrf}<button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button></form></body></html>`,
  };
}

/** The answer once consent is settled: a code (code flow), or the tokens themselves in the fragment (implicit flow). */
async function complete(
  tenant: TenantContext,
  req: TenantRequest,
  realmName: string,
  realm: RealmState,
  client: Client,
  session: SessionState,
  responseType: ResponseType,
  scope: string[],
  input: Record<string, string>,
  redirect: (values: Record<string, string>) => TenantResponse,
): Promise<TenantResponse> {
  if (responseType.code) return issueCode(tenant, realmName, client.id, input.redirect_uri, session, scope, redirect, input);
  const user = realm.users[session.principal];
  if (!user) return redirect({ error: 'access_denied', error_description: 'The resource owner no longer exists' });
  const values: Record<string, string> = {};
  let accessToken: string | undefined;
  if (responseType.token) {
    const minted = await mintAccessToken(tenant, realmName, realm, client, { grantType: 'implicit', resourceOwnerId: user._id, scope, identity: user.attributes, req, form: input });
    if (isResponse(minted)) {
      const error = minted.body as { error: string; error_description: string };
      return redirect({ error: error.error, error_description: error.error_description });
    }
    accessToken = minted.token;
    Object.assign(values, { access_token: minted.token, token_type: 'Bearer', expires_in: String(minted.expiresIn), scope: minted.scope.join(' ') });
  }
  if (responseType.idToken) values.id_token = await issueIdToken(tenant, { realmName, clientId: client.id, user, scopes: scope, nonce: input.nonce, authTime: session.createdAt, accessToken });
  return redirect({ ...values, iss: issuerOf(tenant, realmName), client_id: client.id });
}

function issueCode(tenant: TenantContext, realmName: string, clientId: string, redirectUri: string, session: SessionState, scope: string[], redirect: (query: Record<string, string>) => TenantResponse, input: Record<string, string>): TenantResponse {
  const code = randomBytes(18).toString('base64url');
  // PKCE (RFC 7636): kept with the code for the exchange to check (the root admin client requires it).
  const pkce = input.code_challenge ? { codeChallenge: input.code_challenge, codeChallengeMethod: input.code_challenge_method ?? 'plain' } : {};
  // An ID token issued for this code carries the request's nonce and the session's authentication time.
  const oidc = { ...(input.nonce ? { nonce: input.nonce } : {}), authTime: session.createdAt };
  tenant.runtime.codes.set(code, { code, realm: realmName, clientId, redirectUri, userId: session.principal, scope, expiresAt: Date.now() + CODE_SECONDS * 1000, ...pkce, ...oidc });
  return redirect({ code, iss: issuerOf(tenant, realmName), client_id: clientId });
}
