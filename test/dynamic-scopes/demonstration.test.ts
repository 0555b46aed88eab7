/**
 * The AIC documentation's "Dynamic OAuth 2.0 authorization" demonstration (the project's seed document 002),
 * step by step on the local tenant with the real deploy tool: the scope policy (deny email to
 * Authenticated Users) in the default oauth2Scopes policy set, the client switched to the policy
 * engine, its Implied Consent cleared; then the non-interactive test (password grant "openid email"
 * → "openid", with an ID token) and the interactive one (the implicit flow, response_type=id_token
 * with nonce 123 and state 456: the consent page asks for profile, not email). Then what the
 * demonstration implies: saved consent, a grant that skips consent, undecided scopes, default
 * scopes, refresh, and removal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_MARKER, planWarnings } from '../../tooling/engine/model.js';
import { diagnosticLine } from '../../tooling/diagnostics.js';
import { startHarness, type Harness } from '../helpers/local-tenant.js';
import { browseAuthorize, browseImplicit, CLIENT, CLIENT_SECRET, demonstration, denyEmail, dynamicAccess, askForConsent, exchangeCode, listedScopes, login, passwordGrant, submitConsent, USER_ID, verifiedIdToken } from './helpers.js';

let harness: Harness;
const realm = () => harness.tenant.context.state.realms.alpha;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

describe('the documented demonstration: email denied to authenticated users', () => {
  let seedClient: Record<string, unknown>;

  it('deploys the policy "deny email to Authenticated Users" into oauth2Scopes, switches the client and clears its implied consent', async () => {
    seedClient = JSON.parse(JSON.stringify(realm().oauth2Clients[CLIENT]));
    // AIC's new clients use implied consent; the seed's client does too, until the demonstration clears it.
    expect((seedClient.advancedOAuth2ClientConfig as Record<string, { value: unknown }>).isConsentImplied.value).toBe(true);
    const defaultSet = JSON.parse(JSON.stringify(realm().policySets.oauth2Scopes));
    const outcome = await harness.deploy(demonstration());
    expect(outcome.ok).toBe(true);
    expect(planWarnings(outcome.plan).map(diagnosticLine)).toEqual([]);
    const changes = outcome.plan.changes.filter((c) => ['policy-set', 'policy', 'oauth2-client'].includes(c.kind) || c.id.startsWith('aic-api-to-api ScopeCondition'));
    expect(changes.map((c) => `${c.action} ${c.kind} ${c.id}`)).toEqual(['noop policy-set oauth2Scopes', 'create policy oauth2Scopes email deny', `update oauth2-client ${CLIENT}`]);
    const client = changes.find((c) => c.kind === 'oauth2-client')!;
    expect(client.dependsOn).toEqual(expect.arrayContaining(['policy:oauth2Scopes email deny']));
    expect(client.diff.map((d) => d.path)).toEqual(expect.arrayContaining(['advancedOAuth2ClientConfig.isConsentImplied', 'overrideOAuth2ClientConfig.usePolicyEngineForScope']));

    const policy = realm().policies['oauth2Scopes email deny'];
    expect(policy).toMatchObject({ applicationName: 'oauth2Scopes', resourceTypeUuid: 'd60b7a71-1dc6-44a5-8e48-e4b9d92dee8b', resources: ['email'], actionValues: { GRANT: false }, subject: { type: 'AuthenticatedUsers' } });
    expect(policy.condition).toBeUndefined();
    expect(String(policy.description)).toContain(MANAGED_MARKER);
    // The default policy set is AM's, not the tool's: untouched.
    expect(realm().policySets.oauth2Scopes).toEqual(defaultSet);
    // Only the managed values changed; everything else in the client is as it was.
    const after = JSON.parse(JSON.stringify(realm().oauth2Clients[CLIENT]));
    expect(after.overrideOAuth2ClientConfig).toEqual({ ...(seedClient.overrideOAuth2ClientConfig as object), providerOverridesEnabled: true, usePolicyEngineForScope: true, scopesPolicySet: 'oauth2Scopes' });
    expect(after.advancedOAuth2ClientConfig).toEqual({ ...(seedClient.advancedOAuth2ClientConfig as object), isConsentImplied: { inherited: false, value: false } });
    expect({ ...after, overrideOAuth2ClientConfig: null, advancedOAuth2ClientConfig: null }).toEqual({ ...seedClient, overrideOAuth2ClientConfig: null, advancedOAuth2ClientConfig: null });
  });

  it('non-interactive: the password grant with scope "openid email" yields scope "openid" and an ID token without email', async () => {
    const { status, body } = await passwordGrant(harness, 'openid email');
    expect(status).toBe(200);
    expect(body).toMatchObject({ scope: 'openid', token_type: 'Bearer', expires_in: 3599, refresh_token: expect.any(String), id_token: expect.any(String) });
    const idToken = await verifiedIdToken(harness, body.id_token);
    expect(idToken).toMatchObject({ sub: USER_ID, aud: CLIENT, azp: CLIENT });
    expect(idToken.email).toBeUndefined();
    expect(await harness.introspect(body.access_token as string, CLIENT, CLIENT_SECRET)).toMatchObject({ active: true, scope: 'openid', client_id: CLIENT });
  });

  it('the password grant checks the resource owner credentials', async () => {
    const { status, body } = await passwordGrant(harness, 'openid', { username: 'demo', password: 'wrong' });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
    expect(JSON.stringify(body)).not.toContain('wrong');
  });

  it('interactive (implicit flow, response_type=id_token): the consent prompt does not include email; allowing returns an ID token in the fragment', async () => {
    const { cookie } = await login(harness);
    const page = await browseImplicit(harness, cookie);
    expect(page.status).toBe(200);
    // email is denied (never shown), openid is never asked: profile only, as the documentation's figure shows.
    expect(listedScopes(page.html)).toEqual(['profile']);
    const allowed = await submitConsent(harness, cookie, page.html);
    expect(allowed.status).toBe(302);
    expect(allowed.via).toBe('fragment');
    expect(allowed.redirect?.get('state')).toBe('456');
    expect(allowed.redirect?.get('access_token')).toBeNull();
    const idToken = await verifiedIdToken(harness, allowed.redirect?.get('id_token'));
    expect(idToken).toMatchObject({ sub: USER_ID, nonce: '123', name: 'Demo User' });
    expect(idToken.email).toBeUndefined();
  });

  it('the implicit flow refuses an ID token without a nonce, and answers errors in the fragment', async () => {
    const { cookie } = await login(harness);
    const answer = await browseAuthorize(harness, cookie, 'openid profile', { responseType: 'id_token' });
    expect(answer.via).toBe('fragment');
    expect(answer.redirect?.get('error')).toBe('invalid_request');
    const noOpenid = await browseAuthorize(harness, cookie, 'profile', { responseType: 'id_token', extra: { nonce: 'n' } });
    expect(noOpenid.redirect?.get('error')).toBe('invalid_scope');
  });

  it('response_type "id_token token": the access token carries the consented scopes, the ID token its at_hash', async () => {
    const { cookie } = await login(harness);
    const answer = await browseImplicit(harness, cookie, 'openid profile email', 'id_token token');
    // profile was consented to in the previous step (saved consent): nothing is asked.
    expect(answer.status).toBe(302);
    expect(answer.redirect?.get('scope')).toBe('openid profile');
    const token = answer.redirect!.get('access_token')!;
    expect(await harness.introspect(token, CLIENT, CLIENT_SECRET)).toMatchObject({ active: true, scope: 'openid profile' });
    expect((await verifiedIdToken(harness, answer.redirect?.get('id_token'))).at_hash).toEqual(expect.any(String));
  });

  it('the code flow: saved consent is used, the code gives openid and profile, and the refresh keeps profile', async () => {
    const { cookie } = await login(harness);
    const again = await browseAuthorize(harness, cookie, 'openid profile email');
    expect(again.status).toBe(302);
    expect(again.via).toBe('query');
    const token = await exchangeCode(harness, again.redirect!.get('code')!);
    expect(token.body.scope).toBe('openid profile');
    expect((await verifiedIdToken(harness, token.body.id_token)).email).toBeUndefined();
    const refreshed = await harness.token({ grant_type: 'refresh_token', refresh_token: token.body.refresh_token as string, client_id: CLIENT, client_secret: CLIENT_SECRET });
    expect(refreshed.body.scope).toBe('openid profile');
    expect(realm().consents?.[USER_ID]?.[CLIENT]).toEqual(['profile']);
  });

  it('non-interactive, no policy: profile is omitted by the password grant (nobody could be asked)', async () => {
    expect((await passwordGrant(harness, 'openid profile email')).body.scope).toBe('openid');
    expect((await passwordGrant(harness, 'profile')).body.scope).toBe('');
  });

  it('deny on the consent page gives access_denied and saves nothing new', async () => {
    const { cookie } = await login(harness);
    const core = realm().oauth2Clients[CLIENT].coreOAuth2ClientConfig as Record<string, unknown>;
    const before = JSON.parse(JSON.stringify(core.scopes));
    core.scopes = { inherited: false, value: ['openid', 'profile', 'email', 'address'] };
    try {
      const page = await browseAuthorize(harness, cookie, 'openid address');
      expect(listedScopes(page.html)).toEqual(['address']);
      const denied = await submitConsent(harness, cookie, page.html, 'deny');
      expect(denied.redirect?.get('error')).toBe('access_denied');
      expect(realm().consents?.[USER_ID]?.[CLIENT]).toEqual(['profile']);
    } finally {
      core.scopes = before;
    }
  });

  it('a second deploy of the same input writes nothing', async () => {
    const writes = harness.http.stats.writes;
    const outcome = await harness.deploy(demonstration());
    expect(outcome.plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
    expect(harness.http.stats.writes).toBe(writes);
  });
});

describe('a grant skips consent; openid is kept unless denied', () => {
  const grantProfile = { scope: 'profile', effect: 'grant' as const, when: { authenticatedUsers: true as const } };
  const access = () => dynamicAccess([denyEmail, grantProfile], [CLIENT], { [CLIENT]: askForConsent });

  beforeAll(async () => {
    delete realm().consents; // start without saved consent
    const outcome = await harness.deploy(access());
    expect(outcome.ok).toBe(true);
    expect(outcome.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.kind} ${c.id}`)).toEqual(['create policy oauth2Scopes profile grant']);
  });

  it('interactive: a policy-granted scope is granted without a consent page, in both flows, and no consent is saved', async () => {
    const { cookie } = await login(harness);
    const code = await browseAuthorize(harness, cookie, 'openid profile email');
    expect(code.status).toBe(302);
    expect((await exchangeCode(harness, code.redirect!.get('code')!)).body.scope).toBe('openid profile');
    const implicit = await browseImplicit(harness, cookie);
    expect(implicit.status).toBe(302);
    expect((await verifiedIdToken(harness, implicit.redirect?.get('id_token'))).name).toBe('Demo User');
    expect(realm().consents).toBeUndefined();
  });

  it('non-interactive: the granted profile is kept, the denied email omitted', async () => {
    expect((await passwordGrant(harness, 'openid profile email')).body.scope).toBe('openid profile');
    expect((await passwordGrant(harness, 'email')).body.scope).toBe('');
  });

  it('client credentials: the client is the subject, not an authenticated user: the rules for users do not apply, profile is undecided and omitted', async () => {
    const cc = await harness.token({ grant_type: 'client_credentials', client_id: CLIENT, client_secret: CLIENT_SECRET, scope: 'openid profile' });
    expect(cc.status).toBe(200);
    expect(cc.body.scope).toBe('openid');
    expect(cc.body.id_token).toBeUndefined();
  });

  it('default scopes follow the same rules when the client requests none', async () => {
    const core = realm().oauth2Clients[CLIENT].coreOAuth2ClientConfig as Record<string, unknown>;
    const before = core.defaultScopes;
    core.defaultScopes = { inherited: false, value: ['profile', 'email'] };
    try {
      expect((await passwordGrant(harness, undefined)).body.scope).toBe('profile');
    } finally {
      core.defaultScopes = before as never;
    }
  });

  it('a refresh token carries the access token\'s scopes, unless a policy now denies one', async () => {
    const first = await passwordGrant(harness, 'profile email');
    expect(first.body.scope).toBe('profile');
    const refreshed = await harness.token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string, client_id: CLIENT, client_secret: CLIENT_SECRET });
    expect(refreshed.body.scope).toBe('profile');

    const { cookie } = await login(harness);
    const answer = await browseAuthorize(harness, cookie, 'openid profile');
    expect(answer.status).toBe(302);
    const code = await exchangeCode(harness, answer.redirect!.get('code')!);
    expect(code.body.scope).toBe('openid profile');

    // Now a policy denies profile: the next refresh drops it and keeps openid.
    const outcome = await harness.deploy(dynamicAccess([denyEmail, { scope: 'profile', effect: 'deny', when: { authenticatedUsers: true } }], [CLIENT], { [CLIENT]: askForConsent }));
    expect(outcome.ok).toBe(true);
    expect(outcome.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.kind} ${c.id}`).sort()).toEqual(['create policy oauth2Scopes profile deny', 'delete policy oauth2Scopes profile grant']);
    const later = await harness.token({ grant_type: 'refresh_token', refresh_token: code.body.refresh_token as string, client_id: CLIENT, client_secret: CLIENT_SECRET });
    expect(later.status).toBe(200);
    expect(later.body.scope).toBe('openid');
  });

  it('removing the section deletes the tool\'s policies and leaves AM\'s policy set and resource type', async () => {
    const outcome = await harness.deploy({ consumers: {}, identityClaims: [], providers: {} });
    expect(outcome.ok).toBe(true);
    expect(outcome.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.kind} ${c.id}`).sort()).toEqual(['delete policy oauth2Scopes email deny', 'delete policy oauth2Scopes profile deny']);
    expect(realm().policySets.oauth2Scopes).toBeDefined();
    expect(Object.values(realm().resourceTypes).map((t) => t.name)).toEqual(['OAuth2 Scope']);
  });
});
