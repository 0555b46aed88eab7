/**
 * The README's dynamic-scopes examples end to end on the local tenant, which decides as AM's
 * native scope decision does (resource owner identity and environment.clientId, no claims): a
 * client-specific deny (a Script condition on clientId), a user-specific grant (an Identity
 * subject with the user's DN) and attribute rules (Script conditions on identity attributes), each
 * in the password grant and in the interactive flows (code and implicit). No oauth2Scopes policy
 * the tool writes has a JwtClaim subject; condition scripts no rule needs are deleted. Once with
 * each engine running the condition scripts: the Node sandbox and real Rhino (which must run
 * under CI=true).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessConfig, ScopeRule } from '../../tooling/config/access.js';
import type { JsonObject, JsonValue } from '../../tooling/engine/model.js';
import { rhinoAvailable } from '../../rhino/run.js';
import { startHarness, type Harness } from '../helpers/local-tenant.js';
import { addOtherUser, askForConsent, browseAuthorize, browseImplicit, CLIENT, CLIENT_SECRET, dynamicAccess, exchangeCode, listedScopes, login, OTHER_USER, passwordGrant, submitConsent, USER, USER_ID, verifiedIdToken } from './helpers.js';

const PARTNER = 'partnerApp';
const PARTNER_SECRET = 'partner-App-Secret-4d1f';
const READERS = 'cn=api-readers,ou=groups,o=alpha';
const CONTRACTORS = 'cn=contractors,ou=groups,o=alpha';

let harness: Harness;
const realm = () => harness.tenant.context.state.realms.alpha;

/** A second client of dynamic scopes, as an administrator would create it (the tool never creates clients). */
function addPartnerClient(): void {
  const partner = JSON.parse(JSON.stringify(realm().oauth2Clients[CLIENT])) as Record<string, Record<string, unknown>>;
  partner._id = PARTNER as never;
  partner.coreOAuth2ClientConfig.userpassword = PARTNER_SECRET;
  realm().oauth2Clients[PARTNER] = partner as JsonObject;
}

const access = (rules: ScopeRule[]): AccessConfig => dynamicAccess(rules, [CLIENT, PARTNER], { [CLIENT]: askForConsent, [PARTNER]: askForConsent });

async function deploy(rules: ScopeRule[]) {
  const outcome = await harness.deploy(access(rules));
  expect(outcome.ok, JSON.stringify(outcome.plan.diagnostics)).toBe(true);
  return outcome;
}

const partnerPassword = (scope: string) => harness.token({ grant_type: 'password', client_id: PARTNER, client_secret: PARTNER_SECRET, username: USER.username, password: USER.password, scope });

function subjectTypes(node: JsonValue | undefined): string[] {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return [];
  return [String(node.type), ...subjectTypes(node.subject), ...(Array.isArray(node.subjects) ? node.subjects.flatMap(subjectTypes) : [])];
}

function expectNoJwtClaimSubject(): void {
  const scopePolicies = Object.values(realm().policies).filter((p) => p.applicationName === 'oauth2Scopes');
  expect(scopePolicies.length).toBeGreaterThan(0);
  for (const policy of scopePolicies) expect(subjectTypes(policy.subject), String(policy.name)).not.toContain('JwtClaim');
}

const conditionScripts = () => Object.values(realm().scripts).filter((s) => String(s.name).startsWith('aic-api-to-api ScopeCondition'));

const ENGINES: ('node' | 'rhino')[] = rhinoAvailable().ok || process.env.CI === 'true' ? ['node', 'rhino'] : ['node'];

describe.each(ENGINES)('condition scripts in the %s engine', (engine) => {
  beforeAll(async () => {
    harness = await startHarness({ engine });
    addPartnerClient();
    addOtherUser(harness);
  });
  afterAll(() => harness.close());

  describe('a client-specific deny: email for everyone but partnerApp', () => {
    const rules: ScopeRule[] = [
      { scope: 'email', effect: 'grant', when: { authenticatedUsers: true } },
      { scope: 'email', effect: 'deny', when: { client: PARTNER } },
    ];

    it('compiles the client to a Script condition reading environment.clientId, beside AuthenticatedUsers', async () => {
      const outcome = await deploy(rules);
      const deny = realm().policies['oauth2Scopes email deny'];
      expect(deny).toMatchObject({ subject: { type: 'AuthenticatedUsers' }, condition: { type: 'Script', scriptId: expect.any(String) }, actionValues: { GRANT: false } });
      const script = realm().scripts[String((deny.condition as JsonObject).scriptId)];
      expect(script).toMatchObject({ context: 'POLICY_CONDITION', evaluatorVersion: '1.0' });
      expect(Buffer.from(String(script.script), 'base64').toString('utf8')).toContain(`__policyCondition.evaluate({"v":1,"effect":"deny","anyOf":[[{"client":["${PARTNER}"]}]]});`);
      // The script is written before the policy that names it.
      const policyChange = outcome.plan.changes.find((c) => c.id === 'oauth2Scopes email deny')!;
      expect(policyChange.dependsOn).toContain(`script:${script.name}`);
      expectNoJwtClaimSubject();
    });

    it('password grant: the client asking decides', async () => {
      expect((await passwordGrant(harness, 'openid email')).body.scope).toBe('openid email');
      expect((await partnerPassword('openid email')).body.scope).toBe('openid');
    });

    it('interactive: granted without a prompt for the one client, omitted without a prompt for the other', async () => {
      const { cookie } = await login(harness);
      const mine = await browseAuthorize(harness, cookie, 'openid email');
      expect(mine.status).toBe(302);
      expect((await exchangeCode(harness, mine.redirect!.get('code')!)).body.scope).toBe('openid email');
      const partner = await browseAuthorize(harness, cookie, 'openid email profile', { clientId: PARTNER });
      expect(listedScopes(partner.html)).toEqual(['profile']);
      const allowed = await submitConsent(harness, cookie, partner.html);
      const token = await harness.token({ grant_type: 'authorization_code', code: allowed.redirect!.get('code')!, redirect_uri: 'https://www.example.com:443/callback', client_id: PARTNER, client_secret: PARTNER_SECRET });
      expect(token.body.scope).toBe('openid profile');
    });
  });

  describe('a user-specific grant: profile for the demo user only', () => {
    const rules: ScopeRule[] = [{ scope: 'profile', effect: 'grant', when: { user: USER_ID } }];

    it('compiles the user to an Identity subject with the user\'s DN, no condition', async () => {
      await deploy(rules);
      expect(realm().policies['oauth2Scopes profile grant']).toMatchObject({ subject: { type: 'Identity', subjectValues: [`id=${USER_ID},ou=user,o=alpha,ou=services,ou=am-config`] }, actionValues: { GRANT: true } });
      expect(realm().policies['oauth2Scopes profile grant'].condition).toBeUndefined();
      // The previous section's condition script is no longer needed: deleted (after the policy moved off it).
      expect(conditionScripts()).toEqual([]);
      expectNoJwtClaimSubject();
    });

    it('password grant: the demo user gets profile, another user not (undecided, non-interactive: omitted)', async () => {
      expect((await passwordGrant(harness, 'openid profile')).body.scope).toBe('openid profile');
      expect((await passwordGrant(harness, 'openid profile', OTHER_USER)).body.scope).toBe('openid');
    });

    it('interactive: no prompt for the demo user; the other user is asked', async () => {
      const demo = await login(harness);
      const granted = await browseImplicit(harness, demo.cookie, 'openid profile');
      expect(granted.status).toBe(302);
      expect(await verifiedIdToken(harness, granted.redirect?.get('id_token'))).toMatchObject({ sub: USER_ID, name: 'Demo User' });
      const other = await login(harness, OTHER_USER);
      const page = await browseImplicit(harness, other.cookie, 'openid profile');
      expect(page.status).toBe(200);
      expect(listedScopes(page.html)).toEqual(['profile']);
    });
  });

  describe('attribute rules: email for readers, profile denied to contractors', () => {
    const rules: ScopeRule[] = [
      { scope: 'email', effect: 'grant', when: { claim: 'isMemberOf', value: READERS } },
      { scope: 'profile', effect: 'deny', when: { claim: 'isMemberOf', value: CONTRACTORS } },
    ];

    it('compiles each to a Script condition reading identity.getAttribute', async () => {
      await deploy(rules);
      for (const [name, effect, value] of [['oauth2Scopes email grant', 'grant', READERS], ['oauth2Scopes profile deny', 'deny', CONTRACTORS]]) {
        const policy = realm().policies[name];
        expect(policy.subject).toEqual({ type: 'AuthenticatedUsers' });
        const source = Buffer.from(String(realm().scripts[String((policy.condition as JsonObject).scriptId)].script), 'base64').toString('utf8');
        expect(source).toContain(`{"v":1,"effect":"${effect}","anyOf":[[{"attribute":"isMemberOf","value":"${value}"}]]}`);
      }
      expect(conditionScripts()).toHaveLength(2);
      expectNoJwtClaimSubject();
    });

    it('password grant: a reader gets email; a contractor neither (email undecided: omitted, profile denied)', async () => {
      expect((await passwordGrant(harness, 'openid email profile')).body.scope).toBe('openid email');
      expect((await passwordGrant(harness, 'openid email profile', OTHER_USER)).body.scope).toBe('openid');
    });

    it('interactive: the reader is asked for profile only; the contractor for email only (profile denied, never shown)', async () => {
      const demo = await login(harness);
      const readerPage = await browseAuthorize(harness, demo.cookie, 'openid email profile');
      expect(listedScopes(readerPage.html)).toEqual(['profile']);
      const other = await login(harness, OTHER_USER);
      const contractorPage = await browseImplicit(harness, other.cookie, 'openid email profile');
      expect(listedScopes(contractorPage.html)).toEqual(['email']);
      const allowed = await submitConsent(harness, other.cookie, contractorPage.html);
      const idToken = await verifiedIdToken(harness, allowed.redirect?.get('id_token'));
      expect(idToken).toMatchObject({ email: 'other@example.com' });
      expect(idToken.name).toBeUndefined();
    });

    it('client credentials: no identity, so the attribute grant cannot hold (closed) and the scope is omitted', async () => {
      const cc = await harness.token({ grant_type: 'client_credentials', client_id: CLIENT, client_secret: CLIENT_SECRET, scope: 'openid email' });
      expect(cc.body.scope).toBe('openid');
    });

    it('a second deploy writes nothing', async () => {
      const writes = harness.http.stats.writes;
      const outcome = await harness.deploy(access(rules));
      expect(outcome.plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
      expect(harness.http.stats.writes).toBe(writes);
    });
  });
});

