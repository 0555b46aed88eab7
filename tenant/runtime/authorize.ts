/**
 * GET|POST …/authorize: the authorization code flow for a user with an SSO session. Checks client
 * and redirect_uri first (a bad one is a 400, never a redirect), then the session, response type,
 * scopes (validateAuthorizationScope when scripted), the policy engine's scope decisions when the
 * client uses them, and the consent decision. Creates codes and saves consent only.
 */
import { randomBytes } from 'node:crypto';
import { formBody, realmOf, repeatedParameter } from '../http-util.js';
import type { Handler, TenantContext, TenantResponse } from '../types.js';
import { allowsGrant, clientOf, duplicateParameter, isResponse, oauthError, splitScopes, stringList } from './oauth2-clients.js';
import { validateScopes } from './scope-check.js';
import { consentImplied, decideDynamicScopes, inOrder, savedConsent, saveConsent, usesPolicyEngineForScope } from './scope-policy.js';
import { sessionFrom } from './sessions.js';

const CODE_SECONDS = 120;
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

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
  const redirect = (query: Record<string, string>): TenantResponse => {
    const location = new URL(redirectUri);
    for (const [key, value] of Object.entries({ ...query, ...(input.state ? { state: input.state } : {}) })) location.searchParams.set(key, value);
    return { status: 302, headers: { location: location.toString() }, body: '' };
  };
  const session = sessionFrom(req, tenant);
  // AM would redirect to its login UI; the local tenant has none, so it says what to do instead.
  if (!session || session.kind !== 'user' || session.realm !== `/${params.realm}`) {
    return oauthError(401, 'access_denied', `No user session in realm /${params.realm}: authenticate through a journey and send the session in the ${tenant.state.cookieName} cookie`);
  }
  if (input.response_type !== 'code') return redirect({ error: 'unsupported_response_type', error_description: 'Only response_type=code is supported' });
  if (!stringList(client.advanced.responseTypes).includes('code') || !allowsGrant(client, 'authorization_code')) return redirect({ error: 'unauthorized_client', error_description: `Client ${client.id} is not allowed the authorization code grant` });
  const scope = await validateScopes(tenant, params.realm, realm, client, splitScopes(input.scope), 'validateAuthorizationScope');
  if (isResponse(scope)) {
    const error = scope.body as { error: string; error_description: string };
    return redirect({ error: error.error, error_description: error.error_description });
  }
  if (input.decision === 'deny') return redirect({ error: 'access_denied', error_description: 'Resource Owner did not authorize the request' });
  // What the code will carry, and what the user must still consent to (static clients: everything).
  let granted = scope;
  let toAsk = scope;
  let consentFor: string[] = [];
  if (usesPolicyEngineForScope(client)) {
    const user = realm.users[session.principal];
    const decision = decideDynamicScopes(realm, client, scope, { id: session.principal, attributes: user?.attributes ?? {}, authenticated: true });
    if (isResponse(decision)) {
      const error = decision.body as { error: string; error_description: string };
      return redirect({ error: error.error, error_description: error.error_description });
    }
    // Granted by policy: no consent. Denied: omitted, never shown. Undecided: saved consent, implied consent, or ask.
    const saved = savedConsent(realm, session.principal, client.id);
    consentFor = consentImplied(client) ? [] : decision.undecided.filter((s) => !saved.includes(s));
    toAsk = consentFor;
    granted = inOrder(scope, decision.passThrough, decision.granted, decision.undecided);
    // Nothing left to ask: AM sends the user straight back with a code.
    if (toAsk.length === 0 && input.decision === undefined) return issueCode(tenant, params.realm, client.id, redirectUri, session.principal, granted, redirect, input);
  }
  if (input.decision !== 'allow') {
    const hidden = Object.entries(input)
      .filter(([key]) => key !== 'decision' && key !== 'csrf')
      .map(([key, value]) => `<input type="hidden" name="${escapeHtml(key)}" value="${escapeHtml(value)}">`)
      .join('');
    const items = toAsk.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
    // AM's consent form sends the session token as csrf, as the article's curl does by hand.
    const csrf = `<input type="hidden" name="csrf" value="${escapeHtml(session.tokenId)}">`;
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: `<!doctype html><html><head><meta charset="utf-8"><title>Consent</title></head><body><h1>${escapeHtml(client.id)} asks for</h1><ul>${items}</ul><form method="post">${hidden}${csrf}<button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button></form></body></html>`,
    };
  }
  if (input.csrf !== session.tokenId) return redirect({ error: 'access_denied', error_description: 'The csrf parameter does not match the session' });
  saveConsent(tenant, realm, session.principal, client.id, consentFor);
  return issueCode(tenant, params.realm, client.id, redirectUri, session.principal, granted, redirect, input);
};

function issueCode(tenant: TenantContext, realmName: string, clientId: string, redirectUri: string, userId: string, scope: string[], redirect: (query: Record<string, string>) => TenantResponse, input: Record<string, string>): TenantResponse {
  const code = randomBytes(18).toString('base64url');
  // PKCE (RFC 7636): kept with the code for the exchange to check (the root admin client requires it).
  const pkce = input.code_challenge ? { codeChallenge: input.code_challenge, codeChallengeMethod: input.code_challenge_method ?? 'plain' } : {};
  tenant.runtime.codes.set(code, { code, realm: realmName, clientId, redirectUri, userId, scope, expiresAt: Date.now() + CODE_SECONDS * 1000, ...pkce });
  // The root realm (key '') is AM's realm "/": its issuer has no realm path.
  const issuer = realmName ? `${tenant.baseUrl()}/am/oauth2/realms/root/realms/${realmName}` : `${tenant.baseUrl()}/am/oauth2`;
  return redirect({ code, iss: issuer, client_id: clientId });
}
