/**
 * The article's two demonstrations, run against a tenant over HTTP exactly as its curl commands do:
 * a consumer's client-credentials token for an audience scope, and a user's authorization-code token.
 * The client-credentials flow is also the probe `npm run verify` runs on any tenant
 * (probeClientCredentials): token, introspection, and what a failure means in words.
 * Owns: the flows and what counts as success. Prints nothing; every token obtained is handed to
 * `onSecret` (the run's redactor) before anything else sees it.
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
  /** Registers a secret obtained on the way (tokens) with the run's redactor. */
  onSecret?: (value: string) => void;
}

export interface DemoResult {
  name: string;
  ok: boolean;
  /** What was expected and what came back, in words. */
  problems: string[];
  /** The introspection answer (no token values in it). */
  introspection?: Record<string, unknown>;
}

/** What a failed probe most likely means; `npm run verify` adds what to check for each. */
export type ProbeFailure = 'unreachable' | 'client-refused' | 'scope-refused' | 'token-refused' | 'server-error' | 'introspection' | 'not-scripted' | 'no-audience' | 'unexpected';

export interface ProbeResult extends DemoResult {
  /** Set when the probe failed: the first thing that went wrong. */
  failure?: ProbeFailure;
  /** HTTP status of the token request (undefined: no answer). */
  tokenStatus?: number;
}

export interface ClientCredentialsProbe {
  realm: string;
  consumer: { clientId: string; clientSecret: string };
  /** The audience scope api://<provider>/<scope> asked for. */
  provider: string;
  scope: string;
  onSecret?: (value: string) => void;
}

const form = (values: Record<string, string>) => new URLSearchParams(values).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

const oauthPath = oauth2Path;

async function introspect(client: AxiosInstance, realm: string, token: string, as: { clientId: string; clientSecret: string }) {
  const response = await client.post(oauthPath(realm, 'introspect'), form({ token, client_id: as.clientId, client_secret: as.clientSecret }), { headers: FORM });
  return { status: response.status, body: (response.data && typeof response.data === 'object' ? response.data : {}) as Record<string, unknown> };
}

function expectIntrospection(body: Record<string, unknown>, expected: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(expected)) {
    if (body[key] !== value) problems.push(`expected ${key} ${JSON.stringify(value)}, got ${body[key] === undefined ? 'none' : JSON.stringify(body[key])}`);
  }
  return problems;
}

/** AM's OAuth2 error answer in one phrase (error and description only: never a token or credential). */
function oauthError(data: unknown): string {
  const body = (data && typeof data === 'object' ? data : {}) as { error?: unknown; error_description?: unknown };
  const error = typeof body.error === 'string' ? body.error : 'no OAuth2 error';
  return typeof body.error_description === 'string' && body.error_description ? `${error}: ${body.error_description}` : error;
}

/** Why the token request was refused, from its status and AM's error code. */
function refusal(status: number, data: unknown): { failure: ProbeFailure; problem: string } {
  const error = oauthError(data);
  if (status === 401 || /^invalid_client/.test(error)) return { failure: 'client-refused', problem: `the token endpoint refused the client's credentials (HTTP ${status}, ${error})` };
  if (/^invalid_scope/.test(error)) return { failure: 'scope-refused', problem: `the scope was refused (HTTP ${status}, ${error}): the client does not allow it, or its Validate Scope script refused it` };
  if (status >= 500) return { failure: 'server-error', problem: `the token request failed (HTTP ${status}, ${error}): a script of the client threw or does not exist` };
  return { failure: 'token-refused', problem: `the token request was refused (HTTP ${status}, ${error})` };
}

/**
 * A consumer's client-credentials token for one audience scope, introspected by the consumer: it
 * must be active, carry exactly that scope (without the prefix), aud = the provider and
 * policyResult true. Fails with the first reason found.
 */
export async function probeClientCredentials(baseUrl: string, probe: ClientCredentialsProbe, name = `client credentials: ${probe.consumer.clientId} asks for api://${probe.provider}/${probe.scope}`): Promise<ProbeResult> {
  const client = axios.create({ baseURL: baseUrl, validateStatus: () => true, timeout: 30_000 });
  const fail = (failure: ProbeFailure, problems: string[], extra: Partial<ProbeResult> = {}): ProbeResult => ({ name, ok: false, failure, problems, ...extra });
  let tokenResponse;
  try {
    tokenResponse = await client.post(oauthPath(probe.realm, 'access_token'), form({ scope: `api://${probe.provider}/${probe.scope}`, grant_type: 'client_credentials', client_id: probe.consumer.clientId, client_secret: probe.consumer.clientSecret }), { headers: FORM });
  } catch (thrown) {
    return fail('unreachable', [`the token endpoint did not answer: ${(thrown as Error).message}`]);
  }
  const token = typeof tokenResponse.data?.access_token === 'string' ? (tokenResponse.data.access_token as string) : undefined;
  if (token) probe.onSecret?.(token);
  if (tokenResponse.status !== 200 || !token) {
    const { failure, problem } = refusal(tokenResponse.status, tokenResponse.data);
    return fail(failure, [problem], { tokenStatus: tokenResponse.status });
  }
  const answer = await introspect(client, probe.realm, token, probe.consumer);
  if (answer.status !== 200 || answer.body.active !== true) {
    return fail('introspection', [`introspection by ${probe.consumer.clientId} answered HTTP ${answer.status} with active ${JSON.stringify(answer.body.active)}, expected an active token`], { tokenStatus: 200, introspection: answer.body });
  }
  const expected = { scope: probe.scope, aud: probe.provider, policyResult: true, client_id: probe.consumer.clientId };
  const problems = expectIntrospection(answer.body, expected);
  if (problems.length === 0) return { name, ok: true, problems, tokenStatus: 200, introspection: answer.body };
  const body = answer.body;
  // The scripts always set policyResult on an audience-scoped token: none means they did not run.
  const failure: ProbeFailure = body.policyResult === undefined && body.aud === undefined ? 'not-scripted' : body.aud === undefined || body.policyResult !== true ? 'no-audience' : 'unexpected';
  const lead =
    failure === 'not-scripted'
      ? "the token carries no policyResult: the client's token modification is not this tool's script (is it a consumer of the access configuration, deployed?)"
      : failure === 'no-audience'
        ? "no audience: the policy denied or the script failed closed — check the tenant's script log"
        : 'the token is not what the grant gives';
  return fail(failure, [lead, ...problems], { tokenStatus: 200, introspection: body });
}

export function clientCredentialsDemo(baseUrl: string, creds: DemoCredentials): Promise<DemoResult> {
  return probeClientCredentials(baseUrl, { realm: creds.realm, consumer: creds.consumer, provider: creds.provider.clientId, scope: creds.scope, onSecret: creds.onSecret });
}

export async function authorizationCodeDemo(baseUrl: string, creds: DemoCredentials): Promise<DemoResult> {
  const client = axios.create({ baseURL: baseUrl, validateStatus: () => true, maxRedirects: 0 });
  const name = `authorization code: user ${creds.user.username} via ${creds.consumer.clientId} asks for api://${creds.provider.clientId}/${creds.scope}`;
  const login = await client.post(`${realmPath(creds.realm)}/authenticate?authIndexType=service&authIndexValue=${encodeURIComponent(creds.userJourney)}`, '', {
    headers: { 'X-OpenAM-Username': creds.user.username, 'X-OpenAM-Password': creds.user.password, 'Content-Type': 'application/json', 'Accept-API-Version': 'resource=2.1' },
  });
  if (login.status !== 200 || !login.data?.tokenId) return { name, ok: false, problems: [`user login answered HTTP ${login.status}`] };
  const ssoToken: string = login.data.tokenId;
  creds.onSecret?.(ssoToken);
  const authorize = await client.post(
    oauthPath(creds.realm, 'authorize'),
    form({ scope: `api://${creds.provider.clientId}/${creds.scope}`, response_type: 'code', client_id: creds.consumer.clientId, redirect_uri: creds.consumer.redirectUri, decision: 'allow', csrf: ssoToken }),
    { headers: { ...FORM, Cookie: `${creds.cookieName}=${ssoToken}` } },
  );
  const location = String(authorize.headers.location ?? '');
  const code = location ? new URL(location).searchParams.get('code') : null;
  if (authorize.status !== 302 || !code) return { name, ok: false, problems: [`authorize answered HTTP ${authorize.status} without a code`] };
  creds.onSecret?.(code);
  const exchange = await client.post(
    oauthPath(creds.realm, 'access_token'),
    form({ grant_type: 'authorization_code', code, redirect_uri: creds.consumer.redirectUri, client_id: creds.consumer.clientId, client_secret: creds.consumer.clientSecret }),
    { headers: FORM },
  );
  if (exchange.status !== 200) return { name, ok: false, problems: [`code exchange answered HTTP ${exchange.status}: ${JSON.stringify(exchange.data?.error ?? '')}`] };
  creds.onSecret?.(exchange.data.access_token);
  const asProvider = await introspect(client, creds.realm, exchange.data.access_token, creds.provider);
  const problems = expectIntrospection(asProvider.body, { active: true, scope: creds.scope, user_id: creds.user.id, policyResult: true });
  // As the article notes: the consumer is not the audience, so it cannot introspect the user's token.
  const asConsumer = await introspect(client, creds.realm, exchange.data.access_token, creds.consumer);
  if (asConsumer.body.active !== false) problems.push(`expected ${creds.consumer.clientId} (not the audience) to get active:false, got ${JSON.stringify(asConsumer.body.active)}`);
  return { name, ok: problems.length === 0, problems, introspection: asProvider.body };
}
