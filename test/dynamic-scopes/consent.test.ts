/**
 * Consent is managed, not assumed: implied consent grants every scope no policy decides (what a
 * deny that does not match leads to), which the plan warns about; AM honours implied consent only
 * when the client may skip consent, and once overrides are enabled that is the client's override;
 * consent-page descriptions are written as scope|locale|description entries without dropping a
 * scope, and shown in the user's locale.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planErrors, planWarnings } from '../../tooling/engine/model.js';
import { diagnosticLine } from '../../tooling/diagnostics.js';
import { startHarness, type Harness } from '../helpers/local-tenant.js';
import { browseAuthorize, CLIENT, denyEmail, dynamicAccess, exchangeCode, listedDescriptions, listedScopes, login, passwordGrant } from './helpers.js';

let harness: Harness;
const realm = () => harness.tenant.context.state.realms.alpha;
const client = () => realm().oauth2Clients[CLIENT] as Record<string, Record<string, { value?: unknown } & Record<string, unknown>>>;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

describe('implied consent', () => {
  it('in effect (implied, and the client may skip consent): the plan warns that profile, which no rule decides, would be granted without a prompt', async () => {
    const outcome = await harness.deploy(dynamicAccess([denyEmail], [CLIENT], { [CLIENT]: { impliedConsent: true, clientsCanSkipConsent: true } }));
    expect(outcome.ok).toBe(true);
    expect(planWarnings(outcome.plan).map(diagnosticLine)).toEqual([
      `oauth2-client:${CLIENT}: client "${CLIENT}" has implied consent: scope profile is not decided by a rule for every user, and a scope no policy decides is granted without a prompt; add grant or deny rules for it, or set scopePolicies.consent.${CLIENT}.impliedConsent to false`,
    ]);
    expect(client().overrideOAuth2ClientConfig.clientsCanSkipConsent).toBe(true);
  });

  it('…and so it is: the password grant and the authorization both give profile, nobody asked; the denied email stays out', async () => {
    expect((await passwordGrant(harness, 'openid profile email')).body.scope).toBe('openid profile');
    const { cookie } = await login(harness);
    const answer = await browseAuthorize(harness, cookie, 'openid profile email');
    expect(answer.status).toBe(302);
    expect((await exchangeCode(harness, answer.redirect!.get('code')!)).body.scope).toBe('openid profile');
  });

  it('implied consent without clientsCanSkipConsent: AM reads the client\'s override (false) once overrides are enabled, and asks; the warning says so', async () => {
    const outcome = await harness.deploy(dynamicAccess([denyEmail], [CLIENT], { [CLIENT]: { impliedConsent: true, clientsCanSkipConsent: false } }));
    expect(planWarnings(outcome.plan).map(diagnosticLine)[0]).toContain('AM asks anyway while overrideOAuth2ClientConfig.clientsCanSkipConsent is not true');
    const { cookie } = await login(harness);
    expect(listedScopes((await browseAuthorize(harness, cookie, 'openid profile email')).html)).toEqual(['profile']);
    expect((await passwordGrant(harness, 'openid profile email')).body.scope).toBe('openid');
  });

  it('deciding every scope the client allows removes the warning', async () => {
    const outcome = await harness.deploy(dynamicAccess([denyEmail, { scope: 'profile', effect: 'deny', when: { not: { claim: 'isMemberOf', value: 'cn=api-readers,ou=groups,o=alpha' } } }, { scope: 'profile', effect: 'grant', when: { authenticatedUsers: true } }], [CLIENT], { [CLIENT]: { impliedConsent: true, clientsCanSkipConsent: true } }));
    expect(planWarnings(outcome.plan).map(diagnosticLine)).toEqual([]);
    expect((await passwordGrant(harness, 'openid profile email')).body.scope).toBe('openid profile');
  });
});

describe('scope descriptions for the consent page', () => {
  const described = () => dynamicAccess([denyEmail], [CLIENT], { [CLIENT]: { impliedConsent: false, scopeDescriptions: { profile: { default: 'Your name', fr: 'Votre nom', en_GB: 'Your name, please' } } } });

  it('are written as entries of the client\'s scopes; no scope is dropped or added', async () => {
    const outcome = await harness.deploy(described());
    expect(outcome.ok).toBe(true);
    expect(client().coreOAuth2ClientConfig.scopes).toEqual({ inherited: false, value: ['openid', 'profile|Your name', 'profile|en_GB|Your name, please', 'profile|fr|Votre nom', 'email'] });
    expect((await passwordGrant(harness, 'openid profile email')).body.scope).toBe('openid');
  });

  it('are shown in the user\'s locale (locale parameter, else Accept-Language), the entry without a locale otherwise', async () => {
    const { cookie } = await login(harness);
    expect(listedDescriptions((await browseAuthorize(harness, cookie, 'openid profile', { extra: { locale: 'fr' } })).html)).toEqual({ profile: 'Votre nom' });
    expect(listedDescriptions((await browseAuthorize(harness, cookie, 'openid profile', { headers: { 'Accept-Language': 'en-GB,en;q=0.8' } })).html)).toEqual({ profile: 'Your name, please' });
    expect(listedDescriptions((await browseAuthorize(harness, cookie, 'openid profile', { headers: { 'Accept-Language': 'de' } })).html)).toEqual({ profile: 'Your name' });
  });

  it('a second deploy writes nothing; a scope added to the client since is kept by the next change', async () => {
    const writes = harness.http.stats.writes;
    expect((await harness.deploy(described())).plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
    expect(harness.http.stats.writes).toBe(writes);
    // An administrator adds a scope; the tool's next change of the client keeps it (read fresh, written whole).
    (client().coreOAuth2ClientConfig.scopes as { value: string[] }).value.push('address');
    const changed = dynamicAccess([denyEmail], [CLIENT], { [CLIENT]: { impliedConsent: false, scopeDescriptions: { profile: { default: 'Your full name' } } } });
    expect((await harness.deploy(changed)).ok).toBe(true);
    expect(client().coreOAuth2ClientConfig.scopes).toEqual({ inherited: false, value: ['openid', 'profile|Your full name', 'email', 'address'] });
  });

  it('a description of a scope the client does not allow is refused before anything is written', async () => {
    const writes = harness.http.stats.writes;
    const outcome = await harness.deploy(dynamicAccess([denyEmail], [CLIENT], { [CLIENT]: { scopeDescriptions: { wallet: { default: 'Your wallet' } } } }));
    expect(outcome.ok).toBe(false);
    expect(planErrors(outcome.plan).map(diagnosticLine)).toEqual([expect.stringContaining(`scopePolicies.consent.${CLIENT}.scopeDescriptions.wallet: client "${CLIENT}" does not allow scope "wallet"`)]);
    expect(harness.http.stats.writes).toBe(writes);
  });
});
