/**
 * The local tenant's answers to hostile or careless requests (issue 10, item 7): prototype names
 * as realms or ids and malformed percent-escapes answer 400/404, never 500 and never a prototype;
 * the evaluate endpoint needs the policy-evaluation privilege, not any session; a parameter sent
 * twice is refused (AM: invalid_request); an oversized invalid_scope message is cut. Each fails
 * against the tenant before (plain-object lookups, last-one-wins parameters, any session evaluates,
 * a script's message echoed whole).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ERROR_DESCRIPTION } from '../../../tenant/runtime/oauth2-clients.js';
import { AGENT_ID, AGENT_SECRET, CONSUMER, PROVIDER, REDIRECT_URI, amJson, call, form, oauth2, startPreparedTenant, type Started } from '../runtime/fixture.js';
import { CoreTenant, REALM, b64 } from '../core/tenant-client.js';

let t: Started;
let core: CoreTenant;
beforeAll(async () => {
  t = await startPreparedTenant();
  core = CoreTenant.attach(t.tenant);
}, 120_000);
afterAll(async () => t?.close());

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const cookieName = () => t.tenant.context.state.cookieName;
const json = { 'content-type': 'application/json' };
const login = async (journey: string, username: string, password: string) =>
  String((await call(amJson(t.tenant, `authenticate?authIndexType=service&authIndexValue=${journey}`), { method: 'POST', headers: { ...json, 'x-openam-username': username, 'x-openam-password': password } })).json.tokenId);
const evaluateBody = { resources: [`api://${PROVIDER}/read`], application: PROVIDER, subject: { claims: { sub: 'x', subject: CONSUMER, client: CONSUMER } } };
const evaluateAs = (headers: Record<string, string>) => call(amJson(t.tenant, 'policies?_action=evaluate'), { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(evaluateBody) });

describe('prototype names and malformed escapes', () => {
  it.each(PROTOTYPE_NAMES)('realm %s: 404 (configuration, journeys, OAuth2, evaluate), never 500', async (name) => {
    expect((await core.call('GET', `/am/json/realms/root/realms/${name}/scripts?_queryFilter=true`)).status).toBe(404);
    expect((await core.call('PUT', `/am/json/realms/root/realms/${name}/scripts/x`, { name: 'x', script: b64('1'), language: 'JAVASCRIPT', context: 'OAUTH2_VALIDATE_SCOPE' })).status).toBe(404);
    expect((await core.call('POST', `/am/json/realms/root/realms/${name}/authenticate?authIndexType=service&authIndexValue=AgentLogin`, {})).status).toBe(404);
    const token = await call(`${t.tenant.url}/am/oauth2/realms/root/realms/${name}/access_token`, form({ grant_type: 'client_credentials', client_id: CONSUMER, client_secret: t.consumerSecret }));
    expect(token.status).toBe(400);
    expect(token.json.error).toBe('invalid_request');
    expect((await core.call('POST', `/am/json/realms/root/realms/${name}/policies?_action=evaluate`, evaluateBody)).status).toBe(404);
  });

  it.each(PROTOTYPE_NAMES)('object id %s: a plain missing key (404), and storable without touching a prototype', async (name) => {
    expect((await core.call('GET', `${REALM}/scripts/${name}`)).status).toBe(404);
    expect((await core.call('GET', `${REALM}/realm-config/agents/OAuth2Client/${name}`)).status).toBe(404);
    expect((await core.call('GET', `${REALM}/realm-config/agents/IdentityGatewayAgent/${name}`)).status).toBe(404);
    expect((await core.call('GET', `${REALM}/policies/${name}`)).status).toBe(404);
    expect((await core.call('GET', `${REALM}/applications/${name}`)).status).toBe(404);
    expect((await core.call('GET', `${REALM}/realm-config/authentication/authenticationtrees/trees/${name}`)).status).toBe(404);
    // A client authenticating as such an id is an unknown client.
    expect((await call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'client_credentials', client_id: name, client_secret: 'x' }))).status).toBe(401);
    const put = await core.call('PUT', `${REALM}/scripts/${name}`, { name: `script-${name}`, script: b64('var a = 1;'), language: 'JAVASCRIPT', context: 'OAUTH2_VALIDATE_SCOPE', evaluatorVersion: '1.0' });
    expect(put.status).toBe(201);
    expect((await core.call('GET', `${REALM}/scripts/${name}`)).body.name).toBe(`script-${name}`);
    expect(Object.getPrototypeOf(t.tenant.context.state.realms.alpha.scripts)).toBeNull();
    expect(({} as Record<string, unknown>).name).toBeUndefined();
    expect((await core.call('DELETE', `${REALM}/scripts/${name}`)).status).toBe(200);
  });

  it.each(['%E0%A4%A', '%', 'alp%ha', '%zz'])('a malformed escape in the path (%s) answers 400 AM-shaped, before any handler', async (escape) => {
    for (const path of [`/am/json/realms/root/realms/${escape}/scripts?_queryFilter=true`, `${REALM}/scripts/${escape}`, `/environment/variables/esv-${escape}`]) {
      const answer = await core.call('GET', path);
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      expect(answer.body).toMatchObject({ code: 400, reason: 'Bad Request' });
    }
    const token = await call(`${t.tenant.url}/am/oauth2/realms/root/realms/${escape}/access_token`, form({ grant_type: 'client_credentials' }));
    expect(token.status).toBe(400);
  });

  it('decodes a path segment once: %2525 is the name "%25", not "%"', async () => {
    const put = await core.call('PUT', `${REALM}/scripts/a%2525b`, { name: 'percent-script', script: b64('1'), language: 'JAVASCRIPT', context: 'OAUTH2_VALIDATE_SCOPE' });
    expect(put.status).toBe(201);
    expect(put.body._id).toBe('a%25b');
  });
});

describe('who may evaluate policies', () => {
  it('an agent session may', async () => {
    expect((await evaluateAs({ [cookieName()]: await login('AgentLogin', AGENT_ID, AGENT_SECRET) })).status).toBe(200);
  });

  it('an end user session may not: 403, no decision returned', async () => {
    const answer = await evaluateAs({ [cookieName()]: await login('PasswordGrant', t.username, t.userPassword) });
    expect(answer.status).toBe(403);
    expect(answer.json).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(Array.isArray(answer.json)).toBe(false);
  });

  it('an administrator (root session) and a service account with fr:am:* may; one without it may not', async () => {
    const admin = await core.send('POST', '/am/json/realms/root/authenticate', { body: '{}', headers: { ...json, 'x-openam-username': 'amadmin', 'x-openam-password': 'Admin-Passw0rd!' } });
    expect((await evaluateAs({ [cookieName()]: admin.body.tokenId })).status).toBe(200);
    expect((await evaluateAs({ authorization: `Bearer ${await core.token('fr:am:*')}` })).status).toBe(200);
    expect((await evaluateAs({ authorization: `Bearer ${await core.token('fr:idc:esv:*')}` })).status).toBe(403);
  });

  it('no credentials or a dead session: 401', async () => {
    expect((await evaluateAs({})).status).toBe(401);
    expect((await evaluateAs({ [cookieName()]: 'not-a-session' })).status).toBe(401);
  });

  it("an agent session of another realm's agent is no privilege here (the realm must match)", async () => {
    const sso = await login('AgentLogin', AGENT_ID, AGENT_SECRET);
    t.tenant.context.runtime.sessions.get(sso)!.realm = '/bravo';
    expect((await evaluateAs({ [cookieName()]: sso })).status).toBe(403);
  });
});

describe('parameters sent twice', () => {
  const twice = (values: Record<string, string>, name: string, second = values[name]) => `${new URLSearchParams(values)}&${new URLSearchParams({ [name]: second })}`;
  const post = (url: string, body: string, headers: Record<string, string> = {}) => call(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  const refused = (answer: Awaited<ReturnType<typeof call>>, name: string) => {
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: 'invalid_request', error_description: `Invalid Request, duplicate request parameter found : ${name}` });
  };

  it.each(['scope', 'client_id', 'grant_type', 'client_secret'])('token endpoint: %s twice → 400 invalid_request, no token', async (name) => {
    const values: Record<string, string> = { grant_type: 'client_credentials', scope: `api://${PROVIDER}/read`, client_id: CONSUMER, client_secret: t.consumerSecret };
    const before = t.tenant.context.runtime.counters.tokensIssued;
    refused(await post(oauth2(t.tenant, 'access_token'), twice(values, name, name === 'scope' ? 'openid' : values[name])), name);
    expect(t.tenant.context.runtime.counters.tokensIssued).toBe(before);
  });

  it('token endpoint: the same parameter in the query and the body is a repeat too', async () => {
    const values = { grant_type: 'client_credentials', scope: 'openid', client_id: CONSUMER, client_secret: t.consumerSecret };
    refused(await post(`${oauth2(t.tenant, 'access_token')}?scope=profile`, new URLSearchParams(values).toString()), 'scope');
  });

  it('authorize: a repeated scope or redirect_uri → 400 invalid_request, never a redirect', async () => {
    const sso = await login('PasswordGrant', t.username, t.userPassword);
    const query = `${new URLSearchParams({ response_type: 'code', client_id: CONSUMER, redirect_uri: REDIRECT_URI, scope: `api://${PROVIDER}/read` })}&scope=openid`;
    const answer = await call(`${oauth2(t.tenant, 'authorize')}?${query}`, { headers: { cookie: `${cookieName()}=${sso}` } });
    refused(answer, 'scope');
    expect(answer.headers.get('location')).toBeNull();
    const body = twice({ response_type: 'code', client_id: CONSUMER, redirect_uri: REDIRECT_URI, scope: 'openid', decision: 'allow', csrf: sso }, 'redirect_uri', 'https://evil.example.com/cb');
    refused(await post(oauth2(t.tenant, 'authorize'), body, { cookie: `${cookieName()}=${sso}` }), 'redirect_uri');
  });

  it('introspect: a repeated token → 400 invalid_request', async () => {
    const token = await call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'client_credentials', scope: 'openid', client_id: CONSUMER, client_secret: t.consumerSecret }));
    const values = { token: String(token.json.access_token), client_id: CONSUMER, client_secret: t.consumerSecret };
    refused(await post(oauth2(t.tenant, 'introspect'), twice(values, 'token', 'other')), 'token');
  });
});

describe('an oversized invalid_scope message', () => {
  it(`is cut to ${MAX_ERROR_DESCRIPTION} characters at the token endpoint and in the /authorize redirect`, async () => {
    const huge = `api://${'p'.repeat(200_000)}/read`;
    const answer = await call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'client_credentials', scope: huge, client_id: CONSUMER, client_secret: t.consumerSecret }));
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe('invalid_scope');
    const description = String(answer.json.error_description);
    expect(description.length).toBeLessThanOrEqual(MAX_ERROR_DESCRIPTION);
    expect(description.endsWith('…')).toBe(true);
    const sso = await login('PasswordGrant', t.username, t.userPassword);
    const redirect = await call(oauth2(t.tenant, 'authorize'), { ...form({ response_type: 'code', client_id: CONSUMER, redirect_uri: REDIRECT_URI, scope: `api://${'p'.repeat(5000)}/read`, decision: 'allow', csrf: sso }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${cookieName()}=${sso}` } });
    expect(redirect.status).toBe(302);
    const location = new URL(String(redirect.headers.get('location')));
    expect(location.searchParams.get('error')).toBe('invalid_scope');
    expect(String(location.searchParams.get('error_description')).length).toBeLessThanOrEqual(MAX_ERROR_DESCRIPTION);
  });

  it('a short message is unchanged', async () => {
    const answer = await call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'client_credentials', scope: 'api://a/b/c', client_id: CONSUMER, client_secret: t.consumerSecret }));
    expect(answer.json.error).toBe('invalid_scope');
    expect(String(answer.json.error_description)).not.toContain('…');
  });
});
