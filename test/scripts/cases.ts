/**
 * One table of script cases, run through the Node sandbox (amkit) and through real Rhino, so the two
 * are held to the same expectations. Each case checks the outcome with plain assertions. This file
 * holds the legacy bundles' cases; next-gen-cases.ts and condition-cases.ts the others.
 */
import { expect } from 'vitest';
import type { BindingInput, LegacyBindingInput, ScriptContext, ScriptOutcome, ScriptedAnswer } from '../../amkit/types.js';
import type { ScriptName } from '../../tooling/build/build-scripts.js';

export const AGENT_SECRET = 'agent-S3cret-value-!';
export const SSO_TOKEN = 'AQIC5wM2LY4Sfcz-sso-token';
export const ENV = {
  'esv.tenant.env.fqdn': 'openam-example.forgeblocks.com',
  'esv.cookie': '6ac6499e9da2071',
  'esv.policy.gateway.id': 'policy-evaluator',
  'esv.policy.gateway.secret': AGENT_SECRET,
};

export interface ScriptCase {
  name: string;
  /** A built bundle, or `source` for a script written in the case. */
  bundle?: ScriptName;
  source?: string;
  context: ScriptContext;
  entryPoint?: string;
  input: BindingInput;
  check: (outcome: ScriptOutcome) => void;
}

export const login: ScriptedAnswer = { status: 200, body: JSON.stringify({ tokenId: SSO_TOKEN, successUrl: '/am/console', realm: '/alpha' }) };
const logout: ScriptedAnswer = { status: 200, body: '{"result":"Successfully logged out"}' };
/** Decision rows as AM answers them: a policy that applied names its audience scope in a static attribute. */
export const decisionRows = (rows: [string, boolean | undefined, string?][]) =>
  rows.map(([resource, grant, attributeScope = resource]) => ({
    resource,
    actions: grant === undefined ? {} : { GRANT: grant },
    attributes: grant === undefined ? {} : { aicApiToApiScope: [attributeScope] },
    advices: {},
    ttl: 9e15,
  }));
const decisions = (rows: [string, boolean | undefined, string?][]): ScriptedAnswer => ({ status: 200, body: JSON.stringify(decisionRows(rows)) });

export function token(scope: string[], owner = 'scopeDrivenAPI1Client', grantType = 'client_credentials'): LegacyBindingInput['accessToken'] {
  return { scope, clientId: 'scopeDrivenAPI1Client', resourceOwnerId: owner, grantType };
}

export function expectFailedClosed(outcome: ScriptOutcome, plainScopes: string[] = []) {
  expect(outcome.ok).toBe(true);
  expect(outcome.accessToken?.scope).toEqual(plainScopes);
  expect(outcome.accessToken?.fields.policyResult).toBe(false);
  expect(outcome.accessToken?.fields.aud).toBeUndefined();
  expect(outcome.logs.filter((l) => l.level === 'error')).toHaveLength(1);
}

export function expectNoSecretLogged(outcome: ScriptOutcome) {
  for (const line of outcome.logs) {
    expect(line.text).not.toContain(AGENT_SECRET);
    expect(line.text).not.toContain(SSO_TOKEN);
  }
}

function evaluateBody(outcome: ScriptOutcome) {
  const evaluations = outcome.httpCalls.filter((c) => c.uri.includes('_action=evaluate'));
  expect(evaluations).toHaveLength(1);
  return JSON.parse(evaluations[0].body);
}

function expectLoggedOut(outcome: ScriptOutcome) {
  const last = outcome.httpCalls[outcome.httpCalls.length - 1];
  expect(last.uri).toBe('https://openam-example.forgeblocks.com/am/json/realms/root/realms/alpha/sessions?_action=logout');
  expect(last.headers['6ac6499e9da2071']).toBe(SSO_TOKEN);
}

const VS = { bundle: 'scope-validation', context: 'OAUTH2_VALIDATE_SCOPE' } as const;
const TM = { bundle: 'policy-eval-mod', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION' } as const;

export const CASES: ScriptCase[] = [
  {
    name: 'validate: the article scope passes through at /access_token',
    ...VS,
    entryPoint: 'validateAccessTokenScope',
    input: { realm: '/alpha', env: {}, requestedScopes: ['api://scopeDrivenAPI2Client/read'], allowedScopes: ['openid'], defaultScopes: [] },
    check: (o) => expect(o.returnedScopes).toEqual(['api://scopeDrivenAPI2Client/read']),
  },
  {
    name: 'validate: every entry point AM calls by name exists and answers',
    ...VS,
    entryPoint: 'validateBackChannelAuthorizationScope',
    input: { realm: '/alpha', env: {}, requestedScopes: ['openid', 'unknown'], allowedScopes: ['openid'], defaultScopes: [] },
    check: (o) => expect(o.returnedScopes).toEqual(['openid']),
  },
  {
    name: 'validate: defaults when nothing is requested (refresh)',
    ...VS,
    entryPoint: 'validateRefreshTokenScope',
    input: { realm: '/alpha', env: {}, requestedScopes: [], allowedScopes: ['openid', 'profile'], defaultScopes: ['profile'] },
    check: (o) => expect(o.returnedScopes).toEqual(['profile']),
  },
  {
    name: 'validate: two providers refused, one audience per token',
    ...VS,
    entryPoint: 'validateAuthorizationScope',
    input: { realm: '/alpha', env: {}, requestedScopes: ['api://scopeDrivenAPI2Client/read', 'api://billing/read'], allowedScopes: [], defaultScopes: [] },
    check: (o) => {
      expect(o.ok).toBe(true);
      expect(o.invalidScope).toMatch(/^One audience per token/);
      expect(o.returnedScopes).toBeUndefined();
    },
  },
  ...['api://a/b/c', 'api:///read', 'xapi://a/b', 'api://wildApi/*', 'api://p/read*'].map<ScriptCase>((malformed) => ({
    name: `validate: malformed ${malformed} refused, naming it`,
    ...VS,
    entryPoint: 'validateAccessTokenScope',
    input: { realm: '/alpha', env: {}, requestedScopes: ['openid', malformed], allowedScopes: ['openid'], defaultScopes: [] },
    check: (o) => expect(o.invalidScope).toContain(`"${malformed}"`),
  })),
  {
    name: 'token: client credentials, the article case',
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: token(['api://scopeDrivenAPI2Client/read']), identity: { attributes: { userpassword: [AGENT_SECRET] } }, http: [login, decisions([['api://scopeDrivenAPI2Client/read', true]]), logout] },
    check: (o) => {
      expect(o.ok).toBe(true);
      expect(o.accessToken).toEqual({ scope: ['read'], fields: { aud: 'scopeDrivenAPI2Client', policyResult: true } });
      const login = o.httpCalls[0];
      expect(login.uri).toBe('https://openam-example.forgeblocks.com/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=AgentLogin');
      expect(login.headers['X-OpenAM-Username']).toBe('policy-evaluator');
      expect(evaluateBody(o)).toEqual({
        resources: ['api://scopeDrivenAPI2Client/read'],
        application: 'scopeDrivenAPI2Client',
        subject: { claims: { sub: 'id=policy-evaluator,ou=agent,o=alpha,ou=services,ou=am-config', subject: 'scopeDrivenAPI1Client', client: 'scopeDrivenAPI1Client' } },
      });
      expect(o.httpCalls).toHaveLength(3);
      expectLoggedOut(o);
      expect(o.logs.filter((l) => l.level === 'error')).toEqual([]);
    },
  },
  {
    name: 'token: user (authorization code) case with identity claims from the ESV',
    ...TM,
    input: {
      realm: '/alpha',
      env: { ...ENV, 'esv.policy.identity.claims': 'isMemberOf,mail' },
      accessToken: token(['openid', 'api://scopeDrivenAPI2Client/read'], 'a3f1c2de-user-uuid', 'authorization_code'),
      identity: { attributes: { isMemberOf: ['cn=readers'], mail: ['demo@example.com'], userpassword: ['not-to-be-copied'] } },
      http: [login, decisions([['api://scopeDrivenAPI2Client/read', true]]), logout],
    },
    check: (o) => {
      expect(o.accessToken).toEqual({ scope: ['openid', 'read'], fields: { aud: 'scopeDrivenAPI2Client', policyResult: true } });
      const claims = evaluateBody(o).subject.claims;
      expect(claims).toEqual({ isMemberOf: 'cn=readers', mail: 'demo@example.com', sub: 'id=policy-evaluator,ou=agent,o=alpha,ou=services,ou=am-config', subject: 'a3f1c2de-user-uuid', client: 'scopeDrivenAPI1Client' });
    },
  },
  {
    name: 'token: a denied scope gives no audience, policyResult false, and is not an error',
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: token(['api://scopeDrivenAPI2Client/write']), identity: null, http: [login, decisions([['api://scopeDrivenAPI2Client/write', undefined]]), logout] },
    check: (o) => {
      expect(o.accessToken).toEqual({ scope: [], fields: { policyResult: false } });
      expect(o.logs.filter((l) => l.level === 'error')).toEqual([]);
      expectLoggedOut(o);
    },
  },
  {
    name: 'token: two scopes, one granted, one evaluate call',
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: token(['api://p/read', 'api://p/write']), identity: null, http: [login, decisions([['api://p/read', true], ['api://p/write', false]]), logout] },
    check: (o) => {
      expect(o.accessToken).toEqual({ scope: ['read'], fields: { aud: 'p', policyResult: true } });
      expect(evaluateBody(o).resources).toEqual(['api://p/read', 'api://p/write']);
    },
  },
  {
    name: 'token: a GRANT that another scope\'s policy gave (AM matched READ to read) grants nothing',
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: token(['api://p/READ']), identity: null, http: [login, decisions([['api://p/READ', true, 'api://p/read']]), logout] },
    check: (o) => {
      expect(o.accessToken).toEqual({ scope: [], fields: { policyResult: false } });
      expectLoggedOut(o);
    },
  },
  {
    name: 'token: a GRANT with no scope attribute (a foreign or wildcard policy) grants nothing',
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: token(['api://p/read']), identity: null, http: [login, { status: 200, body: JSON.stringify([{ resource: 'api://p/read', actions: { GRANT: true }, attributes: {}, advices: {}, ttl: 1 }]) }, logout] },
    check: (o) => expect(o.accessToken).toEqual({ scope: [], fields: { policyResult: false } }),
  },
  ...['api://wildApi/*', 'api://p/read*', 'api://p/-*-'].map<ScriptCase>((pattern) => ({
    name: `token: a pattern-like scope ${pattern} fails closed before any call`,
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: token(['openid', pattern]), identity: null, http: [] },
    check: (o) => {
      expectFailedClosed(o, ['openid']);
      expect(o.httpCalls).toEqual([]);
    },
  })),
  {
    name: 'token: a resource owner id with quotes and backslashes stays one valid JSON value',
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: token(['api://p/read'], 'x"},"client":"admin\\'), identity: null, http: [login, decisions([['api://p/read', true]]), logout] },
    check: (o) => {
      const claims = evaluateBody(o).subject.claims;
      expect(claims.subject).toBe('x"},"client":"admin\\');
      expect(claims.client).toBe('scopeDrivenAPI1Client');
    },
  },
  {
    name: 'token: a token without audience scopes is left as AM made it',
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: { ...token(['openid', 'profile'])!, fields: {} }, identity: null, http: [] },
    check: (o) => {
      expect(o.accessToken).toEqual({ scope: ['openid', 'profile'], fields: {} });
      expect(o.httpCalls).toEqual([]);
    },
  },
  {
    name: 'token: agent authentication failure fails closed without logging the secret',
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: token(['openid', 'api://p/read']), identity: null, http: [{ status: 401, body: '{"code":401,"message":"Login failure"}' }] },
    check: (o) => {
      expectFailedClosed(o, ['openid']);
      expect(o.logs.find((l) => l.level === 'error')?.text).toContain('agent authentication answered HTTP 401');
      expect(o.httpCalls).toHaveLength(1);
      expectNoSecretLogged(o);
    },
  },
  {
    name: 'token: evaluate answering 500 fails closed and still logs the agent out',
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: token(['api://p/read']), identity: null, http: [login, { status: 500, body: '{"code":500}' }, logout] },
    check: (o) => {
      expectFailedClosed(o);
      expect(o.logs.find((l) => l.level === 'error')?.text).toContain('policy evaluation answered HTTP 500');
      expectLoggedOut(o);
      expectNoSecretLogged(o);
    },
  },
  {
    name: 'token: evaluate answering garbage fails closed',
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: token(['api://p/read']), identity: null, http: [login, { status: 200, body: '<html>gateway timeout</html>' }, logout] },
    check: (o) => {
      expectFailedClosed(o);
      expectLoggedOut(o);
    },
  },
  {
    name: 'token: unexpected JSON from evaluate fails closed',
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: token(['api://p/read']), identity: null, http: [login, { status: 200, body: '{"resource":"api://p/read","actions":{"GRANT":true}}' }, logout] },
    check: (o) => expectFailedClosed(o),
  },
  {
    name: 'token: an exception from httpClient fails closed without a secret in the log',
    ...TM,
    input: { realm: '/alpha', env: ENV, accessToken: token(['api://p/read']), identity: null, http: [login, { throw: `connect timed out (password=${AGENT_SECRET})` }, logout] },
    check: (o) => {
      expectFailedClosed(o);
      expectNoSecretLogged(o);
      expectLoggedOut(o);
    },
  },
  {
    name: 'token: a wrong esv-cookie fails closed, and the agent is still logged out with the tenant\'s own cookie name',
    ...TM,
    input: {
      realm: '/alpha',
      env: { ...ENV, 'esv.cookie': 'not-the-cookie' },
      accessToken: token(['api://p/read']),
      identity: null,
      http: [login, { status: 401, body: '{"code":401,"message":"Access Denied"}' }, { status: 401, body: '{"code":401}' }, { status: 200, body: '{"cookieName":"6ac6499e9da2071","domains":[]}' }, logout],
    },
    check: (o) => {
      expectFailedClosed(o);
      expect(o.logs.find((l) => l.level === 'error')?.text).toContain('policy evaluation answered HTTP 401');
      expect(o.httpCalls.map((c) => `${c.method} ${c.uri.replace('https://openam-example.forgeblocks.com', '')}`)).toEqual([
        'POST /am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=AgentLogin',
        'POST /am/json/realms/root/realms/alpha/policies?_action=evaluate',
        'POST /am/json/realms/root/realms/alpha/sessions?_action=logout',
        'GET /am/json/serverinfo/*',
        'POST /am/json/realms/root/realms/alpha/sessions?_action=logout',
      ]);
      expectLoggedOut(o);
      expectNoSecretLogged(o);
    },
  },
  {
    name: 'token: a missing ESV fails closed and makes no call',
    ...TM,
    input: { realm: '/alpha', env: { ...ENV, 'esv.policy.gateway.secret': '' }, accessToken: token(['api://p/read']), identity: null, http: [] },
    check: (o) => {
      expectFailedClosed(o);
      expect(o.logs[0].text).toContain('ESV esv-policy-gateway-secret is not set');
      expect(o.httpCalls).toEqual([]);
    },
  },
  {
    name: 'token: a realm other than alpha and a base URL with scheme are honoured',
    ...TM,
    input: { realm: '/bravo', env: { ...ENV, 'esv.tenant.env.fqdn': 'http://127.0.0.1:8780' }, accessToken: token(['api://p/read']), identity: null, http: [login, decisions([['api://p/read', true]]), logout] },
    check: (o) => {
      expect(o.httpCalls.map((c) => c.uri)).toEqual([
        'http://127.0.0.1:8780/am/json/realms/root/realms/bravo/authenticate?authIndexType=service&authIndexValue=AgentLogin',
        'http://127.0.0.1:8780/am/json/realms/root/realms/bravo/policies?_action=evaluate',
        'http://127.0.0.1:8780/am/json/realms/root/realms/bravo/sessions?_action=logout',
      ]);
      expect(evaluateBody(o).subject.claims.sub).toBe('id=policy-evaluator,ou=agent,o=bravo,ou=services,ou=am-config');
    },
  },
];
