/**
 * End to end on the local tenant: one client with audience scopes (the scripts and the providers'
 * policies) and dynamic plain scopes (the scopes policy set) side by side; a scopes policy set the
 * tenant lacks, created and later deleted by the tool; a rule a client can never use, warned about.
 */
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessConfig } from '../../tooling/config/access.js';
import { MANAGED_MARKER, planErrors, planWarnings } from '../../tooling/engine/model.js';
import { SECRETS, startHarness, type Harness } from '../helpers/local-tenant.js';
import { CLIENT, denyEmail, dynamicAccess, passwordGrant } from './helpers.js';
import { diagnosticLine } from '../../tooling/diagnostics.js';

const CONSUMER = 'scopeDrivenAPI1Client';
const PROVIDER = 'scopeDrivenAPI2Client';

function sideBySide(): AccessConfig {
  return {
    consumers: { [CONSUMER]: {} },
    identityClaims: [],
    providers: { [PROVIDER]: { scopes: { read: { grants: [{ client: CONSUMER }] } } } },
    scopePolicies: {
      policySet: 'oauth2Scopes',
      clients: [CONSUMER],
      rules: [
        // Its users' tokens (a resource owner who authenticated)…
        { scope: 'profile', effect: 'grant', when: { client: CONSUMER } },
        // …and its own (client credentials: the client is the subject, not an authenticated user).
        { scope: 'profile', effect: 'grant', when: { client: CONSUMER, not: { authenticatedUsers: true } } },
        // The consumer does not allow email: the plan warns that this rule can never apply to it.
        denyEmail,
      ],
    },
  };
}

describe('audience scopes and dynamic scopes on one client', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('deploys both: the client keeps its scripts and uses the policy engine for plain scopes', async () => {
    const outcome = await harness.deploy(sideBySide());
    expect(outcome.ok).toBe(true);
    expect(planWarnings(outcome.plan).map(diagnosticLine)).toEqual([`scopePolicies.rules[2]: client "${CONSUMER}" does not allow scope "email" (its scopes: openid profile); the rule can never apply to its tokens`]);
    const overrides = harness.tenant.context.state.realms.alpha.oauth2Clients[CONSUMER].overrideOAuth2ClientConfig as Record<string, unknown>;
    expect(overrides).toMatchObject({ providerOverridesEnabled: true, accessTokenModificationPluginType: 'SCRIPTED', validateScopePluginType: 'SCRIPTED', usePolicyEngineForScope: true, scopesPolicySet: 'oauth2Scopes' });
    const client = outcome.plan.changes.find((c) => c.kind === 'oauth2-client' && c.id === CONSUMER)!;
    expect(client.dependsOn).toEqual(expect.arrayContaining(['script:aic-api-to-api PolicyEvalMod', 'policy:oauth2Scopes profile grant', 'policy:oauth2Scopes email deny']));
  });

  it('client credentials: the provider\'s scope through the scripts, profile through the scope policy (NOT AuthenticatedUsers and the client\'s condition), openid kept', async () => {
    expect(harness.tenant.context.state.realms.alpha.policies['oauth2Scopes profile grant'].subject).toEqual({ type: 'OR', subjects: [{ type: 'AuthenticatedUsers' }, { type: 'NOT', subject: { type: 'AuthenticatedUsers' } }] });
    const { status, body } = await harness.token({ grant_type: 'client_credentials', client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: `api://${PROVIDER}/read profile openid` });
    expect(status).toBe(200);
    expect(String(body.scope).split(' ').sort()).toEqual(['openid', 'profile', 'read']);
    expect(await harness.introspect(body.access_token as string, CONSUMER, SECRETS[CONSUMER])).toMatchObject({ active: true, aud: PROVIDER, policyResult: true });
  });

  it('the audience scope alone behaves as without dynamic scopes', async () => {
    const { body } = await harness.token({ grant_type: 'client_credentials', client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: `api://${PROVIDER}/read` });
    expect(body.scope).toBe('read');
  });

  it('the user\'s authorization code flow: audience scope and policy-granted profile, no consent asked', async () => {
    const base = harness.tenant.url;
    const login = await axios.post(`${base}/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=PasswordGrant`, '', { headers: { 'X-OpenAM-Username': 'demo', 'X-OpenAM-Password': 'Demo-Passw0rd!' } });
    const cookie = `${harness.tenant.context.state.cookieName}=${login.data.tokenId as string}`;
    const query = new URLSearchParams({ scope: `api://${PROVIDER}/read profile`, response_type: 'code', client_id: CONSUMER, redirect_uri: 'http://localhost:3000/callback' });
    const authorize = await axios.get(`${base}/am/oauth2/realms/root/realms/alpha/authorize?${query}`, { headers: { Cookie: cookie }, maxRedirects: 0, validateStatus: () => true });
    expect(authorize.status).toBe(302);
    const code = new URL(authorize.headers.location).searchParams.get('code')!;
    const token = await harness.token({ grant_type: 'authorization_code', code, redirect_uri: 'http://localhost:3000/callback', client_id: CONSUMER, client_secret: SECRETS[CONSUMER] });
    expect(String(token.body.scope).split(' ').sort()).toEqual(['profile', 'read']);
  });

  it('a second deploy writes nothing', async () => {
    const writes = harness.http.stats.writes;
    const outcome = await harness.deploy(sideBySide());
    expect(outcome.plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
    expect(harness.http.stats.writes).toBe(writes);
  });
});

describe('a scopes policy set the tenant lacks', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());
  const custom = (): AccessConfig => ({ ...dynamicAccess([denyEmail]), scopePolicies: { ...dynamicAccess([denyEmail]).scopePolicies!, policySet: 'internalScopes' } });

  it('is created (marked) before its policies, and the client is switched to it', async () => {
    const outcome = await harness.deploy(custom());
    expect(outcome.ok).toBe(true);
    const changed = outcome.plan.changes.filter((c) => c.action !== 'noop' && ['policy-set', 'policy', 'oauth2-client'].includes(c.kind));
    expect(changed.map((c) => `${c.action} ${c.kind} ${c.id}`)).toEqual(['create policy-set internalScopes', 'create policy internalScopes email deny', `update oauth2-client ${CLIENT}`]);
    // A set the tool creates allows what its policies use: AuthenticatedUsers, Identity and Script conditions, never JwtClaim.
    expect(changed[0].payload).toMatchObject({ body: { subjects: ['AND', 'AuthenticatedUsers', 'Identity', 'NOT', 'OR'], conditions: ['AND', 'NOT', 'OR', 'Script'] } });
    expect(changed[1].dependsOn).toContain('policy-set:internalScopes');
    const realm = harness.tenant.context.state.realms.alpha;
    expect(realm.policySets.internalScopes).toMatchObject({ resourceTypeUuids: ['d60b7a71-1dc6-44a5-8e48-e4b9d92dee8b'], entitlementCombiner: 'DenyOverride' });
    expect(String(realm.policySets.internalScopes.description)).toContain(MANAGED_MARKER);
    expect((realm.oauth2Clients[CLIENT].overrideOAuth2ClientConfig as Record<string, unknown>).scopesPolicySet).toBe('internalScopes');
    expect((await passwordGrant(harness, 'openid email')).body.scope).toBe('openid');
  });

  it('is not deleted while a client still uses it: a plan problem, nothing written', async () => {
    const writes = harness.http.stats.writes;
    const outcome = await harness.deploy({ consumers: {}, identityClaims: [], providers: {} });
    expect(outcome.ok).toBe(false);
    expect(planErrors(outcome.plan).map(diagnosticLine)).toEqual([`policy-set:internalScopes: would be deleted, but client "${CLIENT}" still uses it for scope decisions; set its usePolicyEngineForScope to false (or keep the set in scopePolicies) first`]);
    expect(harness.http.stats.writes).toBe(writes);
  });

  it('is deleted after its policies once no client uses it; AM\'s oauth2Scopes stays', async () => {
    const realm = harness.tenant.context.state.realms.alpha;
    (realm.oauth2Clients[CLIENT].overrideOAuth2ClientConfig as Record<string, unknown>).usePolicyEngineForScope = false;
    const outcome = await harness.deploy({ consumers: {}, identityClaims: [], providers: {} });
    expect(outcome.ok).toBe(true);
    const changed = outcome.plan.changes.filter((c) => c.action !== 'noop');
    expect(changed.map((c) => `${c.action} ${c.kind} ${c.id}`).sort()).toEqual(['delete policy internalScopes email deny', 'delete policy-set internalScopes']);
    expect(changed.find((c) => c.kind === 'policy-set')!.dependsOn).toEqual(['policy:internalScopes email deny']);
    expect(realm.policySets.internalScopes).toBeUndefined();
    expect(realm.policySets.oauth2Scopes).toBeDefined();
  });

  it('a listed client missing in the tenant is a plan problem, and nothing is written', async () => {
    const writes = harness.http.stats.writes;
    const outcome = await harness.deploy(dynamicAccess([denyEmail], [CLIENT, 'ghostClient']));
    expect(outcome.ok).toBe(false);
    expect(planErrors(outcome.plan).map(diagnosticLine)).toEqual(['oauth2-client:ghostClient: OAuth2 client (listed in scopePolicies.clients) "ghostClient" does not exist in realm alpha; create it first (the tool only sets its overrides)']);
    expect(harness.http.stats.writes).toBe(writes);
  });
});
