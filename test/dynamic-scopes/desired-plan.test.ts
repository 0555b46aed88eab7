/** Desired state and plan for scopePolicies, without a tenant: names, bodies, references, edges, warnings. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AccessConfig } from '../../tooling/config/access.js';
import { desiredState, type DesiredInput } from '../../tooling/engine/desired/index.js';
import { diagnosticLine } from '../../tooling/diagnostics.js';
import { MANAGED_MARKER, planErrors, planWarnings, type DesiredState, type JsonObject, type ObservedObject, type ObservedState, type Plan } from '../../tooling/engine/model.js';
import { computePlan as planWith } from '../../tooling/engine/plan.js';
import { planToJson } from '../../tooling/engine/render.js';

const SCOPE_TYPE_UUID = 'd60b7a71-1dc6-44a5-8e48-e4b9d92dee8b';
const journey = JSON.parse(readFileSync(new URL('../../journeys/AgentLogin.json', import.meta.url), 'utf8')) as unknown;

function input(access: AccessConfig): DesiredInput {
  return {
    access,
    realm: 'alpha',
    tenantEsvValue: 'tenant.example.com',
    cookieName: 'c',
    gatewayId: 'policy-evaluator',
    journeyName: 'AgentLogin',
    scripts: [{ name: 'scope-validation', source: 'a', context: 'OAUTH2_VALIDATE_SCOPE' }, { name: 'policy-eval-mod', source: 'b', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION' }],
    journey,
  };
}

const access = (): AccessConfig => ({
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
    ],
  },
});

const byKey = (state: ReturnType<typeof desiredState>) => new Map(state.objects.map((o) => [`${o.kind}:${o.id}`, o as { kind: string; id: string; spec: any }]));
const computePlan = (desired: DesiredState, observed: ObservedState) => planWith(desired, observed, { gatewaySecret: 'Not-Shown-Secret-For-Plans-0123' });
const problems = (plan: Plan) => planErrors(plan).map(diagnosticLine);
const warnings = (plan: Plan) => planWarnings(plan).map(diagnosticLine);
const payloadBody = (plan: Plan, id: string) => (plan.changes.find((c) => c.id === id)!.payload as { body: JsonObject }).body;

describe('desired state of scopePolicies', () => {
  it('one policy per scope and effect, in the policy set, on the OAuth2 Scope resource type, marked', () => {
    const objects = byKey(desiredState(input(access())));
    expect(objects.get('policy:oauth2Scopes email deny')?.spec).toEqual({
      name: 'oauth2Scopes email deny',
      active: true,
      description: `Denies the OAuth2 scope email (dynamic scopes) ${MANAGED_MARKER}`,
      applicationName: 'oauth2Scopes',
      resourceTypeUuid: { $ref: { kind: 'resource-type', id: 'OAuth2 Scope', field: 'uuid', missing: expect.stringContaining('does not exist in the realm') } },
      resources: ['email'],
      actionValues: { GRANT: false },
      subject: { type: 'AuthenticatedUsers' },
      condition: null,
      resourceAttributes: [],
    });
    const profile = objects.get('policy:oauth2Scopes profile grant')!.spec;
    expect(profile.actionValues).toEqual({ GRANT: true });
    // Two rules of the same scope and effect are alternatives.
    expect(profile.subject).toEqual({
      type: 'OR',
      subjects: [
        { type: 'AND', subjects: [{ type: 'JwtClaim', claimName: 'client', claimValue: 'web' }, { type: 'NOT', subject: { type: 'JwtClaim', claimName: 'subject', claimValue: 'u-1' } }] },
        { type: 'JwtClaim', claimName: 'client', claimValue: 'app' },
      ],
    });
  });

  it('the policy set is create-only (AM ships it) and the resource type is looked up, never desired', () => {
    const state = desiredState(input(access()));
    const set = byKey(state).get('policy-set:oauth2Scopes')!;
    expect(set.spec.createOnly).toBe(true);
    expect(set.spec.body.description).toContain(MANAGED_MARKER);
    expect(state.objects.some((o) => o.kind === 'resource-type')).toBe(false);
  });

  it('clients get the policy engine for scopes; a consumer keeps its scripts beside it', () => {
    const objects = byKey(desiredState(input(access())));
    expect(objects.get('oauth2-client:app')!.spec.overrides).toEqual({ providerOverridesEnabled: true, usePolicyEngineForScope: true, scopesPolicySet: 'oauth2Scopes' });
    expect(objects.get('oauth2-client:web')!.spec.overrides).toMatchObject({ validateScopePluginType: 'SCRIPTED', accessTokenModificationPluginType: 'SCRIPTED', usePolicyEngineForScope: true, scopesPolicySet: 'oauth2Scopes' });
    expect([...objects.keys()].filter((k) => k.startsWith('oauth2-client:'))).toEqual(['oauth2-client:app', 'oauth2-client:web']);
  });

  it('scope checks name, per client, the rules that can apply to it', () => {
    const objects = byKey(desiredState(input(access())));
    expect(objects.get('oauth2-client:app')!.spec.scopeChecks).toEqual([{ scope: 'email', at: 'scopePolicies.rules[0]' }, { scope: 'profile', at: 'scopePolicies.rules[1]' }]);
    expect(objects.get('oauth2-client:web')!.spec.scopeChecks).toEqual([{ scope: 'email', at: 'scopePolicies.rules[0]' }, { scope: 'profile', at: 'scopePolicies.rules[2]' }]);
  });

  it('is deterministic, and without the section nothing of it exists', () => {
    expect(desiredState(input(access()))).toEqual(desiredState(input(access())));
    const none = desiredState(input({ ...access(), scopePolicies: undefined }));
    expect(none.objects.filter((o) => o.kind === 'policy' || o.kind === 'policy-set')).toEqual([]);
  });
});

const client = (id: string, scopes: string[], overrides: JsonObject = {}): ObservedObject => ({
  kind: 'oauth2-client',
  id,
  state: { allowedScopes: scopes.map((s) => s.split('|')[0]), overrides: { providerOverridesEnabled: false, ...overrides } },
});
const scopeType: ObservedObject = { kind: 'resource-type', id: 'OAuth2 Scope', state: { uuid: SCOPE_TYPE_UUID, name: 'OAuth2 Scope', patterns: ['*'], actions: { GRANT: true } } };
const defaultSet = (uuids = [SCOPE_TYPE_UUID]): ObservedObject => ({ kind: 'policy-set', id: 'oauth2Scopes', state: { name: 'oauth2Scopes', description: 'The built-in Application used by the OAuth2 scope authorization process.', resourceTypeUuids: uuids, subjects: ['AuthenticatedUsers'] } });
const observed = (objects: ObservedObject[]) => ({ realm: 'alpha', objects, amVersion: '8.1.0', cookieName: 'c' });

describe('planning scopePolicies', () => {
  it('leaves an unmarked default policy set exactly as it is, resolves the resource type from the tenant, and orders clients after policies', () => {
    const plan = computePlan(desiredState(input(access())), observed([scopeType, defaultSet(), client('app', ['openid', 'profile', 'email']), client('web', ['openid', 'profile|Your profile', 'email'])]));
    expect(problems(plan)).toEqual([]);
    const set = plan.changes.find((c) => c.kind === 'policy-set')!;
    expect([set.action, set.diff]).toEqual(['noop', []]);
    const policy = plan.changes.find((c) => c.id === 'oauth2Scopes email deny')!;
    expect(payloadBody(plan, 'oauth2Scopes email deny').resourceTypeUuid).toBe(SCOPE_TYPE_UUID);
    expect(policy.dependsOn).toContain('policy-set:oauth2Scopes');
    const app = plan.changes.find((c) => c.kind === 'oauth2-client' && c.id === 'app')!;
    // The set is left as it is (noop): nothing to wait for; the policies are written first.
    expect(app.dependsOn).toEqual(expect.arrayContaining(['policy:oauth2Scopes email deny', 'policy:oauth2Scopes profile grant']));
    expect(plan.changes.some((c) => c.action === 'delete')).toBe(false);
    expect(warnings(plan)).toEqual([]);
  });

  it('warns about a rule naming a scope a listed client does not allow (not a problem: the deploy proceeds)', () => {
    const plan = computePlan(desiredState(input(access())), observed([scopeType, defaultSet(), client('app', ['openid', 'profile']), client('web', ['openid'])]));
    expect(problems(plan)).toEqual([]);
    expect(warnings(plan)).toEqual([
      'scopePolicies.rules[0]: client "app" does not allow scope "email" (its scopes: openid profile); the rule can never apply to its tokens',
      'scopePolicies.rules[0]: client "web" does not allow scope "email" (its scopes: openid); the rule can never apply to its tokens',
      'scopePolicies.rules[2]: client "web" does not allow scope "profile" (its scopes: openid); the rule can never apply to its tokens',
    ]);
    // plan and deploy print them (cli/output.ts renders diagnostics); the plan itself still applies.
    expect(planWarnings(plan).every((d) => d.code === 'plan.scope-not-allowed')).toBe(true);
    expect(planToJson(plan).changes).not.toEqual([]);
  });

  it('a missing policy set is created (marked); a missing OAuth2 Scope resource type is a problem', () => {
    const created = computePlan(desiredState(input(access())), observed([scopeType, client('app', ['email', 'profile']), client('web', ['email', 'profile'])]));
    expect(created.changes.find((c) => c.kind === 'policy-set')).toMatchObject({ action: 'create', payload: { body: { resourceTypeUuids: [SCOPE_TYPE_UUID] } } });
    const missing = computePlan(desiredState(input(access())), observed([defaultSet(), client('app', []), client('web', [])]));
    expect(problems(missing)).toContain('policy:oauth2Scopes email deny: resource type "OAuth2 Scope" (AM\'s built-in type of OAuth2 scope policies) does not exist in the realm; it is needed by scopePolicies');
  });

  it('a default policy set without the OAuth2 Scope resource type is a problem (the tool does not rewrite it)', () => {
    const plan = computePlan(desiredState(input(access())), observed([scopeType, defaultSet(['other-uuid']), client('app', []), client('web', [])]));
    expect(problems(plan)).toEqual([`policy-set:oauth2Scopes: exists in the tenant without resource type ${SCOPE_TYPE_UUID}; the tool does not rewrite a policy set it did not create: add the resource type to it`]);
  });

  it('a policy set the tool created is deleted after its policies, unless a client still uses it', () => {
    const mine: ObservedObject = { kind: 'policy-set', id: 'internalScopes', state: { name: 'internalScopes', description: `x ${MANAGED_MARKER}`, resourceTypeUuids: [SCOPE_TYPE_UUID] } };
    const policy: ObservedObject = { kind: 'policy', id: 'internalScopes email deny', state: { name: 'internalScopes email deny', description: MANAGED_MARKER, applicationName: 'internalScopes' } };
    const none = desiredState(input({ consumers: {}, identityClaims: [], providers: {} }));
    const free = computePlan(none, observed([scopeType, mine, policy, client('app', [], { providerOverridesEnabled: true, usePolicyEngineForScope: false, scopesPolicySet: 'internalScopes' })]));
    expect(problems(free)).toEqual([]);
    expect(free.changes.find((c) => c.kind === 'policy-set')).toMatchObject({ action: 'delete', dependsOn: ['policy:internalScopes email deny'] });
    const used = computePlan(none, observed([scopeType, mine, policy, client('app', [], { providerOverridesEnabled: true, usePolicyEngineForScope: true, scopesPolicySet: 'internalScopes' })]));
    expect(problems(used)).toEqual(['policy-set:internalScopes: would be deleted, but client "app" still uses it for scope decisions; set its usePolicyEngineForScope to false (or keep the set in scopePolicies) first']);
  });
});
