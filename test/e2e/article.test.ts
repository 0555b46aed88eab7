/**
 * End to end on the local tenant: the real deploy pipeline writes the article's configuration, then
 * tokens are requested and introspected exactly as the article's curl commands do.
 */
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { articleAccess, SECRETS, startHarness, USER_ID, type Harness } from '../helpers/local-tenant.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  const outcome = await harness.deploy(articleAccess());
  expect(outcome.ok).toBe(true);
  expect(outcome.restarted).toBe(true);
});
afterAll(() => harness.close());

const clientCredentials = (scope: string, clientId = 'scopeDrivenAPI1Client') =>
  harness.token({ grant_type: 'client_credentials', client_id: clientId, client_secret: SECRETS[clientId as keyof typeof SECRETS], scope });

async function userToken(scope: string): Promise<string> {
  const base = harness.tenant.url;
  const login = await axios.post(`${base}/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=PasswordGrant`, '', {
    headers: { 'X-OpenAM-Username': 'demo', 'X-OpenAM-Password': 'Demo-Passw0rd!', 'Accept-API-Version': 'resource=2.1' },
  });
  const sso = login.data.tokenId as string;
  const cookie = `${harness.tenant.context.state.cookieName}=${sso}`;
  const authorize = await axios.post(
    `${base}/am/oauth2/realms/root/realms/alpha/authorize`,
    new URLSearchParams({ scope, response_type: 'code', client_id: 'scopeDrivenAPI1Client', redirect_uri: 'http://localhost:3000/callback', decision: 'allow', csrf: sso }).toString(),
    { headers: { Cookie: cookie, 'content-type': 'application/x-www-form-urlencoded' }, maxRedirects: 0, validateStatus: () => true },
  );
  expect(authorize.status).toBe(302);
  const code = new URL(authorize.headers.location).searchParams.get('code')!;
  const exchange = await harness.token({ grant_type: 'authorization_code', code, redirect_uri: 'http://localhost:3000/callback', client_id: 'scopeDrivenAPI1Client', client_secret: SECRETS.scopeDrivenAPI1Client });
  expect(exchange.status).toBe(200);
  return exchange.body.access_token as string;
}

describe('the article on the local tenant', () => {
  it('client credentials: scope read, aud scopeDrivenAPI2Client, policyResult true', async () => {
    const { status, body } = await clientCredentials('api://scopeDrivenAPI2Client/read');
    expect(status).toBe(200);
    expect(body.scope).toBe('read');
    const introspection = await harness.introspect(body.access_token as string, 'scopeDrivenAPI1Client', SECRETS.scopeDrivenAPI1Client);
    expect(introspection).toMatchObject({ active: true, scope: 'read', aud: 'scopeDrivenAPI2Client', policyResult: true, client_id: 'scopeDrivenAPI1Client', user_id: 'scopeDrivenAPI1Client', realm: '/alpha' });
  });

  it('authorization code for the user: the provider can introspect, the consumer cannot', async () => {
    const token = await userToken('api://scopeDrivenAPI2Client/read');
    expect(await harness.introspect(token, 'scopeDrivenAPI2Client', SECRETS.scopeDrivenAPI2Client)).toMatchObject({ active: true, scope: 'read', user_id: USER_ID, sub: 'scopeDrivenAPI1Client', policyResult: true });
    expect(await harness.introspect(token, 'scopeDrivenAPI1Client', SECRETS.scopeDrivenAPI1Client)).toEqual({ active: false });
  });

  it('a user-only grant applies to the user and not to the client acting alone', async () => {
    await userToken('api://billingApi/read');
    const cc = await clientCredentials('api://billingApi/read');
    expect(cc.body.scope).toBe('');
    const introspection = await harness.introspect(cc.body.access_token as string, 'scopeDrivenAPI1Client', SECRETS.scopeDrivenAPI1Client);
    expect(introspection).toMatchObject({ active: true, policyResult: false });
    expect(introspection.aud).toBeUndefined();
    const tokens = [...harness.tenant.context.runtime.tokens.values()].filter((t) => t.kind === 'access' && t.resourceOwnerId === USER_ID && t.fields.aud === 'billingApi');
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens[tokens.length - 1].scope).toEqual(['read']);
  });

  it('a consumer with no grant gets no audience scope and policyResult false', async () => {
    const { status, body } = await clientCredentials('api://scopeDrivenAPI2Client/read', 'scopeDrivenAPI2Client');
    expect(status).toBe(200);
    expect(body.scope).toBe('');
    const introspection = await harness.introspect(body.access_token as string, 'scopeDrivenAPI2Client', SECRETS.scopeDrivenAPI2Client);
    expect(introspection).toMatchObject({ active: true, scope: '', policyResult: false });
    expect(introspection.aud).toBeUndefined();
  });

  it('an attribute grant follows the identity: the client alone has no isMemberOf, so write is denied', async () => {
    const { body } = await clientCredentials('api://scopeDrivenAPI2Client/write');
    expect(body.scope).toBe('');
  });

  it('two scopes of which one is granted: the token carries exactly that one', async () => {
    const { body } = await clientCredentials('api://scopeDrivenAPI2Client/read api://scopeDrivenAPI2Client/admin');
    expect(body.scope).toBe('read');
  });

  it('a request naming two providers is refused with invalid_scope', async () => {
    const { status, body } = await clientCredentials('api://scopeDrivenAPI2Client/read api://billingApi/read');
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_scope');
    expect(String(body.error_description)).toMatch(/^One audience per token/);
  });

  it('a malformed audience scope is refused, naming it', async () => {
    const { status, body } = await clientCredentials('api://scopeDrivenAPI2Client/read/extra');
    expect(status).toBe(400);
    expect(String(body.error_description)).toContain('api://scopeDrivenAPI2Client/read/extra');
  });

  it('leaves no agent session behind', () => {
    const agentSessions = [...harness.tenant.context.runtime.sessions.values()].filter((s) => s.kind === 'agent');
    expect(agentSessions).toEqual([]);
  });

  it('a second deploy of the same input writes nothing', async () => {
    const writes = harness.http.stats.writes;
    const outcome = await harness.deploy(articleAccess());
    expect(outcome.plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
    expect(harness.http.stats.writes).toBe(writes);
    expect(outcome.restarted).toBe(false);
  });

  it('a grant removed by a later deploy is revoked, and the objects of a removed provider are deleted', async () => {
    const access = articleAccess();
    access.providers.scopeDrivenAPI2Client.scopes.read.grants = [{ user: USER_ID, client: 'scopeDrivenAPI1Client' }];
    delete access.providers.billingApi;
    const outcome = await harness.deploy(access);
    expect(outcome.ok).toBe(true);
    const changed = outcome.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.kind} ${c.id}`).sort();
    expect(changed).toEqual(['delete policy billingApi read', 'delete policy-set billingApi', 'delete resource-type billingApi', 'update policy scopeDrivenAPI2Client read']);
    const { body } = await clientCredentials('api://scopeDrivenAPI2Client/read');
    expect(body.scope).toBe('');
    const realm = harness.tenant.context.state.realms.alpha;
    expect(realm.policySets.billingApi).toBeUndefined();
    // The seed's built-in OAuth2 Scope resource type is not the tool's: it stays.
    expect(Object.values(realm.resourceTypes).map((t) => t.name).sort()).toEqual(['OAuth2 Scope', 'scopeDrivenAPI2Client']);
  });
});
