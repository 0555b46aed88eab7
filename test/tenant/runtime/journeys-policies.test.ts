/**
 * Journeys, sessions and policy evaluation over HTTP on a fresh local tenant: the stored AgentLogin
 * and PasswordGrant trees, logout through the cookie-named header and the Cookie header, and the
 * evaluate action with its caller checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_ID, AGENT_SECRET, amJson, call, CONSUMER, PROVIDER, REALM, startPreparedTenant, type Started } from './fixture.js';

let t: Started;
beforeAll(async () => {
  t = await startPreparedTenant();
}, 120_000);
afterAll(async () => t?.close());

const login = (tree: string, username: string, password: string) =>
  call(amJson(t.tenant, `authenticate?authIndexType=service&authIndexValue=${tree}`), {
    method: 'POST',
    headers: { 'x-openam-username': username, 'x-openam-password': password, 'accept-api-version': 'resource=2.0, protocol=1.0', 'content-type': 'application/json' },
    body: '{}',
  });
const cookieName = () => t.tenant.context.state.cookieName;
const evaluate = (headers: Record<string, string>, body: unknown) =>
  call(amJson(t.tenant, 'policies?_action=evaluate'), { method: 'POST', headers: { 'content-type': 'application/json', 'accept-api-version': 'protocol=1.0,resource=2.1', ...headers }, body: JSON.stringify(body) });

describe('authenticate', () => {
  it('AgentLogin lets the active agent in and creates an agent session', async () => {
    const answer = await login('AgentLogin', AGENT_ID, AGENT_SECRET);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ successUrl: '/am/console', realm: `/${REALM}` });
    const session = t.tenant.context.runtime.sessions.get(String(answer.json.tokenId));
    expect(session).toMatchObject({ kind: 'agent', principal: AGENT_ID, realm: `/${REALM}` });
    expect(session!.expiresAt).toBeGreaterThan(Date.now() + 60 * 60 * 1000);
  });

  it('AgentLogin refuses a wrong password, a user, and an inactive agent', async () => {
    const failure = { code: 401, reason: 'Unauthorized', message: 'Login failure' };
    expect((await login('AgentLogin', AGENT_ID, 'nope')).json).toEqual(failure);
    expect((await login('AgentLogin', t.username, t.userPassword)).status).toBe(401);
    const agent = t.tenant.context.state.realms[REALM].igAgents[AGENT_ID];
    agent.status = 'Inactive';
    try {
      expect((await login('AgentLogin', AGENT_ID, AGENT_SECRET)).status).toBe(401);
    } finally {
      agent.status = 'Active';
    }
  });

  it('PasswordGrant lets the user in, not an agent', async () => {
    const answer = await login('PasswordGrant', t.username, t.userPassword);
    expect(answer.status).toBe(200);
    expect(t.tenant.context.runtime.sessions.get(String(answer.json.tokenId))).toMatchObject({ kind: 'user', principal: t.userId });
    expect((await login('PasswordGrant', AGENT_ID, AGENT_SECRET)).status).toBe(401);
  });

  it('answers 401 without credentials, an AM error for a missing tree, 500 naming an unknown node type', async () => {
    const bare = await call(amJson(t.tenant, 'authenticate?authIndexType=service&authIndexValue=AgentLogin'), { method: 'POST' });
    expect(bare.status).toBe(401);
    const missing = await login('NoSuchTree', AGENT_ID, AGENT_SECRET);
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ code: 400, reason: 'Bad Request' });
    expect(String(missing.json.message)).toContain('NoSuchTree');
    const realm = t.tenant.context.state.realms[REALM];
    realm.nodes['aaaaaaaa-0000-4000-8000-000000000001'] = { type: 'ScriptedDecisionNode', version: '1.0', body: { _id: 'aaaaaaaa-0000-4000-8000-000000000001' } };
    realm.trees.Scripted = { _id: 'Scripted', entryNodeId: 'aaaaaaaa-0000-4000-8000-000000000001', enabled: true, nodes: { 'aaaaaaaa-0000-4000-8000-000000000001': { nodeType: 'ScriptedDecisionNode', connections: { true: '70e691a5-1e33-4ac3-a356-e7b6d60d92e0' } } } };
    const unknown = await login('Scripted', AGENT_ID, AGENT_SECRET);
    expect(unknown.status).toBe(500);
    expect(String(unknown.json.message)).toContain('ScriptedDecisionNode');
  });
});

describe('logout', () => {
  it('ends the session named by the cookie-named header or by the Cookie header; unknown → 401', async () => {
    const logout = (headers: Record<string, string>) => call(amJson(t.tenant, 'sessions?_action=logout'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    const viaHeader = String((await login('AgentLogin', AGENT_ID, AGENT_SECRET)).json.tokenId);
    const first = await logout({ [cookieName()]: viaHeader });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ result: 'Successfully logged out' });
    expect(t.tenant.context.runtime.sessions.has(viaHeader)).toBe(false);
    expect((await logout({ [cookieName()]: viaHeader })).status).toBe(401);
    const viaCookie = String((await login('AgentLogin', AGENT_ID, AGENT_SECRET)).json.tokenId);
    expect((await logout({ cookie: `other=1; ${cookieName()}=${viaCookie}` })).status).toBe(200);
    expect(t.tenant.context.runtime.sessions.has(viaCookie)).toBe(false);
  });

  it('treats an expired session as unknown', async () => {
    const token = String((await login('AgentLogin', AGENT_ID, AGENT_SECRET)).json.tokenId);
    t.tenant.context.runtime.sessions.get(token)!.expiresAt = Date.now() - 1;
    const answer = await call(amJson(t.tenant, 'sessions?_action=logout'), { method: 'POST', headers: { [cookieName()]: token } });
    expect(answer.status).toBe(401);
  });
});

describe('policies?_action=evaluate', () => {
  const body = (subject: string) => ({ resources: [`api://${PROVIDER}/read`, `api://${PROVIDER}/write`, `API://${PROVIDER.toUpperCase()}/READ`], application: PROVIDER, subject: { claims: { sub: 'id=x', subject, client: CONSUMER } } });

  it('answers one decision per resource for an agent session', async () => {
    const sso = String((await login('AgentLogin', AGENT_ID, AGENT_SECRET)).json.tokenId);
    const answer = await evaluate({ [cookieName()]: sso }, body(CONSUMER));
    expect(answer.status).toBe(200);
    const rows = answer.json as unknown as { resource: string; actions: Record<string, boolean>; attributes: object; advices: object; ttl: number }[];
    expect(rows.map((r) => [r.resource, r.actions])).toEqual([[`api://${PROVIDER}/read`, { GRANT: true }], [`api://${PROVIDER}/write`, {}], [`API://${PROVIDER.toUpperCase()}/READ`, { GRANT: true }]]);
    expect(rows[0]).toMatchObject({ attributes: {}, advices: {} });
    expect(rows[0].ttl).toBeGreaterThan(0);
    const stranger = (await evaluate({ [cookieName()]: sso }, body('someone-else'))).json as unknown as { actions: object }[];
    expect(stranger.map((r) => r.actions)).toEqual([{}, {}, {}]);
  });

  it('accepts a service-account bearer, refuses callers without credentials', async () => {
    t.tenant.context.runtime.tokens.set('sa-token', { token: 'sa-token', kind: 'service-account', realm: '/', clientId: 'service-account', resourceOwnerId: 'sa', grantType: 'jwt', scope: ['fr:am:*'], fields: {}, expiresAt: Date.now() + 60_000, authGrantId: 'g' });
    expect((await evaluate({ authorization: 'Bearer sa-token' }, body(CONSUMER))).status).toBe(200);
    expect((await evaluate({}, body(CONSUMER))).status).toBe(401);
    expect((await evaluate({ [cookieName()]: 'not-a-session' }, body(CONSUMER))).status).toBe(401);
  });

  it('reads subject.jwt claims, and matches AuthenticatedUsers only for a live ssoToken subject', async () => {
    const sso = String((await login('AgentLogin', AGENT_ID, AGENT_SECRET)).json.tokenId);
    const jwt = ['{"alg":"none"}', JSON.stringify({ subject: CONSUMER })].map((part) => Buffer.from(part).toString('base64url')).join('.') + '.';
    const viaJwt = (await evaluate({ [cookieName()]: sso }, { resources: [`api://${PROVIDER}/read`], application: PROVIDER, subject: { jwt } })).json as unknown as { actions: object }[];
    expect(viaJwt[0].actions).toEqual({ GRANT: true });
    const realm = t.tenant.context.state.realms[REALM];
    realm.policies.everyone = { name: 'everyone', active: true, applicationName: PROVIDER, resourceTypeUuid: 'rt-api2', resources: [`api://${PROVIDER}/list`], actionValues: { GRANT: true }, subject: { type: 'AuthenticatedUsers' } };
    try {
      const resources = [`api://${PROVIDER}/list`];
      const bySession = (await evaluate({ [cookieName()]: sso }, { resources, application: PROVIDER, subject: { ssoToken: sso } })).json as unknown as { actions: object }[];
      expect(bySession[0].actions).toEqual({ GRANT: true });
      const byClaims = (await evaluate({ [cookieName()]: sso }, { resources, application: PROVIDER, subject: { claims: { sub: 'anyone' } } })).json as unknown as { actions: object }[];
      expect(byClaims[0].actions).toEqual({});
      const deadSession = (await evaluate({ [cookieName()]: sso }, { resources, application: PROVIDER, subject: { ssoToken: 'gone' } })).json as unknown as { actions: object }[];
      expect(deadSession[0].actions).toEqual({});
    } finally {
      delete realm.policies.everyone;
    }
  });

  it('answers 400 naming an unknown application', async () => {
    const sso = String((await login('AgentLogin', AGENT_ID, AGENT_SECRET)).json.tokenId);
    const answer = await evaluate({ [cookieName()]: sso }, { ...body(CONSUMER), application: 'noSuchPolicySet' });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ code: 400, reason: 'Bad Request' });
    expect(String(answer.json.message)).toContain('noSuchPolicySet');
  });
});
