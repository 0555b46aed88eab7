/**
 * A tenant deployed by the previous version of the tool — scope policies with JwtClaim subjects on
 * `client` and `subject`, which AM's native scope decision never matches — is brought to the new
 * form in one deploy: the same policies updated in place (no gap without them), condition scripts
 * created first, nothing else touched; the tokens then follow the rules, and a second deploy
 * writes nothing. Before the migration the strict local tenant shows why it is needed.
 */
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScopeRule } from '../../tooling/config/access.js';
import { MANAGED_MARKER, type JsonValue } from '../../tooling/engine/model.js';
import { startHarness, type Harness } from '../helpers/local-tenant.js';
import { addOtherUser, askForConsent, CLIENT, dynamicAccess, OTHER_USER, passwordGrant, USER_ID } from './helpers.js';

const SCOPE_TYPE_UUID = 'd60b7a71-1dc6-44a5-8e48-e4b9d92dee8b';
const rules: ScopeRule[] = [
  { scope: 'email', effect: 'deny', when: { client: CLIENT } },
  { scope: 'profile', effect: 'grant', when: { user: USER_ID } },
];
const access = () => dynamicAccess(rules, [CLIENT], { [CLIENT]: askForConsent });

/** What the previous version wrote for these rules (its compileCondition: JwtClaim on client and subject). */
const previousPolicies = [
  { name: 'oauth2Scopes email deny', resources: ['email'], actionValues: { GRANT: false }, subject: { type: 'JwtClaim', claimName: 'client', claimValue: CLIENT }, description: `Denies the OAuth2 scope email (dynamic scopes) ${MANAGED_MARKER}` },
  { name: 'oauth2Scopes profile grant', resources: ['profile'], actionValues: { GRANT: true }, subject: { type: 'JwtClaim', claimName: 'subject', claimValue: USER_ID }, description: `Grants the OAuth2 scope profile (dynamic scopes) ${MANAGED_MARKER}` },
];

let harness: Harness;
const realm = () => harness.tenant.context.state.realms.alpha;
const subjectTypes = (node: JsonValue | undefined): string[] => (!node || typeof node !== 'object' || Array.isArray(node) ? [] : [String(node.type), ...subjectTypes(node.subject), ...(Array.isArray(node.subjects) ? node.subjects.flatMap(subjectTypes) : [])]);

beforeAll(async () => {
  harness = await startHarness();
  addOtherUser(harness);
  // The previous deploy: its policies through AM's REST API, and the client switched as it switched it.
  for (const policy of previousPolicies) {
    await harness.http.request({ method: 'PUT', path: `/am/json/realms/root/realms/alpha/policies/${encodeURIComponent(policy.name)}`, body: { ...policy, active: true, applicationName: 'oauth2Scopes', resourceTypeUuid: SCOPE_TYPE_UUID, resourceAttributes: [] }, apiVersion: 'protocol=1.0,resource=2.1', family: 'policies' });
  }
  const overrides = realm().oauth2Clients[CLIENT].overrideOAuth2ClientConfig as Record<string, unknown>;
  Object.assign(overrides, { providerOverridesEnabled: true, usePolicyEngineForScope: true, scopesPolicySet: 'oauth2Scopes' });
  (realm().oauth2Clients[CLIENT].advancedOAuth2ClientConfig as Record<string, unknown>).isConsentImplied = { inherited: false, value: false };
});
afterAll(() => harness.close());

describe('migrating JwtClaim scope policies to the native form', () => {
  it('before: the JwtClaim subjects never match the native decision — the deny denies nothing, the grant grants nothing', async () => {
    expect(Object.keys(realm().policies).sort()).toEqual(['oauth2Scopes email deny', 'oauth2Scopes profile grant']);
    // email is merely undecided (omitted by the password grant); the user-specific profile grant does not apply.
    expect((await passwordGrant(harness, 'openid profile email')).body.scope).toBe('openid');
    const consent = await axios.get(`${harness.tenant.url}/am/oauth2/realms/root/realms/alpha/authorize?${new URLSearchParams({ scope: 'openid profile email', response_type: 'code', client_id: CLIENT, redirect_uri: 'https://www.example.com:443/callback' })}`, {
      headers: { Cookie: `${harness.tenant.context.state.cookieName}=${(await axios.post(`${harness.tenant.url}/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=PasswordGrant`, '', { headers: { 'X-OpenAM-Username': 'demo', 'X-OpenAM-Password': 'Demo-Passw0rd!' } })).data.tokenId}` },
      maxRedirects: 0,
      validateStatus: () => true,
    });
    // A deny that denied anything would keep email off this page.
    expect(String(consent.data)).toContain('data-scope="email"');
  });

  it('one deploy: the same policies are updated to the native form, the condition script created before them', async () => {
    const outcome = await harness.deploy(access());
    expect(outcome.ok, JSON.stringify(outcome.plan.diagnostics)).toBe(true);
    const changed = outcome.plan.changes.filter((c) => c.action !== 'noop' && ['policy', 'script', 'policy-set'].includes(c.kind));
    expect(changed.filter((c) => c.kind === 'policy').map((c) => `${c.action} ${c.id}`)).toEqual(['update oauth2Scopes email deny', 'update oauth2Scopes profile grant']);
    const script = changed.find((c) => c.kind === 'script')!;
    expect(script).toMatchObject({ action: 'create', id: expect.stringMatching(/^aic-api-to-api ScopeCondition deny /) });
    expect(changed.find((c) => c.id === 'oauth2Scopes email deny')!.dependsOn).toContain(`script:${script.id}`);
    expect(outcome.plan.changes.some((c) => c.action === 'delete')).toBe(false);
    for (const policy of Object.values(realm().policies)) expect(subjectTypes(policy.subject)).not.toContain('JwtClaim');
    expect(realm().policies['oauth2Scopes profile grant'].subject).toEqual({ type: 'Identity', subjectValues: [`id=${USER_ID},ou=user,o=alpha,ou=services,ou=am-config`] });
    expect(realm().policies['oauth2Scopes email deny']).toMatchObject({ subject: { type: 'AuthenticatedUsers' }, condition: { type: 'Script' } });
  });

  it('after: the client-specific deny and the user-specific grant decide', async () => {
    expect((await passwordGrant(harness, 'openid profile email')).body.scope).toBe('openid profile');
    expect((await passwordGrant(harness, 'openid profile email', OTHER_USER)).body.scope).toBe('openid');
  });

  it('a second deploy writes nothing', async () => {
    const writes = harness.http.stats.writes;
    const outcome = await harness.deploy(access());
    expect(outcome.plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
    expect(harness.http.stats.writes).toBe(writes);
  });
});
