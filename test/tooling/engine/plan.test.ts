import { describe, expect, it } from 'vitest';
import { computePlan, hasChanges, summarize } from '../../../tooling/engine/plan.js';
import { describeWithDigest } from '../../../tooling/engine/secret-digest.js';
import { MANAGED_MARKER, type DesiredState, type JsonObject, type ObservedObject, type ObservedState, type Plan } from '../../../tooling/engine/model.js';

const REALM = 'alpha';

function desiredFixture(overrides: { claimValue?: string; secret?: string } = {}): DesiredState {
  const provider = 'ordersApi';
  return {
    realm: REALM,
    secretValues: { 'esv-policy-gateway-secret': overrides.secret ?? 's3cret-value', 'ig-agent:policy-evaluator': overrides.secret ?? 's3cret-value' },
    objects: [
      { kind: 'esv', id: 'esv-cookie', body: { value: 'abc123', description: 'cookie', expressionType: 'string' }, meta: { esvType: 'variable' } },
      { kind: 'esv', id: 'esv-policy-gateway-secret', body: { description: 'gateway secret', encoding: 'generic', useInPlaceholders: false }, meta: { esvType: 'secret' } },
      { kind: 'script', id: 'PolicyEvalMod', body: { name: 'PolicyEvalMod', description: `eval ${MANAGED_MARKER}`, script: 'dmFyIGE7', language: 'JAVASCRIPT', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', evaluatorVersion: '1.0', default: false } },
      { kind: 'ig-agent', id: 'policy-evaluator', body: { status: 'Active' } },
      { kind: 'resource-type', id: provider, body: { uuid: '11111111-1111-4111-8111-111111111111', name: provider, description: MANAGED_MARKER, patterns: [`api://${provider}/*`], actions: { GRANT: true } } },
      {
        kind: 'policy-set',
        id: provider,
        body: { name: provider, description: MANAGED_MARKER, resourceTypeUuids: [{ $ref: { kind: 'resource-type', id: provider, field: 'uuid' } }], entitlementCombiner: 'DenyOverride', subjects: ['JwtClaim', 'OR'] },
      },
      {
        kind: 'policy',
        id: `${provider}:read`,
        body: {
          name: `${provider}:read`,
          description: MANAGED_MARKER,
          applicationName: provider,
          resourceTypeUuid: { $ref: { kind: 'resource-type', id: provider, field: 'uuid' } },
          resources: [`api://${provider}/read`],
          actionValues: { GRANT: true },
          subject: { type: 'JwtClaim', claimName: 'client', claimValue: overrides.claimValue ?? 'webApp' },
        },
      },
      {
        kind: 'oauth2-client',
        id: 'webApp',
        body: { overrideOAuth2ClientConfig: { providerOverridesEnabled: true, accessTokenModificationScript: { $ref: { kind: 'script', id: 'PolicyEvalMod', field: '_id' } } } },
      },
    ],
  };
}

const consumerClient: ObservedObject = {
  kind: 'oauth2-client',
  id: 'webApp',
  body: { _id: 'webApp', coreOAuth2ClientConfig: { scopes: { inherited: false, value: ['openid'] } }, overrideOAuth2ClientConfig: { providerOverridesEnabled: false, accessTokenModificationScript: '[Empty]' } },
};

function observed(objects: ObservedObject[], extra: Partial<ObservedState> = {}): ObservedState {
  return { realm: REALM, objects, amVersion: '8.1.0', cookieName: 'abc123', ...extra };
}

/** What a tenant holds after applying a plan faithfully (secrets by digest, as the tool writes them). */
function tenantAfter(plan: Plan, desired: DesiredState, previous: ObservedObject[]): ObservedObject[] {
  const byKey = new Map(previous.map((o) => [`${o.kind}:${o.id}`, o]));
  for (const change of plan.changes) {
    const key = `${change.kind}:${change.id}`;
    if (change.action === 'delete') byKey.delete(key);
    if (change.action !== 'create' && change.action !== 'update') continue;
    let body = { ...(byKey.get(key)?.body ?? {}), ...change.after } as JsonObject;
    if (change.kind === 'esv' && change.meta?.esvType === 'secret') {
      body = { ...change.after, description: describeWithDigest(String(change.after?.description), desired.secretValues[change.id]) } as JsonObject;
    }
    if (change.kind === 'oauth2-client') {
      const overrides = { ...(byKey.get(key)?.body.overrideOAuth2ClientConfig as JsonObject), ...(change.after?.overrideOAuth2ClientConfig as JsonObject) };
      body = { ...byKey.get(key)!.body, overrideOAuth2ClientConfig: overrides };
    }
    byKey.set(key, { kind: change.kind, id: change.id, body, meta: { ...change.meta, loaded: 'true' } });
  }
  return [...byKey.values()];
}

describe('computePlan', () => {
  it('creates everything on an empty tenant, resolving references and ordering by dependency', () => {
    const desired = desiredFixture();
    const plan = computePlan(desired, observed([consumerClient]));
    const actions = Object.fromEntries(plan.changes.map((c) => [`${c.kind}:${c.id}`, c.action]));
    expect(actions).toMatchObject({ 'esv:esv-cookie': 'create', 'script:PolicyEvalMod': 'create', 'policy:ordersApi:read': 'create', 'oauth2-client:webApp': 'update' });
    const policy = plan.changes.find((c) => c.kind === 'policy')!;
    expect(policy.after?.resourceTypeUuid).toBe('11111111-1111-4111-8111-111111111111');
    expect(policy.dependsOn).toEqual(expect.arrayContaining(['resource-type:ordersApi', 'policy-set:ordersApi']));
    const script = plan.changes.find((c) => c.kind === 'script')!;
    const client = plan.changes.find((c) => c.kind === 'oauth2-client')!;
    expect(script.after?._id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((client.after?.overrideOAuth2ClientConfig as JsonObject).accessTokenModificationScript).toBe(script.after?._id);
    // The client is switched only after the whole evaluation machinery exists.
    expect(client.dependsOn).toEqual(expect.arrayContaining(['script:PolicyEvalMod', 'esv:esv-cookie', 'esv:esv-policy-gateway-secret', 'ig-agent:policy-evaluator']));
    expect(client.diff.map((d) => d.path)).toEqual(['overrideOAuth2ClientConfig.accessTokenModificationScript', 'overrideOAuth2ClientConfig.providerOverridesEnabled']);
    expect(plan.restartNeeded).toBe(true);
    expect(plan.problems).toEqual([]);
  });

  it('plans nothing once the tenant holds what was applied (a second deploy writes nothing)', () => {
    const desired = desiredFixture();
    const first = computePlan(desired, observed([consumerClient]));
    const second = computePlan(desired, observed(tenantAfter(first, desired, [consumerClient])));
    expect(second.changes.filter((c) => c.action !== 'noop')).toEqual([]);
    expect(hasChanges(second)).toBe(false);
    expect(summarize(second).noop).toBe(desired.objects.length);
  });

  it('is deterministic: the same inputs give the same plan', () => {
    const desired = desiredFixture();
    const shuffled = { ...desired, objects: [...desired.objects].reverse() };
    expect(JSON.stringify(computePlan(shuffled, observed([consumerClient])))).toBe(JSON.stringify(computePlan(desired, observed([consumerClient]))));
  });

  it('reports a field-level diff when a grant changes, and nothing else changes', () => {
    const before = desiredFixture();
    const tenant = tenantAfter(computePlan(before, observed([consumerClient])), before, [consumerClient]);
    const plan = computePlan(desiredFixture({ claimValue: 'mobileApp' }), observed(tenant));
    const changed = plan.changes.filter((c) => c.action !== 'noop');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ kind: 'policy', action: 'update' });
    expect(changed[0].diff).toEqual([{ path: 'subject.claimValue', before: 'webApp', after: 'mobileApp' }]);
  });

  it('adopts the uuid of a resource type that already exists under the same name', () => {
    const desired = desiredFixture();
    const existing: ObservedObject = { kind: 'resource-type', id: 'ordersApi', body: { uuid: 'aaaaaaaa-0000-4000-8000-000000000000', name: 'ordersApi', description: MANAGED_MARKER, patterns: ['api://ordersApi/*'], actions: { GRANT: true } } };
    const plan = computePlan(desired, observed([consumerClient, existing]));
    expect(plan.changes.find((c) => c.kind === 'resource-type')?.action).toBe('noop');
    expect(plan.changes.find((c) => c.kind === 'policy')?.after?.resourceTypeUuid).toBe('aaaaaaaa-0000-4000-8000-000000000000');
  });

  it('deletes only marked objects the configuration no longer names, contents before containers', () => {
    const desired = desiredFixture();
    const stale = [
      { kind: 'policy', id: 'gone:read', body: { name: 'gone:read', description: MANAGED_MARKER, applicationName: 'gone' } },
      { kind: 'policy-set', id: 'gone', body: { name: 'gone', description: MANAGED_MARKER, resourceTypeUuids: ['bbbb'] } },
      { kind: 'resource-type', id: 'gone', body: { uuid: 'bbbb', name: 'gone', description: MANAGED_MARKER } },
      { kind: 'policy', id: 'handMade', body: { name: 'handMade', description: 'made in the console', applicationName: 'other' } },
    ] as ObservedObject[];
    const plan = computePlan(desired, observed([consumerClient, ...stale]));
    const deletes = plan.changes.filter((c) => c.action === 'delete');
    expect(deletes.map((c) => `${c.kind}:${c.id}`).sort()).toEqual(['policy-set:gone', 'policy:gone:read', 'resource-type:gone']);
    expect(deletes.find((c) => c.kind === 'policy-set')?.dependsOn).toEqual(['policy:gone:read']);
    expect(deletes.find((c) => c.kind === 'resource-type')?.dependsOn).toEqual(['policy-set:gone']);
  });

  it('detects a changed secret by its digest and rewrites the agent password with it', () => {
    const desired = desiredFixture();
    const tenant = tenantAfter(computePlan(desired, observed([consumerClient])), desired, [consumerClient]);
    expect(hasChanges(computePlan(desired, observed(tenant)))).toBe(false);
    const plan = computePlan(desiredFixture({ secret: 'rotated-secret' }), observed(tenant));
    const secret = plan.changes.find((c) => c.id === 'esv-policy-gateway-secret')!;
    expect(secret.action).toBe('update');
    expect(secret.meta?.valueChanged).toBe('true');
    expect(secret.diff).toEqual([{ path: 'value', before: undefined, after: undefined, sensitive: true }]);
    const agent = plan.changes.find((c) => c.kind === 'ig-agent')!;
    expect(agent.action).toBe('update');
    expect(agent.meta?.passwordChanged).toBe('true');
    expect(JSON.stringify(plan)).not.toContain('rotated-secret');
    expect(JSON.stringify(plan)).not.toContain('s3cret-value');
  });

  it('keeps managing an ESV as a secret when the tenant already has it as one', () => {
    const desired = desiredFixture();
    const articleStyle: ObservedObject = { kind: 'esv', id: 'esv-cookie', body: { description: describeWithDigest('cookie', 'abc123'), encoding: 'generic', useInPlaceholders: false }, meta: { esvType: 'secret', loaded: 'true' } };
    const plan = computePlan(desired, observed([consumerClient, articleStyle]));
    const cookie = plan.changes.find((c) => c.id === 'esv-cookie')!;
    expect(cookie.meta?.esvType).toBe('secret');
    expect(cookie.action).toBe('noop');
  });

  it('refuses to plan when a consumer client does not exist in the tenant', () => {
    const plan = computePlan(desiredFixture(), observed([]));
    expect(plan.problems).toEqual([expect.stringContaining('consumer client "webApp" does not exist in realm alpha')]);
  });

  it('compares arrays of plain values as sets, since AM does not keep their order', () => {
    const desired = desiredFixture();
    desired.objects.find((o) => o.kind === 'resource-type')!.body.patterns = ['api://ordersApi/*', 'api://ordersApi/v2/*'];
    const existing: ObservedObject = { kind: 'resource-type', id: 'ordersApi', body: { uuid: 'x', name: 'ordersApi', description: MANAGED_MARKER, patterns: ['api://ordersApi/v2/*', 'api://ordersApi/*'], actions: { GRANT: true } } };
    expect(computePlan(desired, observed([consumerClient, existing])).changes.find((c) => c.kind === 'resource-type')?.action).toBe('noop');
  });

  it('asks for a restart when an earlier run left ESV values pending', () => {
    const desired = desiredFixture();
    const tenant = tenantAfter(computePlan(desired, observed([consumerClient])), desired, [consumerClient]);
    const pending = tenant.map((o) => (o.id === 'esv-cookie' ? { ...o, meta: { ...o.meta, loaded: 'false' } } : o));
    const plan = computePlan(desired, observed(pending));
    expect(plan.changes.every((c) => c.action === 'noop')).toBe(true);
    expect(plan.restartNeeded).toBe(true);
  });
});
