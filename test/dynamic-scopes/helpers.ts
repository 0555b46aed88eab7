/** Shared by the dynamic-scopes tests: the seed's client and user, browser-like steps (code and implicit flows), ID tokens, access files. */
import axios from 'axios';
import { expect } from 'vitest';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { AccessConfig, ClientConsentConfig, ScopeRule } from '../../tooling/config/access.js';
import type { Harness } from '../helpers/local-tenant.js';

export const CLIENT = 'dynamicScopesClient';
export const CLIENT_SECRET = 'demo-dynamic-scopes-secret';
export const REDIRECT = 'https://www.example.com:443/callback';
export const USER = { username: 'demo', password: 'Demo-Passw0rd!' };
export const USER_ID = 'd7a5c2b1-3e4f-4a6b-8c9d-0e1f2a3b4c5d';
/** A second user the tests add to the realm: the one a user-specific rule must not match. */
export const OTHER_USER = { _id: '5b1e9c3a-8f2d-4e6b-a7c1-0d9e8f7a6b5c', username: 'other', password: 'Other-Passw0rd!', attributes: { uid: ['other'], mail: ['other@example.com'], isMemberOf: ['cn=contractors,ou=groups,o=alpha'] } };

/** The documentation's "clear Implied Consent" step, as the access file says it. */
export const askForConsent: ClientConsentConfig = { impliedConsent: false };

/** Only a scopePolicies section; consent per client when given. */
export function dynamicAccess(rules: ScopeRule[], clients = [CLIENT], consent?: Record<string, ClientConsentConfig>): AccessConfig {
  return { consumers: {}, identityClaims: [], providers: {}, scopePolicies: { policySet: 'oauth2Scopes', clients, rules, ...(consent ? { consent } : {}) } };
}

/** The documentation's demonstration: deny email to authenticated users; the client asks for consent. */
export const denyEmail: ScopeRule = { scope: 'email', effect: 'deny', when: { authenticatedUsers: true } };
export const demonstration = (): AccessConfig => dynamicAccess([denyEmail], [CLIENT], { [CLIENT]: askForConsent });

export function addOtherUser(harness: Harness): void {
  harness.tenant.context.state.realms.alpha.users[OTHER_USER._id] = JSON.parse(JSON.stringify(OTHER_USER));
}

export async function passwordGrant(harness: Harness, scope: string | undefined, credentials: { username: string; password: string } = USER) {
  return harness.token({ grant_type: 'password', client_id: CLIENT, client_secret: CLIENT_SECRET, username: credentials.username, password: credentials.password, ...(scope === undefined ? {} : { scope }) });
}

/** Logs a user in through the PasswordGrant journey: the SSO token and the Cookie header a browser would send. */
export async function login(harness: Harness, credentials: { username: string; password: string } = USER): Promise<{ sso: string; cookie: string }> {
  const response = await axios.post(`${harness.tenant.url}/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=PasswordGrant`, '', {
    headers: { 'X-OpenAM-Username': credentials.username, 'X-OpenAM-Password': credentials.password, 'Accept-API-Version': 'resource=2.1' },
  });
  const sso = response.data.tokenId as string;
  return { sso, cookie: `${harness.tenant.context.state.cookieName}=${sso}` };
}

export interface AuthorizeAnswer {
  status: number;
  /** The consent page (status 200). */
  html: string;
  /** The redirect's parameters (status 302): its query (code flow) or its fragment (implicit flow). */
  redirect?: URLSearchParams;
  /** Where the parameters were: the implicit flow must never answer in the query. */
  via?: 'query' | 'fragment';
}

const AUTHORIZE = '/am/oauth2/realms/root/realms/alpha/authorize';

function answerOf(response: { status: number; data: unknown; headers: Record<string, unknown> }): AuthorizeAnswer {
  const location = typeof response.headers.location === 'string' ? new URL(response.headers.location) : undefined;
  const fragment = location && location.hash.length > 1 ? new URLSearchParams(location.hash.slice(1)) : undefined;
  return {
    status: response.status,
    html: response.status === 200 ? String(response.data) : '',
    redirect: fragment ?? location?.searchParams,
    via: location ? (fragment ? 'fragment' : 'query') : undefined,
  };
}

/** GET /authorize as a browser does: no decision, so AM either asks for consent or redirects at once. */
export async function browseAuthorize(harness: Harness, cookie: string, scope: string, options: { clientId?: string; redirectUri?: string; responseType?: string; extra?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<AuthorizeAnswer> {
  const query = new URLSearchParams({ scope, response_type: options.responseType ?? 'code', client_id: options.clientId ?? CLIENT, redirect_uri: options.redirectUri ?? REDIRECT, state: 'st-1', ...options.extra });
  const response = await axios.get(`${harness.tenant.url}${AUTHORIZE}?${query}`, { headers: { Cookie: cookie, ...options.headers }, maxRedirects: 0, validateStatus: () => true, responseType: 'text' });
  return answerOf(response);
}

/** The documentation's interactive step: response_type=id_token with nonce 123 and state 456. */
export async function browseImplicit(harness: Harness, cookie: string, scope = 'openid profile email', responseType = 'id_token'): Promise<AuthorizeAnswer> {
  const query = new URLSearchParams({ scope, response_type: responseType, client_id: CLIENT, nonce: '123', state: '456', redirect_uri: REDIRECT });
  const response = await axios.get(`${harness.tenant.url}${AUTHORIZE}?${query}`, { headers: { Cookie: cookie }, maxRedirects: 0, validateStatus: () => true, responseType: 'text' });
  return answerOf(response);
}

/** What the consent page's form posts when the user presses Allow (or Deny): its hidden fields plus the decision. */
export async function submitConsent(harness: Harness, cookie: string, html: string, decision: 'allow' | 'deny' = 'allow'): Promise<AuthorizeAnswer> {
  const fields = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.append(unescape(match[1]), unescape(match[2]));
  fields.append('decision', decision);
  const response = await axios.post(`${harness.tenant.url}${AUTHORIZE}`, fields.toString(), {
    headers: { Cookie: cookie, 'content-type': 'application/x-www-form-urlencoded' },
    maxRedirects: 0,
    validateStatus: () => true,
  });
  return answerOf(response);
}

const unescape = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

/** The scopes the consent page asks for. */
export const listedScopes = (html: string): string[] => [...html.matchAll(/<li data-scope="([^"]*)">/g)].map((m) => unescape(m[1]));
/** What the consent page says for each scope. */
export const listedDescriptions = (html: string): Record<string, string> => Object.fromEntries([...html.matchAll(/<li data-scope="([^"]*)">([^<]*)<\/li>/g)].map((m) => [unescape(m[1]), unescape(m[2])]));

export async function exchangeCode(harness: Harness, code: string) {
  return harness.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: CLIENT, client_secret: CLIENT_SECRET });
}

/** An ID token verified as a relying party does: signature against the realm's jwk_uri, issuer and audience. */
export async function verifiedIdToken(harness: Harness, idToken: unknown): Promise<JWTPayload> {
  expect(typeof idToken).toBe('string');
  const jwks = await axios.get(`${harness.tenant.url}/am/oauth2/realms/root/realms/alpha/connect/jwk_uri`);
  const { payload } = await jwtVerify(String(idToken), createLocalJWKSet(jwks.data), { issuer: `${harness.tenant.url}/am/oauth2/realms/root/realms/alpha`, audience: CLIENT });
  return payload;
}

/** Sets the client's implied consent directly in the tenant (what an admin does in the console). */
export function setImpliedConsent(harness: Harness, value: boolean): void {
  const advanced = harness.tenant.context.state.realms.alpha.oauth2Clients[CLIENT].advancedOAuth2ClientConfig as Record<string, unknown>;
  advanced.isConsentImplied = { inherited: false, value };
}

