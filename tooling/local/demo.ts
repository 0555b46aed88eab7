/**
 * The article's two demonstrations, run against a tenant over HTTP exactly as its curl commands do:
 * a consumer's client-credentials token for an audience scope, and a user's authorization-code token.
 * Owns: the demonstration flows and what counts as success. Prints no secret or token.
 */
import axios, { type AxiosInstance } from 'axios';
import { oauth2Path, realmPath } from '../rest/paths.js';

export interface DemoCredentials {
  realm: string;
  cookieName: string;
  consumer: { clientId: string; clientSecret: string; redirectUri: string };
  provider: { clientId: string; clientSecret: string };
  user: { username: string; password: string; id: string };
  /** Scope of the provider's the consumer asks for, e.g. read. */
  scope: string;
  /** Journey users log in with (the article uses PasswordGrant). */
  userJourney: string;
}

export interface DemoResult {
  name: string;
  ok: boolean;
  /** What was expected and what came back, in words. */
  problems: string[];
  /** The introspection answer (no token values in it). */
  introspection?: Record<string, unknown>;
}

const form = (values: Record<string, string>) => new URLSearchParams(values).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

const oauthPath = oauth2Path;

async function introspect(client: AxiosInstance, realm: string, token: string, as: { clientId: string; clientSecret: string }) {
  const response = await client.post(oauthPath(realm, 'introspect'), form({ token, client_id: as.clientId, client_secret: as.clientSecret }), { headers: FORM });
  return { status: response.status, body: response.data as Record<string, unknown> };
}

function expectIntrospection(body: Record<string, unknown>, expected: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(expected)) {
    if (body[key] !== value) problems.push(`expected ${key} ${JSON.stringify(value)}, got ${JSON.stringify(body[key])}`);
  }
  return problems;
}

export async function clientCredentialsDemo(baseUrl: string, creds: DemoCredentials): Promise<DemoResult> {
  const client = axios.create({ baseURL: baseUrl, validateStatus: () => true });
  const name = `client credentials: ${creds.consumer.clientId} asks for api://${creds.provider.clientId}/${creds.scope}`;
  const tokenResponse = await client.post(
    oauthPath(creds.realm, 'access_token'),
    form({ scope: `api://${creds.provider.clientId}/${creds.scope}`, grant_type: 'client_credentials', client_id: creds.consumer.clientId, client_secret: creds.consumer.clientSecret }),
    { headers: FORM },
  );
  if (tokenResponse.status !== 200) {
    return { name, ok: false, problems: [`token request answered HTTP ${tokenResponse.status}: ${JSON.stringify(tokenResponse.data?.error_description ?? tokenResponse.data?.error ?? '')}`] };
  }
  const answer = await introspect(client, creds.realm, tokenResponse.data.access_token, creds.consumer);
  const problems = expectIntrospection(answer.body, { active: true, scope: creds.scope, aud: creds.provider.clientId, policyResult: true, client_id: creds.consumer.clientId });
  return { name, ok: problems.length === 0, problems, introspection: answer.body };
}

export async function authorizationCodeDemo(baseUrl: string, creds: DemoCredentials): Promise<DemoResult> {
  const client = axios.create({ baseURL: baseUrl, validateStatus: () => true, maxRedirects: 0 });
  const name = `authorization code: user ${creds.user.username} via ${creds.consumer.clientId} asks for api://${creds.provider.clientId}/${creds.scope}`;
  const login = await client.post(`${realmPath(creds.realm)}/authenticate?authIndexType=service&authIndexValue=${encodeURIComponent(creds.userJourney)}`, '', {
    headers: { 'X-OpenAM-Username': creds.user.username, 'X-OpenAM-Password': creds.user.password, 'Content-Type': 'application/json', 'Accept-API-Version': 'resource=2.1' },
  });
  if (login.status !== 200 || !login.data?.tokenId) return { name, ok: false, problems: [`user login answered HTTP ${login.status}`] };
  const ssoToken: string = login.data.tokenId;
  const authorize = await client.post(
    oauthPath(creds.realm, 'authorize'),
    form({ scope: `api://${creds.provider.clientId}/${creds.scope}`, response_type: 'code', client_id: creds.consumer.clientId, redirect_uri: creds.consumer.redirectUri, decision: 'allow', csrf: ssoToken }),
    { headers: { ...FORM, Cookie: `${creds.cookieName}=${ssoToken}` } },
  );
  const location = String(authorize.headers.location ?? '');
  const code = location ? new URL(location).searchParams.get('code') : null;
  if (authorize.status !== 302 || !code) return { name, ok: false, problems: [`authorize answered HTTP ${authorize.status} without a code`] };
  const exchange = await client.post(
    oauthPath(creds.realm, 'access_token'),
    form({ grant_type: 'authorization_code', code, redirect_uri: creds.consumer.redirectUri, client_id: creds.consumer.clientId, client_secret: creds.consumer.clientSecret }),
    { headers: FORM },
  );
  if (exchange.status !== 200) return { name, ok: false, problems: [`code exchange answered HTTP ${exchange.status}: ${JSON.stringify(exchange.data?.error ?? '')}`] };
  const asProvider = await introspect(client, creds.realm, exchange.data.access_token, creds.provider);
  const problems = expectIntrospection(asProvider.body, { active: true, scope: creds.scope, user_id: creds.user.id, policyResult: true });
  // As the article notes: the consumer is not the audience, so it cannot introspect the user's token.
  const asConsumer = await introspect(client, creds.realm, exchange.data.access_token, creds.consumer);
  if (asConsumer.body.active !== false) problems.push(`expected ${creds.consumer.clientId} (not the audience) to get active:false, got ${JSON.stringify(asConsumer.body.active)}`);
  return { name, ok: problems.length === 0, problems, introspection: asProvider.body };
}
