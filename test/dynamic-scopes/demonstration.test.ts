/**
 * End to end on the local tenant: the real deploy tool writes a scopePolicies section, then tokens
 * are requested as the AIC documentation's "Dynamic OAuth 2.0 authorization" demonstration does —
 * the password grant (non-interactive) and the authorization endpoint's consent (interactive).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_MARKER, planWarnings } from '../../tooling/engine/model.js';
import { startHarness, type Harness } from '../helpers/local-tenant.js';
import { browseAuthorize, CLIENT, denyEmail, dynamicAccess, exchangeCode, listedScopes, login, passwordGrant, submitConsent } from './helpers.js';
import { diagnosticLine } from '../../tooling/diagnostics.js';

let harness: Harness;
const realm = () => harness.tenant.context.state.realms.alpha;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

describe('the documented demonstration: email denied to authenticated users', () => {
  let seedClient: Record<string, unknown>;

  it('deploys a deny policy into the default oauth2Scopes policy set and switches the client after it', async () => {
    seedClient = JSON.parse(JSON.stringify(realm().oauth2Clients[CLIENT]));
    const defaultSet = JSON.parse(JSON.stringify(realm().policySets.oauth2Scopes));
    const outcome = await harness.deploy(dynamicAccess([denyEmail]));
    expect(outcome.ok).toBe(true);
    expect(planWarnings(outcome.plan).map(diagnosticLine)).toEqual([]);
    const changes = outcome.plan.changes.filter((c) => ['policy-set', 'policy', 'oauth2-client'].includes(c.kind));
    expect(changes.map((c) => `${c.action} ${c.kind} ${c.id}`)).toEqual(['noop policy-set oauth2Scopes', 'create policy oauth2Scopes email deny', `update oauth2-client ${CLIENT}`]);
    const client = changes.find((c) => c.kind === 'oauth2-client')!;
    // The default set is left as the tenant holds it (noop): the client waits for what is written, the policies.
    expect(client.dependsOn).toEqual(expect.arrayContaining(['policy:oauth2Scopes email deny']));

    const policy = realm().policies['oauth2Scopes email deny'];
    expect(policy).toMatchObject({ applicationName: 'oauth2Scopes', resourceTypeUuid: 'd60b7a71-1dc6-44a5-8e48-e4b9d92dee8b', resources: ['email'], actionValues: { GRANT: false }, subject: { type: 'AuthenticatedUsers' } });
    expect(String(policy.description)).toContain(MANAGED_MARKER);
    // The default policy set is AM's, not the tool's: untouched.
    expect(realm().policySets.oauth2Scopes).toEqual(defaultSet);
    // Only the three override fields changed; everything else in the client is as it was.
    const after = JSON.parse(JSON.stringify(realm().oauth2Clients[CLIENT]));
    expect(after.overrideOAuth2ClientConfig).toEqual({ ...(seedClient.overrideOAuth2ClientConfig as object), providerOverridesEnabled: true, usePolicyEngineForScope: true, scopesPolicySet: 'oauth2Scopes' });
    expect({ ...after, overrideOAuth2ClientConfig: null }).toEqual({ ...seedClient, overrideOAuth2ClientConfig: null });
  });

  it('non-interactive: the password grant with scope "openid email" yields scope "openid"', async () => {
    const { status, body } = await passwordGrant(harness, 'openid email');
    expect(status).toBe(200);
    expect(body.scope).toBe('openid');
    expect(body.refresh_token).toEqual(expect.any(String));
    expect(await harness.introspect(body.access_token as string, CLIENT, 'demo-dynamic-scopes-secret')).toMatchObject({ active: true, scope: 'openid', client_id: CLIENT });
  });

  it('the password grant checks the resource owner credentials', async () => {
    const { status, body } = await passwordGrant(harness, 'openid', { username: 'demo', password: 'wrong' });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
    expect(JSON.stringify(body)).not.toContain('wrong');
  });

  it('interactive: the consent page lists profile, not email (denied) nor openid (kept unasked); allowing gives a token without email', async () => {
    const { cookie } = await login(harness);
    const page = await browseAuthorize(harness, cookie, 'openid profile email');
    expect(page.status).toBe(200);
    expect(listedScopes(page.html)).toEqual(['profile']);
    expect(page.html).not.toContain('<li>email</li>');
    const allowed = await submitConsent(harness, cookie, page.html);
    expect(allowed.status).toBe(302);
    expect(allowed.redirect?.get('state')).toBe('st-1');
    const token = await exchangeCode(harness, allowed.redirect!.get('code')!);
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe('openid profile');
    // The refresh is not interactive, but profile was consented to: it stays.
    const refreshed = await harness.token({ grant_type: 'refresh_token', refresh_token: token.body.refresh_token as string, client_id: CLIENT, client_secret: 'demo-dynamic-scopes-secret' });
    expect(refreshed.body.scope).toBe('openid profile');
  });

  it('non-interactive, no policy: profile is omitted by the password grant (nobody could be asked)', async () => {
    expect((await passwordGrant(harness, 'openid profile email')).body.scope).toBe('openid');
    expect((await passwordGrant(harness, 'profile')).body.scope).toBe('');
  });

  it('consent saved for that user and client is used: the next authorization asks nothing', async () => {
    const { cookie } = await login(harness);
    const again = await browseAuthorize(harness, cookie, 'openid profile email');
    expect(again.status).toBe(302);
    expect(again.redirect?.get('code')).toBeTruthy();
    expect((await exchangeCode(harness, again.redirect!.get('code')!)).body.scope).toBe('openid profile');
    expect(realm().consents?.[Object.keys(realm().users)[0]]?.[CLIENT]).toEqual(['profile']);
  });

  it('deny on the consent page gives access_denied and saves nothing new', async () => {
    const { cookie } = await login(harness);
    // address is not saved: ask, and deny.
    realm().oauth2Clients[CLIENT].coreOAuth2ClientConfig = { ...(realm().oauth2Clients[CLIENT].coreOAuth2ClientConfig as object), scopes: { inherited: false, value: ['openid', 'profile', 'email', 'address'] } };
    const page = await browseAuthorize(harness, cookie, 'openid address');
    expect(listedScopes(page.html)).toEqual(['address']);
    const denied = await submitConsent(harness, cookie, page.html, 'deny');
    expect(denied.redirect?.get('error')).toBe('access_denied');
    expect(realm().consents?.[Object.keys(realm().users)[0]]?.[CLIENT]).toEqual(['profile']);
    realm().oauth2Clients[CLIENT].coreOAuth2ClientConfig = JSON.parse(JSON.stringify(seedClient.coreOAuth2ClientConfig));
  });

  it('a second deploy of the same input writes nothing', async () => {
    const writes = harness.http.stats.writes;
    const outcome = await harness.deploy(dynamicAccess([denyEmail]));
    expect(outcome.plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
    expect(harness.http.stats.writes).toBe(writes);
  });
});

describe('a grant skips consent; openid is kept unless denied', () => {
  const grantProfile = { scope: 'profile', effect: 'grant' as const, when: { authenticatedUsers: true as const } };

  beforeAll(async () => {
    delete realm().consents; // start without saved consent
    const outcome = await harness.deploy(dynamicAccess([denyEmail, grantProfile]));
    expect(outcome.ok).toBe(true);
    expect(outcome.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.kind} ${c.id}`)).toEqual(['create policy oauth2Scopes profile grant']);
  });

  it('interactive: a policy-granted scope is granted without a consent page, and no consent is saved', async () => {
    const { cookie } = await login(harness);
    const answer = await browseAuthorize(harness, cookie, 'openid profile email');
    expect(answer.status).toBe(302);
    expect(answer.redirect?.get('state')).toBe('st-1');
    expect((await exchangeCode(harness, answer.redirect!.get('code')!)).body.scope).toBe('openid profile');
    expect(realm().consents).toBeUndefined();
  });

  it('non-interactive: the granted profile is kept, the denied email omitted', async () => {
    expect((await passwordGrant(harness, 'openid profile email')).body.scope).toBe('openid profile');
    expect((await passwordGrant(harness, 'email')).body.scope).toBe('');
  });

  it('client credentials: the client is the subject and no authenticated user, so profile is undecided and omitted', async () => {
    const cc = await harness.token({ grant_type: 'client_credentials', client_id: CLIENT, client_secret: 'demo-dynamic-scopes-secret', scope: 'openid profile' });
    expect(cc.status).toBe(200);
    expect(cc.body.scope).toBe('openid');
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
    const refreshed = await harness.token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string, client_id: CLIENT, client_secret: 'demo-dynamic-scopes-secret' });
    expect(refreshed.body.scope).toBe('profile');

    const { cookie } = await login(harness);
    const answer = await browseAuthorize(harness, cookie, 'openid profile');
    expect(answer.status).toBe(302);
    const code = await exchangeCode(harness, answer.redirect!.get('code')!);
    expect(code.body.scope).toBe('openid profile');

    // Now a policy denies profile: the next refresh drops it and keeps openid.
    const outcome = await harness.deploy(dynamicAccess([denyEmail, { scope: 'profile', effect: 'deny', when: { authenticatedUsers: true } }]));
    expect(outcome.ok).toBe(true);
    expect(outcome.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.kind} ${c.id}`).sort()).toEqual(['create policy oauth2Scopes profile deny', 'delete policy oauth2Scopes profile grant']);
    const later = await harness.token({ grant_type: 'refresh_token', refresh_token: code.body.refresh_token as string, client_id: CLIENT, client_secret: 'demo-dynamic-scopes-secret' });
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
