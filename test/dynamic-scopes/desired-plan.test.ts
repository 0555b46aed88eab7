/**
 * Desired state and plan for scopePolicies, without a tenant: what each rule compiles to for AM's
 * native scope decision (Identity / AuthenticatedUsers subjects, Script conditions, never JwtClaim),
 * the condition scripts, the policy set's types, references and edges (acyclic), consent values and
 * warnings, and the migration of policies the previous version wrote.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AccessConfig } from '../../tooling/config/access.js';
import { checkEs5 } from '../../tooling/build/es5-gate.js';
import { ALL_ENGINES, buildScripts } from '../../tooling/build/build-scripts.js';
import { bundleSource, desiredState, type BundleSource, type DesiredInput } from '../../tooling/engine/desired/index.js';
import { diagnosticLine } from '../../tooling/diagnostics.js';
import { changeKey, MANAGED_MARKER, planErrors, planWarnings, type DesiredState, type JsonObject, type JsonValue, type ObservedObject, type ObservedState, type Plan } from '../../tooling/engine/model.js';
import { computePlan as planWith } from '../../tooling/engine/plan.js';

const SCOPE_TYPE_UUID = 'd60b7a71-1dc6-44a5-8e48-e4b9d92dee8b';
const journey = JSON.parse(readFileSync(new URL('../../journeys/AgentLogin.json', import.meta.url), 'utf8')) as unknown;
const DN = (user: string) => `id=${user},ou=user,o=alpha,ou=services,ou=am-config`;

let bundles: BundleSource[];
beforeAll(async () => {
  bundles = (await buildScripts(null, { engines: ALL_ENGINES })).map(bundleSource);
});

function input(access: AccessConfig, scripts = bundles): DesiredInput {
  return { access, realm: 'alpha', tenantEsvValue: 'tenant.example.com', cookieName: 'c', gatewayId: 'policy-evaluator', journeyName: 'AgentLogin', scripts, journey };
}

const access = (consent?: NonNullable<AccessConfig['scopePolicies']>['consent']): AccessConfig => ({
  consumers: { web: {} },
  identityClaims: [],
  providers: {},
  scopePolicies: {
    policySet: 'oauth2Scopes',
    clients: ['app', 'web'],
    rules: [
      { scope: 'email', effect: 'deny', when: { authenticatedUsers: true } },
      { scope: 'profile', effect: 'grant', when: { client: 'app' } },
      { scope: 'profile', effect: 'grant', when: { allOf: [{ client: 'web' }, { not: { user: 'u-1' } }] } },
      { scope: 'phone', effect: 'grant', when: { user: 'u-2' } },
      { scope: 'phone', effect: 'grant', when: { user: 'u-3' } },
      { scope: 'address', effect: 'deny', when: { anyOf: [{ client: 'app' }, { claim: 'isMemberOf', value: 'cn=contractors' }] } },
    ],
    ...(consent ? { consent } : {}),
  },
});

const byKey = (state: DesiredState) => new Map(state.objects.map((o) => [`${o.kind}:${o.id}`, o as { kind: string; id: string; spec: any }]));
const computePlan = (desired: DesiredState, observed: ObservedState) => planWith(desired, observed, { gatewaySecret: 'Not-Shown-Secret-For-Plans-0123' });
const problems = (plan: Plan) => planErrors(plan).map(diagnosticLine);
const warnings = (plan: Plan) => planWarnings(plan).map(diagnosticLine);
const payloadBody = (plan: Plan, id: string) => (plan.changes.find((c) => c.id === id)!.payload as { body: JsonObject }).body;
const types = (node: JsonValue | undefined): string[] => (!node || typeof node !== 'object' || Array.isArray(node) ? [] : [String(node.type), ...types(node.subject), ...types(node.condition), ...(Array.isArray(node.subjects) ? node.subjects.flatMap(types) : [])]);
const scriptRef = (id: string) => ({ $ref: { kind: 'script', id, field: '_id' } });

describe('what each rule compiles to (AM\'s native scope decision: identity and environment.clientId, no claims)', () => {
  it('authenticatedUsers → AuthenticatedUsers; client → Script condition; user → Identity with the user\'s DN; one policy per distinct condition', () => {
    const objects = byKey(desiredState(input(access())));
    expect(objects.get('policy:oauth2Scopes email deny')?.spec).toMatchObject({ subject: { type: 'AuthenticatedUsers' }, condition: null, actionValues: { GRANT: false }, resources: ['email'] });
    // Two profile rules need different conditions: two policies, the second named "… 2".
    const app = objects.get('policy:oauth2Scopes profile grant')!.spec;
    const web = objects.get('policy:oauth2Scopes profile grant 2')!.spec;
    expect(app.subject).toEqual({ type: 'AuthenticatedUsers' });
    expect(web.subject).toEqual({ type: 'NOT', subject: { type: 'Identity', subjectValues: [DN('u-1')] } });
    const appScript = objects.get(`script:${app.condition.scriptId.$ref.id}`)!.spec;
    const webScript = objects.get(`script:${web.condition.scriptId.$ref.id}`)!.spec;
    expect(app.condition).toEqual({ type: 'Script', scriptId: scriptRef(appScript.name) });
    expect(appScript.source.endsWith('\n__policyCondition.evaluate({"v":1,"effect":"grant","anyOf":[[{"client":["app"]}]]});\n')).toBe(true);
    expect(webScript.source.endsWith('\n__policyCondition.evaluate({"v":1,"effect":"grant","anyOf":[[{"client":["web"]}]]});\n')).toBe(true);
    // Two user rules of one scope and effect: one Identity subject with both DNs, no condition.
    expect(objects.get('policy:oauth2Scopes phone grant')!.spec).toMatchObject({ subject: { type: 'Identity', subjectValues: [DN('u-2'), DN('u-3')] }, condition: null });
    // Client or attribute: one script holding both alternatives.
    const address = objects.get('policy:oauth2Scopes address deny')!.spec;
    expect(address.subject).toEqual({ type: 'AuthenticatedUsers' });
    expect(objects.get(`script:${address.condition.scriptId.$ref.id}`)!.spec.source).toContain('evaluate({"v":1,"effect":"deny","anyOf":[[{"attribute":"isMemberOf","value":"cn=contractors"}],[{"client":["app"]}]]});');
  });

  it('no policy of the scopes policy set has a JwtClaim subject', () => {
    const policies = desiredState(input(access())).objects.filter((o) => o.kind === 'policy');
    expect(policies.length).toBe(5);
    for (const policy of policies) expect(types((policy.spec as JsonObject).subject), policy.id).not.toContain('JwtClaim');
  });

  it('rules that differ only in the client become one script with a client list ("only clients A, B")', () => {
    const two: AccessConfig = { ...access(), scopePolicies: { ...access().scopePolicies!, rules: [{ scope: 'email', effect: 'deny', when: { client: 'app' } }, { scope: 'email', effect: 'deny', when: { client: 'web' } }] } };
    const objects = byKey(desiredState(input(two)));
    expect([...objects.keys()].filter((k) => k.startsWith('policy:'))).toEqual(['policy:oauth2Scopes email deny']);
    const scripts = [...objects.values()].filter((o) => o.kind === 'script' && o.spec.context === 'POLICY_CONDITION');
    expect(scripts).toHaveLength(1);
    expect(scripts[0].spec.source).toContain('evaluate({"v":1,"effect":"deny","anyOf":[[{"client":["app","web"]}]]});');
  });

  it('condition scripts: legacy POLICY_CONDITION, named by a digest of their rule, marked and described, through the ES5 gate', () => {
    const scripts = desiredState(input(access())).objects.filter((o) => o.kind === 'script' && o.id.startsWith('aic-api-to-api ScopeCondition'));
    expect(scripts.map((s) => s.id)).toEqual(expect.arrayContaining([expect.stringMatching(/^aic-api-to-api ScopeCondition grant [0-9a-f]{16}$/), expect.stringMatching(/^aic-api-to-api ScopeCondition deny [0-9a-f]{16}$/)]));
    expect(scripts).toHaveLength(3);
    for (const script of scripts) {
      const spec = script.spec as { context: string; evaluatorVersion: string; description: string; source: string };
      expect(spec).toMatchObject({ context: 'POLICY_CONDITION', evaluatorVersion: '1.0', language: 'JAVASCRIPT', default: false });
      expect(spec.description).toContain(MANAGED_MARKER);
      expect(checkEs5(spec.source, script.id)).toEqual([]);
    }
    const deny = scripts.find((s) => s.id.includes(' deny '))!.spec as { description: string };
    expect(deny.description).toContain('When it cannot be evaluated: holds (the deny applies)');
  });

  it('values reach the script as JSON data only: quotes, backslashes, script-ending text and U+2028 cannot break out', () => {
    const hostile = 'x"]}]]});authorized=true;//\\ \u2028 </script>';
    const objects = desiredState(input({ ...access(), scopePolicies: { ...access().scopePolicies!, rules: [{ scope: 'email', effect: 'grant', when: { claim: 'mail', value: hostile } }] } })).objects;
    const script = objects.find((o) => o.kind === 'script' && o.id.startsWith('aic-api-to-api ScopeCondition'))!.spec as { source: string };
    const call = script.source.slice(script.source.lastIndexOf('\n__policyCondition.evaluate('));
    expect(call).toContain('\\u2028');
    expect(call).not.toContain('\u2028');
    expect(JSON.parse(call.trim().replace(/^__policyCondition\.evaluate\(/, '').replace(/\);$/, ''))).toEqual({ v: 1, effect: 'grant', anyOf: [[{ attribute: 'mail', value: hostile }]] });
    expect(checkEs5(script.source, 'hostile')).toEqual([]);
  });

  it('the policy set: create-only, allowing what its policies use; the resource type is looked up, never desired', () => {
    const state = desiredState(input(access()));
    const set = byKey(state).get('policy-set:oauth2Scopes')!;
    expect(set.spec.createOnly).toBe(true);
    expect(set.spec.requires).toEqual({ subjects: ['AuthenticatedUsers', 'Identity', 'NOT'], conditions: ['Script'] });
    expect(set.spec.body).toMatchObject({ subjects: ['AND', 'AuthenticatedUsers', 'Identity', 'NOT', 'OR'], conditions: ['AND', 'NOT', 'OR', 'Script'] });
    expect(set.spec.body.description).toContain(MANAGED_MARKER);
    expect(state.objects.some((o) => o.kind === 'resource-type')).toBe(false);
  });

  it('a scopes section with client rules needs the condition template; without one the error says so', () => {
    expect(() => desiredState(input(access(), bundles.filter((b) => b.name !== 'policy-condition')))).toThrow('no policy-condition bundle was built, but scopePolicies has client or claim rules');
    // Subject-only rules need no script.
    const subjectsOnly: AccessConfig = { ...access(), scopePolicies: { ...access().scopePolicies!, rules: [{ scope: 'email', effect: 'deny', when: { user: 'u-1' } }] } };
    expect(desiredState(input(subjectsOnly, bundles.filter((b) => b.name !== 'policy-condition'))).objects.filter((o) => o.kind === 'script').map((o) => o.id)).not.toContain(expect.stringContaining('ScopeCondition'));
  });

  it('clients get the policy engine for scopes; scope checks and always-decided scopes per client; consent only when declared', () => {
    const objects = byKey(desiredState(input(access())));
    expect(objects.get('oauth2-client:app')!.spec.overrides).toEqual({ providerOverridesEnabled: true, usePolicyEngineForScope: true, scopesPolicySet: 'oauth2Scopes' });
    expect(objects.get('oauth2-client:web')!.spec.overrides).toMatchObject({ validateScopePluginType: 'SCRIPTED', accessTokenModificationPluginType: 'SCRIPTED', usePolicyEngineForScope: true, scopesPolicySet: 'oauth2Scopes' });
    expect(objects.get('oauth2-client:app')!.spec.scopeChecks.map((c: { at: string }) => c.at)).toEqual(['scopePolicies.rules[0]', 'scopePolicies.rules[1]', 'scopePolicies.rules[3]', 'scopePolicies.rules[4]', 'scopePolicies.rules[5]']);
    expect(objects.get('oauth2-client:web')!.spec.scopeChecks.map((c: { at: string }) => c.at)).toEqual(['scopePolicies.rules[0]', 'scopePolicies.rules[2]', 'scopePolicies.rules[3]', 'scopePolicies.rules[4]', 'scopePolicies.rules[5]']);
    // For app every user's email, profile and address are decided; for web profile depends on the user.
    expect(objects.get('oauth2-client:app')!.spec.consent).toEqual({ alwaysDecided: ['address', 'email', 'profile'] });
    expect(objects.get('oauth2-client:web')!.spec.consent).toEqual({ alwaysDecided: ['email'] });
    const declared = byKey(desiredState(input(access({ app: { impliedConsent: false, clientsCanSkipConsent: false, scopeDescriptions: { profile: { default: 'Your name', fr: 'Votre nom' } } } }))));
    expect(declared.get('oauth2-client:app')!.spec.overrides).toMatchObject({ clientsCanSkipConsent: false });
    expect(declared.get('oauth2-client:app')!.spec.consent).toMatchObject({ impliedConsent: false, scopeEntries: { profile: ['profile|Your name', 'profile|fr|Votre nom'] } });
  });

  it('is deterministic, and without the section nothing of it exists', () => {
    expect(desiredState(input(access()))).toEqual(desiredState(input(access())));
    const none = desiredState(input({ ...access(), scopePolicies: undefined }));
    expect(none.objects.filter((o) => o.kind === 'policy' || o.kind === 'policy-set' || o.id.startsWith('aic-api-to-api ScopeCondition'))).toEqual([]);
  });
});

const client = (id: string, scopes: string[], overrides: JsonObject = {}, implied?: boolean): ObservedObject => ({
  kind: 'oauth2-client',
  id,
  state: { allowedScopes: scopes.map((s) => s.split('|')[0]), scopeEntries: scopes, overrides: { providerOverridesEnabled: false, ...overrides }, ...(implied === undefined ? {} : { impliedConsent: implied }) },
});
const scopeType: ObservedObject = { kind: 'resource-type', id: 'OAuth2 Scope', state: { uuid: SCOPE_TYPE_UUID, name: 'OAuth2 Scope', patterns: ['*'], actions: { GRANT: true } } };
/** AIC's default oauth2Scopes, as the seed holds it. */
const AIC_SUBJECTS = ['AuthenticatedUsers', 'NOT', 'Identity', 'OR', 'AND', 'NONE', 'JwtClaim'];
const AIC_CONDITIONS = ['Script', 'AMIdentityMembership', 'IPv6', 'SimpleTime', 'IPv4', 'LEAuthLevel', 'LDAPFilter', 'AuthScheme', 'Session', 'AND', 'AuthenticateToRealm', 'ResourceEnvAttributes', 'SessionProperty', 'OAuth2Scope', 'OR', 'Transaction', 'NOT', 'AuthLevel', 'AuthenticateToService'];
const defaultSet = (uuids = [SCOPE_TYPE_UUID], subjects = AIC_SUBJECTS, conditions = AIC_CONDITIONS): ObservedObject => ({ kind: 'policy-set', id: 'oauth2Scopes', state: { name: 'oauth2Scopes', description: 'The built-in Application used by the OAuth2 scope authorization process.', resourceTypeUuids: uuids, subjects, conditions } });
const observed = (objects: ObservedObject[]) => ({ realm: 'alpha', objects, amVersion: '8.1.0', cookieName: 'c' });
const tenantWith = (...extra: ObservedObject[]) => observed([scopeType, defaultSet(), client('app', ['openid', 'profile', 'email', 'phone', 'address']), client('web', ['openid', 'profile|Your profile', 'email', 'phone', 'address']), ...extra]);

/** A cycle in the plan's edges would make apply wait forever. */
function assertAcyclic(plan: Plan): void {
  const edges = new Map(plan.changes.map((c) => [changeKey(c), c.dependsOn]));
  const state = new Map<string, 'open' | 'done'>();
  const visit = (key: string, path: string[]) => {
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'open') throw new Error(`cycle: ${[...path, key].join(' -> ')}`);
    state.set(key, 'open');
    for (const next of edges.get(key) ?? []) visit(next, [...path, key]);
    state.set(key, 'done');
  };
  for (const key of edges.keys()) visit(key, []);
}

describe('planning scopePolicies', () => {
  it('leaves an unmarked default policy set as it is, writes each condition script before the policies naming it, and orders clients last; no cycle', () => {
    const plan = computePlan(desiredState(input(access())), tenantWith());
    expect(problems(plan)).toEqual([]);
    const set = plan.changes.find((c) => c.kind === 'policy-set')!;
    expect([set.action, set.diff]).toEqual(['noop', []]);
    expect(payloadBody(plan, 'oauth2Scopes email deny').resourceTypeUuid).toBe(SCOPE_TYPE_UUID);
    const profile = plan.changes.find((c) => c.id === 'oauth2Scopes profile grant')!;
    const scriptName = (desiredState(input(access())).objects.find((o) => o.id === 'oauth2Scopes profile grant')!.spec as any).condition.scriptId.$ref.id;
    const script = plan.changes.find((c) => c.id === scriptName)!;
    expect(profile.dependsOn).toEqual(expect.arrayContaining(['policy-set:oauth2Scopes', `script:${scriptName}`]));
    // The policy's body names the script's id (its create gives it the deterministic uuid).
    expect((payloadBody(plan, 'oauth2Scopes profile grant').condition as JsonObject).scriptId).toBe((script.payload as { uuid: string }).uuid);
    expect(script.dependsOn.filter((d) => d.startsWith('policy:'))).toEqual([]);
    const app = plan.changes.find((c) => c.kind === 'oauth2-client' && c.id === 'app')!;
    expect(app.dependsOn).toEqual(expect.arrayContaining(['policy:oauth2Scopes email deny', 'policy:oauth2Scopes profile grant', `script:${scriptName}`]));
    expect(plan.changes.some((c) => c.action === 'delete')).toBe(false);
    assertAcyclic(plan);
  });

  it('warns about a rule naming a scope a listed client does not allow (not a problem: the deploy proceeds)', () => {
    const plan = computePlan(desiredState(input(access())), observed([scopeType, defaultSet(), client('app', ['openid', 'profile', 'email', 'phone', 'address']), client('web', ['openid', 'email', 'phone', 'address'])]));
    expect(problems(plan)).toEqual([]);
    expect(warnings(plan)).toEqual(['scopePolicies.rules[2]: client "web" does not allow scope "profile" (its scopes: openid email phone address); the rule can never apply to its tokens']);
  });

  it('a default policy set that does not allow the Identity subject or Script conditions is a problem, not rewritten', () => {
    const lacking = computePlan(desiredState(input(access())), tenantWith({ ...defaultSet([SCOPE_TYPE_UUID], ['AuthenticatedUsers', 'OR', 'AND'], ['AND', 'OR']), kind: 'policy-set' }));
    expect(problems(lacking)).toEqual([
      'policy-set:oauth2Scopes: exists in the tenant without the subject types Identity, NOT that its policies use; the tool does not rewrite a policy set it did not create: add them to its subjects',
      'policy-set:oauth2Scopes: exists in the tenant without the condition type Script that its policies use; the tool does not rewrite a policy set it did not create: add it to its conditions',
    ]);
    expect(lacking.changes.find((c) => c.kind === 'policy-set')!.action).toBe('noop');
  });

  it('a default policy set without the OAuth2 Scope resource type is a problem; a missing resource type too', () => {
    const plan = computePlan(desiredState(input(access())), tenantWith({ ...defaultSet(['other-uuid']) }));
    expect(problems(plan)).toContain(`policy-set:oauth2Scopes: exists in the tenant without resource type ${SCOPE_TYPE_UUID}; the tool does not rewrite a policy set it did not create: add the resource type to it`);
    const missing = computePlan(desiredState(input(access())), observed([defaultSet(), client('app', []), client('web', [])]));
    expect(problems(missing)).toContain('policy:oauth2Scopes email deny: resource type "OAuth2 Scope" (AM\'s built-in type of OAuth2 scope policies) does not exist in the realm; it is needed by scopePolicies');
  });

  it('a missing policy set is created (marked) with what its policies use; one the tool created earlier is updated to it', () => {
    const created = computePlan(desiredState(input(access())), observed([scopeType, client('app', ['email', 'profile']), client('web', ['email', 'profile'])]));
    expect(created.changes.find((c) => c.kind === 'policy-set')).toMatchObject({ action: 'create', payload: { body: { resourceTypeUuids: [SCOPE_TYPE_UUID], subjects: ['AND', 'AuthenticatedUsers', 'Identity', 'NOT', 'OR'], conditions: ['AND', 'NOT', 'OR', 'Script'] } } });
    const before = { name: 'oauth2Scopes', displayName: 'Default OAuth2 Scopes Policy Set', description: `OAuth2 scope decisions (Use Policy Engine for Scope decisions) ${MANAGED_MARKER}`, applicationType: 'iPlanetAMWebAgentService', entitlementCombiner: 'DenyOverride', subjects: ['AND', 'AuthenticatedUsers', 'JwtClaim', 'NOT', 'OR'], conditions: [], attributeNames: [], resourceTypeUuids: [SCOPE_TYPE_UUID] };
    const mine = computePlan(desiredState(input(access())), observed([scopeType, { kind: 'policy-set', id: 'oauth2Scopes', state: before }, client('app', []), client('web', [])]));
    const set = mine.changes.find((c) => c.kind === 'policy-set')!;
    expect(set.action).toBe('update');
    expect(set.diff.map((d) => d.path).sort()).toEqual(['conditions', 'subjects']);
    expect(mine.changes.find((c) => c.id === 'oauth2Scopes email deny')!.dependsOn).toContain('policy-set:oauth2Scopes');
  });

  it('migration: the previous version\'s JwtClaim policies are updates to the new form (same names), in one plan', () => {
    const old = (name: string, resource: string, grant: boolean, subject: JsonObject): ObservedObject => ({
      kind: 'policy',
      id: name,
      state: { name, active: true, description: `${grant ? 'Grants' : 'Denies'} the OAuth2 scope ${resource} (dynamic scopes) ${MANAGED_MARKER}`, applicationName: 'oauth2Scopes', resourceTypeUuid: SCOPE_TYPE_UUID, resources: [resource], actionValues: { GRANT: grant }, subject, condition: null, resourceAttributes: [] },
    });
    const plan = computePlan(
      desiredState(input(access())),
      tenantWith(
        old('oauth2Scopes email deny', 'email', false, { type: 'AuthenticatedUsers' }),
        old('oauth2Scopes profile grant', 'profile', true, { type: 'OR', subjects: [{ type: 'JwtClaim', claimName: 'client', claimValue: 'app' }, { type: 'AND', subjects: [{ type: 'JwtClaim', claimName: 'client', claimValue: 'web' }, { type: 'NOT', subject: { type: 'JwtClaim', claimName: 'subject', claimValue: 'u-1' } }] }] }),
        old('oauth2Scopes phone grant', 'phone', true, { type: 'OR', subjects: [{ type: 'JwtClaim', claimName: 'subject', claimValue: 'u-2' }, { type: 'JwtClaim', claimName: 'subject', claimValue: 'u-3' }] }),
        old('oauth2Scopes address deny', 'address', false, { type: 'OR', subjects: [{ type: 'JwtClaim', claimName: 'client', claimValue: 'app' }, { type: 'JwtClaim', claimName: 'isMemberOf', claimValue: 'cn=contractors' }] }),
      ),
    );
    expect(problems(plan)).toEqual([]);
    const policies = plan.changes.filter((c) => c.kind === 'policy');
    expect(policies.map((c) => `${c.action} ${c.id}`).sort()).toEqual(['create oauth2Scopes profile grant 2', 'noop oauth2Scopes email deny', 'update oauth2Scopes address deny', 'update oauth2Scopes phone grant', 'update oauth2Scopes profile grant']);
    for (const change of policies) if ('body' in change.payload) expect(types(change.payload.body.subject)).not.toContain('JwtClaim');
    expect(plan.changes.filter((c) => c.kind === 'script' && c.id.includes('ScopeCondition')).map((c) => c.action)).toEqual(['create', 'create', 'create']);
    assertAcyclic(plan);
  });
});

describe('planning consent', () => {
  it('implied consent: warns about the scopes no rule decides for every user (granted without a prompt)', () => {
    const plan = computePlan(desiredState(input(access())), observed([scopeType, defaultSet(), client('app', ['openid', 'profile', 'email', 'phone', 'address'], {}, true), client('web', ['openid', 'profile', 'email', 'phone', 'address'], { clientsCanSkipConsent: true }, true)]));
    expect(warnings(plan)).toEqual([
      'oauth2-client:app: client "app" has implied consent: scope phone is not decided by a rule for every user, and a scope no policy decides is granted without a prompt (AM asks anyway while overrideOAuth2ClientConfig.clientsCanSkipConsent is not true: once overrides are enabled, as the tool enables them, AM reads the client\'s value, not the provider\'s); add grant or deny rules for it, or set scopePolicies.consent.app.impliedConsent to false',
      'oauth2-client:web: client "web" has implied consent: scopes profile, phone, address are not decided by a rule for every user, and a scope no policy decides is granted without a prompt; add grant or deny rules for them, or set scopePolicies.consent.web.impliedConsent to false',
    ]);
  });

  it('consent declared: implied consent and skipping consent are set (a diff), and the warning goes once consent is asked for', () => {
    const plan = computePlan(desiredState(input(access({ app: { impliedConsent: false, clientsCanSkipConsent: false } }))), observed([scopeType, defaultSet(), client('app', ['openid', 'profile', 'email', 'phone', 'address'], {}, true), client('web', ['openid', 'profile', 'email', 'phone', 'address'])]));
    expect(warnings(plan)).toEqual([]);
    const app = plan.changes.find((c) => c.kind === 'oauth2-client' && c.id === 'app')!;
    expect(app.diff).toEqual(expect.arrayContaining([{ path: 'advancedOAuth2ClientConfig.isConsentImplied', before: true, after: false }, { path: 'overrideOAuth2ClientConfig.clientsCanSkipConsent', before: undefined, after: false }]));
    expect(app.payload).toMatchObject({ advanced: { isConsentImplied: false } });
  });

  it('scope descriptions: only the entries of the described scope change, every other scope stays', () => {
    const plan = computePlan(desiredState(input(access({ web: { scopeDescriptions: { profile: { default: 'Your name', fr: 'Votre nom' } } } }))), tenantWith());
    expect(problems(plan)).toEqual([]);
    const web = plan.changes.find((c) => c.kind === 'oauth2-client' && c.id === 'web')!;
    expect(web.diff).toContainEqual({ path: 'coreOAuth2ClientConfig.scopes', before: ['openid', 'profile|Your profile', 'email', 'phone', 'address'], after: ['openid', 'profile|Your name', 'profile|fr|Votre nom', 'email', 'phone', 'address'] });
    expect(web.payload).toMatchObject({ scopeEntries: { profile: ['profile|Your name', 'profile|fr|Votre nom'] } });
  });

  it('a description for a scope the client does not allow is a problem: the tool never adds a scope', () => {
    const plan = computePlan(desiredState(input(access({ app: { scopeDescriptions: { wallet: { default: 'Your wallet' } } } }))), tenantWith());
    expect(problems(plan)).toEqual(['scopePolicies.consent.app.scopeDescriptions.wallet: client "app" does not allow scope "wallet" (its scopes: openid profile email phone address); a description entry would add it, and the tool never adds a scope to a client: add the scope to the client first, or remove its description']);
  });
});
