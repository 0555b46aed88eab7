/**
 * The article's demonstrations over HTTP against a fresh local tenant running the real bundles in
 * the Node sandbox: client credentials, the user's authorization code flow, introspection rules,
 * denial, refusal, fail-closed script errors, refresh, and no agent session left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amJson, AGENT_SECRET, call, CONSUMER, form, MOD_SCRIPT_ID, oauth2, PROVIDER, putScript, REDIRECT_URI, startPreparedTenant, type Started } from './fixture.js';

let t: Started;
beforeAll(async () => {
  t = await startPreparedTenant();
}, 120_000);
afterAll(async () => t?.close());

const consumerCredentials = () => ({ client_id: CONSUMER, client_secret: t.consumerSecret });
const clientCredentialsToken = (scope: string) => call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'client_credentials', scope, ...consumerCredentials() }));
const introspect = (token: string, clientId: string, secret: string) => call(oauth2(t.tenant, 'introspect'), form({ token, client_id: clientId, client_secret: secret }));
const agentSessions = () => [...t.tenant.context.runtime.sessions.values()].filter((s) => s.kind === 'agent');

async function userCode(scope: string): Promise<{ code: string; location: URL }> {
  const login = await call(amJson(t.tenant, 'authenticate?authIndexType=service&authIndexValue=PasswordGrant'), {
    method: 'POST',
    headers: { 'x-openam-username': t.username, 'x-openam-password': t.userPassword, 'content-type': 'application/json', 'accept-api-version': 'resource=2.1' },
  });
  expect(login.status).toBe(200);
  const sso = String(login.json.tokenId);
  const cookieName = t.tenant.context.state.cookieName;
  const answer = await call(oauth2(t.tenant, 'authorize'), {
    ...form({ scope, response_type: 'code', client_id: CONSUMER, redirect_uri: REDIRECT_URI, decision: 'allow', csrf: sso, state: 'xyz' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${cookieName}=${sso}` },
  });
  expect(answer.status).toBe(302);
  const location = new URL(String(answer.headers.get('location')));
  return { code: String(location.searchParams.get('code')), location };
}

describe('client credentials (the article\'s first demonstration)', () => {
  it('narrows api://scopeDrivenAPI2Client/read to read with aud and policyResult true', async () => {
    const token = await clientCredentialsToken(`api://${PROVIDER}/read`);
    expect(token.status).toBe(200);
    expect(token.json).toMatchObject({ scope: 'read', token_type: 'Bearer', expires_in: 3599 });
    expect(token.json.refresh_token).toBeUndefined();
    const info = await introspect(String(token.json.access_token), CONSUMER, t.consumerSecret);
    expect(info.json).toMatchObject({ active: true, scope: 'read', realm: '/alpha', client_id: CONSUMER, user_id: CONSUMER, username: CONSUMER, sub: CONSUMER, subname: CONSUMER, token_type: 'Bearer', aud: PROVIDER, policyResult: true });
    expect(info.json.iss).toBe(`${t.tenant.url}/am/oauth2/realms/root/realms/alpha`);
    expect(Number(info.json.exp)).toBeGreaterThan(Date.now() / 1000 + 3500);
    // The audience may introspect it too.
    expect((await introspect(String(token.json.access_token), PROVIDER, t.providerSecret)).json.active).toBe(true);
    expect(agentSessions()).toEqual([]);
  });

  it('accepts HTTP Basic client authentication and refuses a wrong secret', async () => {
    const basic = Buffer.from(`${CONSUMER}:${t.consumerSecret}`).toString('base64');
    const ok = await call(oauth2(t.tenant, 'access_token'), { ...form({ grant_type: 'client_credentials', scope: `api://${PROVIDER}/read` }), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` } });
    expect(ok.status).toBe(200);
    const bad = await call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'client_credentials', scope: 'profile', client_id: CONSUMER, client_secret: 'wrong' }));
    expect(bad.status).toBe(401);
    expect(bad.json.error).toBe('invalid_client');
  });

  it('denies an unpermitted audience scope: no audience scope, no aud, policyResult false', async () => {
    const token = await clientCredentialsToken(`api://${PROVIDER}/write profile`);
    expect(token.status).toBe(200);
    expect(token.json.scope).toBe('profile');
    const info = await introspect(String(token.json.access_token), CONSUMER, t.consumerSecret);
    expect(info.json).toMatchObject({ active: true, scope: 'profile', policyResult: false });
    expect(info.json.aud).toBeUndefined();
  });

  it('refuses scopes of two providers with invalid_scope', async () => {
    const before = t.tenant.context.runtime.counters.tokensIssued;
    const answer = await clientCredentialsToken(`api://${PROVIDER}/read api://otherProvider/read`);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe('invalid_scope');
    expect(String(answer.json.error_description)).toContain('otherProvider');
    expect(t.tenant.context.runtime.counters.tokensIssued).toBe(before);
  });

  it('leaves no agent session behind and never logs a secret', async () => {
    await clientCredentialsToken(`api://${PROVIDER}/read`);
    expect(agentSessions()).toEqual([]);
    expect(t.tenant.context.runtime.counters.scriptHttpCalls).toBeGreaterThan(0);
    const log = JSON.stringify(t.tenant.context.runtime.log);
    for (const secret of [AGENT_SECRET, t.consumerSecret, t.providerSecret, t.userPassword]) expect(log).not.toContain(secret);
  });
});

describe('authorization code for a user (the article\'s second demonstration)', () => {
  it('issues a user token only the audience can introspect', async () => {
    const { code, location } = await userCode(`api://${PROVIDER}/read`);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('xyz');
    expect(location.searchParams.get('client_id')).toBe(CONSUMER);
    const token = await call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, ...consumerCredentials() }));
    expect(token.status).toBe(200);
    expect(token.json.scope).toBe('read');
    const asProvider = await introspect(String(token.json.access_token), PROVIDER, t.providerSecret);
    expect(asProvider.json).toMatchObject({ active: true, scope: 'read', client_id: PROVIDER, user_id: t.userId, username: t.userId, sub: CONSUMER, policyResult: true, aud: PROVIDER });
    const asConsumer = await introspect(String(token.json.access_token), CONSUMER, t.consumerSecret);
    expect(asConsumer.json).toEqual({ active: false });
    // A code is single use.
    const again = await call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, ...consumerCredentials() }));
    expect(again.status).toBe(400);
    expect(again.json.error).toBe('invalid_grant');
    expect(agentSessions()).toEqual([]);
  });

  it('refresh keeps the scopes and re-runs the policy decision', async () => {
    const { code } = await userCode(`api://${PROVIDER}/read`);
    const first = await call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, ...consumerCredentials() }));
    expect(typeof first.json.refresh_token).toBe('string');
    const refreshed = await call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'refresh_token', refresh_token: String(first.json.refresh_token), ...consumerCredentials() }));
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.scope).toBe('read');
    const info = await introspect(String(refreshed.json.access_token), PROVIDER, t.providerSecret);
    expect(info.json).toMatchObject({ active: true, scope: 'read', user_id: t.userId, aud: PROVIDER, policyResult: true });
    const wider = await call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'refresh_token', refresh_token: String(refreshed.json.refresh_token), scope: `api://${PROVIDER}/read profile`, ...consumerCredentials() }));
    expect(wider.status).toBe(400);
    expect(wider.json.error).toBe('invalid_scope');
  });

  it('binds the code to its redirect_uri', async () => {
    const { code } = await userCode(`api://${PROVIDER}/read`);
    const answer = await call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'authorization_code', code, redirect_uri: 'http://localhost:3000/other', ...consumerCredentials() }));
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe('invalid_grant');
  });

  it('redirects invalid_scope from /authorize, and shows a consent page without decision=allow', async () => {
    const login = await call(amJson(t.tenant, 'authenticate?authIndexType=service&authIndexValue=PasswordGrant'), { method: 'POST', headers: { 'x-openam-username': t.username, 'x-openam-password': t.userPassword } });
    const sso = String(login.json.tokenId);
    const headers = { [t.tenant.context.state.cookieName]: sso };
    const base = { response_type: 'code', client_id: CONSUMER, redirect_uri: REDIRECT_URI };
    const refused = await call(`${oauth2(t.tenant, 'authorize')}?${new URLSearchParams({ ...base, scope: `api://${PROVIDER}/read api://x/y`, decision: 'allow', csrf: sso })}`, { headers });
    expect(refused.status).toBe(302);
    expect(new URL(String(refused.headers.get('location'))).searchParams.get('error')).toBe('invalid_scope');
    const consent = await call(`${oauth2(t.tenant, 'authorize')}?${new URLSearchParams({ ...base, scope: `api://${PROVIDER}/read` })}`, { headers });
    expect(consent.status).toBe(200);
    expect(consent.text).toContain(`api://${PROVIDER}/read`);
    expect(consent.text).toContain('name="decision" value="allow"');
    const badRedirect = await call(`${oauth2(t.tenant, 'authorize')}?${new URLSearchParams({ ...base, redirect_uri: 'https://evil.example/cb', scope: 'profile' })}`, { headers });
    expect(badRedirect.status).toBe(400);
  });
});

describe('token modification script failures', () => {
  it('a script that is not ES5 fails the token request with server_error and issues nothing', async () => {
    const realm = t.tenant.context.state.realms.alpha;
    const original = realm.scripts[MOD_SCRIPT_ID];
    putScript(t.tenant, MOD_SCRIPT_ID, 'PolicyEvalMod', 'OAUTH2_ACCESS_TOKEN_MODIFICATION', 'const narrowed = accessToken.getScope();\naccessToken.setField("x", "y");');
    const before = t.tenant.context.runtime.tokens.size;
    try {
      const answer = await clientCredentialsToken(`api://${PROVIDER}/read`);
      expect(answer.status).toBe(500);
      expect(answer.json.error).toBe('server_error');
      expect(t.tenant.context.runtime.tokens.size).toBe(before);
    } finally {
      realm.scripts[MOD_SCRIPT_ID] = original;
    }
  });

  it('a script calling a host other than the tenant gets a connection failure and fails closed', async () => {
    const variable = t.tenant.context.state.esv.variables['esv-tenant-env-fqdn'];
    const saved = variable.valueBase64;
    variable.valueBase64 = Buffer.from('https://elsewhere.example').toString('base64');
    const before = t.tenant.context.runtime.counters.scriptHttpCalls;
    try {
      const token = await clientCredentialsToken(`api://${PROVIDER}/read`);
      expect(token.status).toBe(200);
      expect(token.json.scope).toBe('');
      const info = await introspect(String(token.json.access_token), CONSUMER, t.consumerSecret);
      expect(info.json).toMatchObject({ active: true, policyResult: false });
      expect(info.json.aud).toBeUndefined();
      expect(t.tenant.context.runtime.counters.scriptHttpCalls).toBe(before + 1);
      expect(t.tenant.context.runtime.log.some((line) => line.source === 'script' && line.level === 'error')).toBe(true);
    } finally {
      variable.valueBase64 = saved;
    }
  });

  it('a missing scope validation script is a server_error', async () => {
    const overrides = t.tenant.context.state.realms.alpha.oauth2Clients[CONSUMER].overrideOAuth2ClientConfig as Record<string, unknown>;
    const saved = overrides.validateScopeScript;
    overrides.validateScopeScript = '00000000-0000-4000-8000-000000000000';
    try {
      const answer = await clientCredentialsToken(`api://${PROVIDER}/read`);
      expect(answer.status).toBe(500);
      expect(answer.json.error).toBe('server_error');
    } finally {
      overrides.validateScopeScript = saved;
    }
  });
});

describe('a scripted scope validator', () => {
  it('narrows to what was requested, answers its set when nothing was requested, and maps InvalidScopeException', async () => {
    const source = [
      'function validateAccessTokenScope() {',
      '  var requested = requestedScopes.toArray();',
      '  for (var i = 0; i < requested.length; i++) {',
      "    if (String(requested[i]) === 'forbidden') throw new (JavaImporter(org.forgerock.oauth2.core.exceptions.InvalidScopeException).InvalidScopeException)('forbidden is not for you');",
      '  }',
      "  var granted = new java.util.HashSet(); granted.add('profile'); granted.add('wide'); return granted;",
      '}',
    ].join('\n');
    putScript(t.tenant, '11111111-2222-4333-8444-555555555599', 'widening validator', 'OAUTH2_VALIDATE_SCOPE', source);
    const client = t.tenant.context.state.realms.alpha.oauth2Clients[PROVIDER];
    const saved = client.overrideOAuth2ClientConfig;
    client.overrideOAuth2ClientConfig = { ...(saved as object), providerOverridesEnabled: true, validateScopePluginType: 'SCRIPTED', validateScopeScript: '11111111-2222-4333-8444-555555555599', accessTokenModificationPluginType: 'PROVIDER' };
    const provider = (fields: Record<string, string>) => call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'client_credentials', client_id: PROVIDER, client_secret: t.providerSecret, ...fields }));
    try {
      expect((await provider({ scope: 'profile other' })).json.scope).toBe('profile');
      expect(String((await provider({})).json.scope).split(' ').sort()).toEqual(['profile', 'wide']);
      const refused = await provider({ scope: 'profile forbidden' });
      expect(refused.status).toBe(400);
      expect(refused.json).toEqual({ error: 'invalid_scope', error_description: 'forbidden is not for you' });
    } finally {
      client.overrideOAuth2ClientConfig = saved;
    }
  });
});

describe('the default scope validator (no overrides)', () => {
  it('grants allowed scopes and refuses others', async () => {
    const provider = (scope: string) => call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'client_credentials', scope, client_id: PROVIDER, client_secret: t.providerSecret }));
    const allowedScopes = (t.tenant.context.state.realms.alpha.oauth2Clients[PROVIDER].coreOAuth2ClientConfig as { scopes: { value: string[] } }).scopes.value;
    const granted = await provider(allowedScopes[0]);
    expect(granted.status).toBe(200);
    expect(granted.json.scope).toBe(allowedScopes[0]);
    const refused = await provider(`api://${CONSUMER}/read`);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toBe('invalid_scope');
  });
});
