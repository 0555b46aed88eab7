/** Shared by the dynamic-scopes tests: the seed's client, the demo user's browser-like steps, access files. */
import axios from 'axios';
import type { AccessConfig, ScopeRule } from '../../tooling/config/access.js';
import type { Harness } from '../helpers/local-tenant.js';

export const CLIENT = 'dynamicScopesClient';
export const CLIENT_SECRET = 'demo-dynamic-scopes-secret';
export const REDIRECT = 'https://www.example.com:443/callback';
export const USER = { username: 'demo', password: 'Demo-Passw0rd!' };

/** Only a scopePolicies section: the documented demonstration when given its deny rule. */
export function dynamicAccess(rules: ScopeRule[], clients = [CLIENT]): AccessConfig {
  return { consumers: {}, identityClaims: [], providers: {}, scopePolicies: { policySet: 'oauth2Scopes', clients, rules } };
}

export const denyEmail: ScopeRule = { scope: 'email', effect: 'deny', when: { authenticatedUsers: true } };

export async function passwordGrant(harness: Harness, scope: string | undefined, credentials = USER) {
  return harness.token({ grant_type: 'password', client_id: CLIENT, client_secret: CLIENT_SECRET, username: credentials.username, password: credentials.password, ...(scope === undefined ? {} : { scope }) });
}

/** Logs the demo user in through the PasswordGrant journey: the SSO token and the Cookie header a browser would send. */
export async function login(harness: Harness): Promise<{ sso: string; cookie: string }> {
  const response = await axios.post(`${harness.tenant.url}/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=PasswordGrant`, '', {
    headers: { 'X-OpenAM-Username': USER.username, 'X-OpenAM-Password': USER.password, 'Accept-API-Version': 'resource=2.1' },
  });
  const sso = response.data.tokenId as string;
  return { sso, cookie: `${harness.tenant.context.state.cookieName}=${sso}` };
}

export interface AuthorizeAnswer {
  status: number;
  /** The consent page (status 200). */
  html: string;
  /** The redirect's query (status 302). */
  redirect?: URLSearchParams;
}

/** GET /authorize as a browser does: no decision, so AM either asks for consent or redirects at once. */
export async function browseAuthorize(harness: Harness, cookie: string, scope: string, clientId = CLIENT, redirectUri = REDIRECT): Promise<AuthorizeAnswer> {
  const query = new URLSearchParams({ scope, response_type: 'code', client_id: clientId, redirect_uri: redirectUri, state: 'st-1' });
  const response = await axios.get(`${harness.tenant.url}/am/oauth2/realms/root/realms/alpha/authorize?${query}`, { headers: { Cookie: cookie }, maxRedirects: 0, validateStatus: () => true, responseType: 'text' });
  return { status: response.status, html: response.status === 200 ? String(response.data) : '', redirect: response.headers.location ? new URL(response.headers.location).searchParams : undefined };
}

/** What the consent page's form posts when the user presses Allow: its hidden fields plus decision=allow. */
export async function submitConsent(harness: Harness, cookie: string, html: string, decision: 'allow' | 'deny' = 'allow'): Promise<AuthorizeAnswer> {
  const fields = new URLSearchParams();
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.append(unescape(match[1]), unescape(match[2]));
  fields.append('decision', decision);
  const response = await axios.post(`${harness.tenant.url}/am/oauth2/realms/root/realms/alpha/authorize`, fields.toString(), {
    headers: { Cookie: cookie, 'content-type': 'application/x-www-form-urlencoded' },
    maxRedirects: 0,
    validateStatus: () => true,
  });
  return { status: response.status, html: '', redirect: response.headers.location ? new URL(response.headers.location).searchParams : undefined };
}

const unescape = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

/** The scopes the consent page lists. */
export const listedScopes = (html: string): string[] => [...html.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => unescape(m[1]));

export async function exchangeCode(harness: Harness, code: string) {
  return harness.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: CLIENT, client_secret: CLIENT_SECRET });
}
