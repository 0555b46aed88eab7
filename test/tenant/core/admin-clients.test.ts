/**
 * What common AIC clients (frodo, the platform UI) call to log in and find out where they are
 * (issue 12): administrator login in the root realm, the admin session on AM's APIs, /authorize
 * without a realm (frodo's cloud detection) and the PKCE code exchange for an admin bearer,
 * the service account as an IDM object, /environment/info, the realm list and the realm's OAuth2
 * provider service. Shapes from the recordings in test/fixtures/am-recordings; each request
 * answered 404 on the tenant before.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recording } from '../../helpers/recordings.js';
import { CoreTenant, REALM } from './tenant-client.js';

let core: CoreTenant;
beforeAll(async () => {
  core = await CoreTenant.start();
});
afterAll(() => core.close());

const ADMIN = { username: 'amadmin', password: 'Admin-Passw0rd!' };
const AUTH_API = { 'accept-api-version': 'resource=2.0, protocol=1.0', 'content-type': 'application/json' };
type Json = Record<string, any>;
const keysOf = (value: unknown) => Object.keys(value as object).sort();

async function adminLogin(username = ADMIN.username, password = ADMIN.password) {
  return core.send('POST', '/am/json/realms/root/authenticate', { body: '{}', headers: { ...AUTH_API, 'x-openam-username': username, 'x-openam-password': password } });
}

/** frodo-lib's cloud detection and admin token: POST /am/oauth2/authorize with the session, PKCE S256, then the code exchange. */
async function adminBearer(sso: string): Promise<{ authorize: Awaited<ReturnType<CoreTenant['send']>>; token?: Json }> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = `${core.url}/platform/appAuthHelperRedirect.html`;
  const form = new URLSearchParams({ redirect_uri: redirectUri, scope: 'openid fr:idc:esv:*', response_type: 'code', client_id: 'idmAdminClient', csrf: sso, decision: 'allow', code_challenge: challenge, code_challenge_method: 'S256' });
  const response = await fetch(`${core.url}/am/oauth2/authorize`, { method: 'POST', redirect: 'manual', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', [core.state.cookieName]: sso } });
  const authorize = { status: response.status, headers: response.headers, body: undefined, text: await response.text() };
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) return { authorize };
  const code = new URL(location).searchParams.get('code') ?? '';
  const token = await core.send('POST', '/am/oauth2/access_token', { body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'idmAdminClient', code, redirect_uri: redirectUri, code_verifier: verifier }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  return { authorize, token: token.body };
}

describe('administrator login in the root realm', () => {
  it('answers the recorded shape, realm "/", and sets the session cookie', async () => {
    const answer = await adminLogin();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ successUrl: '/am/console', realm: '/' });
    expect(typeof answer.body.tokenId).toBe('string');
    expect(answer.headers.get('set-cookie')).toBe(`${core.state.cookieName}=${answer.body.tokenId}; Path=/; HttpOnly`);
  });

  it('refuses a wrong password or an unknown admin with 401 Login failure; a realm user is no admin', async () => {
    for (const [user, password] of [[ADMIN.username, 'wrong'], ['nobody', 'x'], ['demo', 'Demo-Passw0rd!']]) {
      const answer = await adminLogin(user, password);
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ code: 401, reason: 'Unauthorized', message: 'Login failure' });
    }
  });

  it('answers a journey the root realm lacks as recorded (400 No Configuration found)', async () => {
    const [exchange] = recording('authenticate.root-no-configuration');
    const answer = await core.send('POST', exchange.request.path, { body: '{}', headers: exchange.request.headers });
    expect({ status: answer.status, body: answer.body }).toEqual({ status: exchange.response.status, body: exchange.response.body });
  });

  it("opens AM's configuration APIs to the admin session (cookie or cookie-named header), not the ESV API", async () => {
    const sso = (await adminLogin()).body.tokenId as string;
    const scripts = `${REALM}/scripts?_queryFilter=true`;
    expect((await core.call('GET', scripts, undefined, { token: null, headers: { cookie: `${core.state.cookieName}=${sso}` } })).status).toBe(200);
    expect((await core.call('GET', scripts, undefined, { token: null, headers: { [core.state.cookieName]: sso } })).status).toBe(200);
    expect((await core.call('GET', '/environment/variables', undefined, { token: null, headers: { [core.state.cookieName]: sso } })).status).toBe(401);
  });

  it('a realm user session opens nothing', async () => {
    const login = await core.send('POST', `${REALM}/authenticate?authIndexType=service&authIndexValue=PasswordGrant`, { body: '{}', headers: { ...AUTH_API, 'x-openam-username': 'demo', 'x-openam-password': 'Demo-Passw0rd!' } });
    expect(login.status).toBe(200);
    expect((await core.call('GET', `${REALM}/scripts?_queryFilter=true`, undefined, { token: null, headers: { [core.state.cookieName]: login.body.tokenId } })).status).toBe(401);
  });
});

describe('/am/oauth2/authorize without a realm (root)', () => {
  it('redirects with a code for the admin client (frodo detects a cloud tenant so), whose PKCE exchange gives an admin bearer', async () => {
    const sso = (await adminLogin()).body.tokenId as string;
    const { authorize, token } = await adminBearer(sso);
    expect(authorize.status).toBe(302);
    const location = new URL(String(authorize.headers.get('location')));
    expect(location.searchParams.get('iss')).toBe(`${core.url}/am/oauth2`);
    expect(token).toMatchObject({ token_type: 'Bearer', scope: 'openid fr:idc:esv:*' });
    const esv = await core.call('GET', '/environment/variables', undefined, { token: token!.access_token });
    expect(esv.status).toBe(200);
    // Its scope does not include fr:am:* (AM's APIs take the session).
    expect((await core.call('GET', `${REALM}/scripts?_queryFilter=true`, undefined, { token: token!.access_token })).status).toBe(403);
  });

  it('refuses the exchange with a wrong code_verifier, and spends the code', async () => {
    const sso = (await adminLogin()).body.tokenId as string;
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = `${core.url}/platform/appAuthHelperRedirect.html`;
    const response = await fetch(`${core.url}/am/oauth2/authorize?${new URLSearchParams({ redirect_uri: redirectUri, scope: 'openid', response_type: 'code', client_id: 'idmAdminClient', csrf: sso, decision: 'allow', code_challenge: challenge, code_challenge_method: 'S256' })}`, { redirect: 'manual', headers: { [core.state.cookieName]: sso } });
    expect(response.status).toBe(302);
    const code = new URL(String(response.headers.get('location'))).searchParams.get('code') ?? '';
    const exchange = (codeVerifier: string) => core.send('POST', '/am/oauth2/access_token', { body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'idmAdminClient', code, redirect_uri: redirectUri, code_verifier: codeVerifier }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await exchange('not-the-verifier')).body.error).toBe('invalid_grant');
    expect((await exchange(verifier)).body.error).toBe('invalid_grant');
  });

  it('needs an administrator session: none → 401, a realm user (wrong realm) → 401', async () => {
    const { authorize } = await adminBearer('not-a-session');
    expect(authorize.status).toBe(401);
  });
});

describe('platform reads', () => {
  it('GET /openidm/managed/svcacct/<id>: the recorded managed-object shape, public key only; needs fr:idm:*', async () => {
    const [created] = recording('reference/svcacct.create');
    const id = core.tenant.serviceAccount.id;
    expect((await core.call('GET', `/openidm/managed/svcacct/${id}`)).status).toBe(403);
    const state = core.state.serviceAccounts[id];
    state.scopes = [...state.scopes, 'fr:idm:*'];
    const token = await core.token('fr:idm:*');
    const answer = await core.call('GET', `/openidm/managed/svcacct/${id}`, undefined, { token });
    expect(answer.status).toBe(200);
    expect(keysOf(answer.body)).toEqual(keysOf(created.response.body));
    expect(answer.body).toMatchObject({ _id: id, accountStatus: 'Active', scopes: state.scopes });
    expect(JSON.parse(answer.body.jwks).keys[0]).not.toHaveProperty('d');
    expect((await core.call('GET', '/openidm/managed/svcacct/nobody', undefined, { token })).status).toBe(404);
  });

  it('GET /environment/info: a mutable, unlocked development tenant, with the fields clients read', async () => {
    const answer = await core.call('GET', '/environment/info', undefined, { headers: { 'accept-api-version': 'protocol=1.0,resource=1.0' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ immutable: false, locked: false, tier: 'development', config_promotion_done: false, placeholder_management: 'CUSTOMER' });
    // Standalone (not a member of the promotion group): no environment above it.
    expect(answer.body.promotionTierInfo).toMatchObject({ tierDisplayName: 'Development', tiers: ['development'], upperTierDisplayName: null });
    expect(typeof answer.body.region).toBe('string');
    expect((await core.call('GET', '/environment/info', undefined, { token: null })).status).toBe(401);
  });

  it('GET /am/json/global-config/realms?_queryFilter=true: the recorded row shape, no root realm', async () => {
    const [exchange] = recording('realms.list');
    const answer = await core.call('GET', exchange.request.path, undefined, { headers: exchange.request.headers });
    expect(answer.status).toBe(200);
    const recordedAlpha = (exchange.response.body as Json).result.find((row: Json) => row.name === 'alpha');
    expect(answer.body.result).toHaveLength(1);
    const { _rev, ...alpha } = answer.body.result[0];
    expect(typeof _rev).toBe('string');
    const { _rev: recordedRev, ...recorded } = recordedAlpha;
    void recordedRev;
    expect(alpha).toEqual(recorded);
    expect((await core.call('GET', '/am/json/global-config/realms?_queryFilter=true')).status).toBe(200);
  });

  it("GET …/realm-config/services/oauth-oidc: the realm's provider as recorded; the root realm's is not available on AIC (recorded 403)", async () => {
    const [read] = recording('oauth-oidc.realm-read');
    const answer = await core.call('GET', read.request.path, undefined, { headers: read.request.headers });
    expect(answer.status).toBe(200);
    expect(keysOf(answer.body)).toEqual(keysOf(read.response.body));
    expect(answer.body.coreOAuth2Config).toEqual((read.response.body as Json).coreOAuth2Config);
    const [root] = recording('oauth-oidc.root-forbidden');
    const forbidden = await core.call('GET', root.request.path, undefined, { headers: root.request.headers });
    expect({ status: forbidden.status, body: forbidden.body }).toEqual({ status: root.response.status, body: root.response.body });
  });
});
