/**
 * The planner, pure: desired state from an access configuration, observed states written by hand
 * as a tenant would hold them, and the plan that comes out. No HTTP.
 */
import { describe, expect, it } from 'vitest';
import type { AccessConfig } from '../../../tooling/config/access.js';
import { desiredState, ESV, SCRIPT_NAMES } from '../../../tooling/engine/desired/index.js';
import type { PlanOptions } from '../../../tooling/engine/handler.js';
import { gatewaySlots, RETIRE_SUFFIX } from '../../../tooling/engine/kinds/policy-gateway.js';
import { changeKey, MANAGED_MARKER, RESTART_KEY, type AnyChange, type ObservedObject, type ObservedState, type Plan } from '../../../tooling/engine/model.js';
import { computePlan, hasChanges } from '../../../tooling/engine/plan.js';
import { describeWithDigest } from '../../../tooling/engine/secret-digest.js';

const REALM = 'alpha';
const SECRET = 'Planner-Test-Secret-0123-abcd';
const JOURNEY = { trees: { AgentLogin: { tree: { _id: 'AgentLogin', entryNodeId: 'page', nodes: { page: { nodeType: 'PageNode', connections: { outcome: 'decision' } } }, staticNodes: {} }, nodes: { page: { _id: 'page', _type: { _id: 'PageNode', version: '1.0' }, nodes: [{ _id: 'user', nodeType: 'ValidatedUsernameNode', displayName: 'Platform Username' }] } }, innerNodes: { user: { _id: 'user', _type: { _id: 'ValidatedUsernameNode', version: '1.0' }, usernameAttribute: 'userName' } } } } };

function access(grantTo = 'webApp'): AccessConfig {
  return { consumers: { webApp: {} }, identityClaims: [], providers: { ordersApi: { scopes: { read: { grants: [{ client: grantTo }] } } } } };
}

const desired = (config = access()) =>
  desiredState({ access: config, realm: REALM, tenantEsvValue: 'tenant.example.com', cookieName: 'ck', gatewayId: 'policy-evaluator', journeyName: 'AgentLogin', scripts: [{ name: 'policy-eval-mod', source: 'var a;', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION' }, { name: 'scope-validation', source: 'var b;', context: 'OAUTH2_VALIDATE_SCOPE' }], journey: JOURNEY });

const client = (overrides: Record<string, unknown> = { providerOverridesEnabled: false }): ObservedObject => ({ kind: 'oauth2-client', id: 'webApp', state: { overrides: overrides as never, allowedScopes: ['openid'] } });
const observed = (objects: ObservedObject[]): ObservedState => ({ realm: REALM, objects, amVersion: '8.1.0', cookieName: 'ck' });
const plan = (objects: ObservedObject[], config = access(), options: PlanOptions = {}, secret = SECRET) => computePlan(desired(config), observed(objects), { gatewaySecret: secret }, options);
const find = (p: Plan, key: string) => p.changes.find((c) => changeKey(c) === key);
const writes = (p: Plan) => p.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${changeKey(c)}`).sort();

/** A tenant holding exactly what a first deploy of `access()` wrote (agent A active and verified, everything loaded). */
function deployedTenant(options: { secret?: string; secretVersion?: string; writtenVersion?: string; activeAgent?: string; idLoaded?: boolean; verified?: boolean } = {}): ObservedObject[] {
  const first = plan([client()]);
  const [slotA] = gatewaySlots('policy-evaluator');
  const active = options.activeAgent ?? slotA;
  const objects: ObservedObject[] = [];
  for (const change of first.changes as AnyChange[]) {
    if (change.kind === 'esv' && change.payload.write === 'variable') {
      const value = change.id === ESV.gatewayId ? active : change.payload.value;
      objects.push({ kind: 'esv', id: change.id, state: { type: 'variable', value, description: change.payload.description, expressionType: 'string', loaded: change.id === ESV.gatewayId ? options.idLoaded ?? true : true } });
    } else if (change.kind === 'esv' && change.payload.write === 'secret-create') {
      const version = options.secretVersion ?? '1';
      objects.push({ kind: 'esv', id: change.id, state: { type: 'secret', description: describeWithDigest(change.payload.description, options.secret ?? SECRET, options.writtenVersion ?? version), encoding: 'generic', useInPlaceholders: true, activeVersion: version, loadedVersion: version, loaded: true } });
    } else if (change.kind === 'script' && 'definition' in change.payload) {
      objects.push({ kind: 'script', id: change.id, state: { _id: change.payload.uuid, ...change.payload.definition } });
    } else if (change.kind === 'policy-gateway') {
      const agent = { settings: { status: 'Active', igTokenIntrospection: 'None', igCdssoRedirectUrls: [] }, wrapped: {} };
      objects.push({ kind: 'policy-gateway', id: change.id, state: { agents: { [active]: agent }, named: active, verified: { agent: active, ok: options.verified ?? true } } });
    } else if (change.kind === 'journey-node') {
      objects.push({ kind: 'journey-node', id: change.id, state: change.payload });
    } else if (change.kind === 'journey') {
      objects.push({ kind: 'journey', id: change.id, state: change.payload });
    } else if (change.kind === 'resource-type' && 'body' in change.payload) {
      objects.push({ kind: 'resource-type', id: change.id, state: { ...change.payload.body, uuid: change.payload.uuid } as never });
    } else if (change.kind === 'policy-set' && 'body' in change.payload) {
      objects.push({ kind: 'policy-set', id: change.id, state: change.payload.body });
    } else if (change.kind === 'policy' && 'body' in change.payload) {
      objects.push({ kind: 'policy', id: change.id, state: change.payload.body as never });
    } else if (change.kind === 'oauth2-client') {
      objects.push(client(change.payload.overrides));
    }
  }
  return objects;
}

describe('computePlan', () => {
  it('creates everything on an empty tenant, resolving references, with the client switched last and a restart step', () => {
    const p = plan([client()]);
    expect(p.diagnostics).toEqual([]);
    const policy = find(p, 'policy:ordersApi read')!;
    const resourceType = find(p, 'resource-type:ordersApi')!;
    expect(policy.action).toBe('create');
    expect(policy.kind === 'policy' && 'body' in policy.payload && policy.payload.body.resourceTypeUuid).toBe(resourceType.kind === 'resource-type' && resourceType.payload.uuid);
    expect(policy.dependsOn).toEqual(expect.arrayContaining(['resource-type:ordersApi', 'policy-set:ordersApi']));
    const script = find(p, `script:${SCRIPT_NAMES['policy-eval-mod']}`)!;
    const consumer = find(p, 'oauth2-client:webApp')!;
    const scriptUuid = script.kind === 'script' ? script.payload.uuid : '';
    expect(scriptUuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(consumer.kind === 'oauth2-client' && consumer.payload.overrides.accessTokenModificationScript).toBe(scriptUuid);
    // Switched only after everything it will reach exists (not after the restart).
    expect(consumer.dependsOn).toEqual(expect.arrayContaining([changeKey(script), 'esv:esv-cookie', 'esv:esv-policy-gateway-secret', 'policy-gateway:policy-evaluator', 'journey:AgentLogin', 'policy:ordersApi read']));
    expect(consumer.dependsOn).not.toContain(RESTART_KEY);
    // The gateway id ESV follows the gateway's active agent (a reference: written after the agent).
    const idEsv = find(p, `esv:${ESV.gatewayId}`)!;
    expect(idEsv.kind === 'esv' && idEsv.payload.write === 'variable' && idEsv.payload.value).toBe('policy-evaluator');
    expect(idEsv.dependsOn).toContain('policy-gateway:policy-evaluator');
    expect(p.restart?.loads).toEqual([ESV.cookie, ESV.identityClaims, ESV.gatewayId, ESV.gatewaySecret, ESV.tenant].sort());
    expect(JSON.stringify(p)).not.toContain(SECRET);
  });

  it('plans nothing once the tenant holds what was applied', () => {
    const p = plan(deployedTenant());
    expect(writes(p)).toEqual([]);
    expect(hasChanges(p)).toBe(false);
  });

  it('is deterministic: the same inputs give the same plan, whatever the order of the desired objects', () => {
    const state = desired();
    const reversed = { ...state, objects: [...state.objects].reverse() };
    const a = computePlan(state, observed([client()]), { gatewaySecret: SECRET });
    const b = computePlan(reversed, observed([client()]), { gatewaySecret: SECRET });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('reports a field-level diff when a grant changes, and nothing else changes', () => {
    const p = plan(deployedTenant(), { ...access(), consumers: { webApp: {}, mobileApp: {} }, providers: { ordersApi: { scopes: { read: { grants: [{ client: 'mobileApp' }] } } } } });
    const policy = find(p, 'policy:ordersApi read')!;
    expect(policy.diff).toEqual([{ path: 'subject.claimValue', before: 'webApp', after: 'mobileApp' }]);
  });

  it('adopts the uuid of a resource type that already exists under the same name', () => {
    const existing: ObservedObject = { kind: 'resource-type', id: 'ordersApi', state: { uuid: 'aaaaaaaa-0000-4000-8000-000000000000', name: 'ordersApi', description: `API-to-API scopes of ordersApi ${MANAGED_MARKER}`, patterns: ['api://ordersApi/*'], actions: { GRANT: true } } };
    const p = plan([client(), existing]);
    expect(find(p, 'resource-type:ordersApi')?.action).toBe('noop');
    const policy = find(p, 'policy:ordersApi read')!;
    expect(policy.kind === 'policy' && 'body' in policy.payload && policy.payload.body.resourceTypeUuid).toBe('aaaaaaaa-0000-4000-8000-000000000000');
  });

  it('deletes only marked objects the configuration no longer names, contents before containers', () => {
    const stale: ObservedObject[] = [
      { kind: 'policy', id: 'gone read', state: { name: 'gone read', description: MANAGED_MARKER, applicationName: 'gone' } },
      { kind: 'policy-set', id: 'gone', state: { name: 'gone', description: MANAGED_MARKER, resourceTypeUuids: ['bbbb'] } },
      { kind: 'resource-type', id: 'gone', state: { uuid: 'bbbb', name: 'gone', description: MANAGED_MARKER } },
      { kind: 'policy', id: 'handMade', state: { name: 'handMade', description: 'made in the console', applicationName: 'other' } },
    ];
    const p = plan([...deployedTenant(), ...stale]);
    expect(writes(p)).toEqual(['delete policy-set:gone', 'delete policy:gone read', 'delete resource-type:gone']);
    expect(find(p, 'policy-set:gone')?.dependsOn).toEqual(['policy:gone read']);
    expect(find(p, 'resource-type:gone')?.dependsOn).toEqual(['policy-set:gone']);
  });

  it('a foreign policy in a managed policy set is deleted, or with keepForeignPolicies reported as a warning', () => {
    const foreign: ObservedObject = { kind: 'policy', id: 'backdoor', state: { name: 'backdoor', description: 'added by hand', applicationName: 'ordersApi', resources: ['api://ordersApi/admin'], actionValues: { GRANT: true } } };
    const p = plan([...deployedTenant(), foreign]);
    expect(writes(p)).toEqual(['delete policy:backdoor']);
    expect(find(p, 'policy:backdoor')?.reason).toMatch(/did not write/);
    const kept = plan([...deployedTenant(), foreign], access(), { keepForeignPolicies: true });
    expect(writes(kept)).toEqual([]);
    expect(kept.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'plan.foreign-policy', object: 'policy:backdoor' })]);
  });

  it('a condition someone added to a managed policy is drift: the plan removes it', () => {
    const tenant = deployedTenant().map((o) => (o.kind === 'policy' ? { ...o, state: { ...(o.state as object), condition: { type: 'IPv4', startIp: '0.0.0.0', endIp: '255.255.255.255' } } } : o)) as ObservedObject[];
    const p = plan(tenant);
    expect(writes(p)).toEqual(['update policy:ordersApi read']);
    expect(find(p, 'policy:ordersApi read')?.diff.map((d) => d.path)).toEqual(['condition']);
  });

  it('refuses to plan when a consumer client does not exist in the tenant', () => {
    const p = plan([]);
    expect(p.diagnostics).toEqual([expect.objectContaining({ severity: 'error', category: 'refused', code: 'plan.client-missing', object: 'oauth2-client:webApp' })]);
    expect(p.diagnostics[0].message).toContain('consumer client "webApp" does not exist in realm alpha');
  });

  it('compares arrays of plain values as sets, since AM does not keep their order', () => {
    const tenant = deployedTenant().map((o) => (o.kind === 'policy-set' ? { ...o, state: { ...(o.state as object), subjects: ['OR', 'NOT', 'JwtClaim', 'AND'] } } : o)) as ObservedObject[];
    expect(writes(plan(tenant))).toEqual([]);
  });

  it("ignores what AIC adds to stored journey nodes (nodeVersion on a page node's children, _type)", () => {
    const tenant = deployedTenant().map((o) => {
      if (o.kind !== 'journey-node' || o.id !== 'page') return o;
      const state = o.state as { config: { nodes: Record<string, unknown>[] } };
      return { ...o, state: { ...state, config: { ...state.config, nodes: state.config.nodes.map((child) => ({ ...child, nodeVersion: '1.0' })) } } };
    }) as ObservedObject[];
    expect(writes(plan(tenant))).toEqual([]);
  });

  it('asks for a restart when an earlier run left ESV values pending', () => {
    const tenant = deployedTenant().map((o) => (o.id === ESV.cookie ? { ...o, pendingRestart: true } : o));
    const p = plan(tenant);
    expect(writes(p)).toEqual([]);
    expect(p.restart).toEqual({ loads: [ESV.cookie], dependsOn: [], pendingFromEarlier: [ESV.cookie] });
  });

  it('keeps managing an ESV as a secret when the tenant already has it as one (as the article sets them up)', () => {
    const tenant = deployedTenant().map((o) => (o.id === ESV.cookie ? { ...o, state: { type: 'secret', description: describeWithDigest(`The tenant's session cookie name; the agent's SSO token is sent in a header of this name ${MANAGED_MARKER}`, 'ck', '4'), encoding: 'generic', useInPlaceholders: true, activeVersion: '4', loadedVersion: '4', loaded: true } } : o)) as ObservedObject[];
    expect(find(plan(tenant), `esv:${ESV.cookie}`)?.action).toBe('noop');
  });
});

describe('the gateway secret and the two agents', () => {
  const [slotA, slotB] = gatewaySlots('policy-evaluator');

  it('a changed secret rotates: the idle agent gets it, the id ESV switches to it, the previous agent retires after the restart', () => {
    const p = plan(deployedTenant(), access(), {}, 'Rotated-Secret-9876-zyxw-Q');
    expect(writes(p)).toEqual([`update esv:${ESV.gatewayId}`, `update esv:${ESV.gatewaySecret}`, 'create policy-gateway:policy-evaluator', `update policy-gateway:policy-evaluator${RETIRE_SUFFIX}`].sort());
    const prepare = find(p, 'policy-gateway:policy-evaluator')!;
    expect(prepare.kind === 'policy-gateway' && 'settings' in prepare.payload && [prepare.payload.agent, prepare.payload.password]).toEqual([slotB, { secret: 'gatewaySecret' }]);
    const idEsv = find(p, `esv:${ESV.gatewayId}`)!;
    expect(idEsv.diff).toEqual([{ path: 'value', before: slotA, after: slotB }]);
    expect(idEsv.dependsOn).toContain('policy-gateway:policy-evaluator');
    const retire = find(p, `policy-gateway:policy-evaluator${RETIRE_SUFFIX}`)!;
    expect(retire.kind === 'policy-gateway' && 'settings' in retire.payload && retire.payload.agent).toBe(slotA);
    expect(retire.dependsOn).toEqual([RESTART_KEY]);
    expect(p.restart?.dependsOn).toEqual(expect.arrayContaining([`esv:${ESV.gatewayId}`, `esv:${ESV.gatewaySecret}`]));
    expect(JSON.stringify(p)).not.toContain('Rotated-Secret');
  });

  it('an agent password changed out of band (the plan-time login fails) rotates too', () => {
    const p = plan(deployedTenant({ verified: false }));
    expect(writes(p)).toContain('create policy-gateway:policy-evaluator');
    expect(find(p, 'policy-gateway:policy-evaluator')?.reason).toMatch(/no longer logs in/);
  });

  it('a secret version the tool did not write is drift: a new version and a rotation', () => {
    const p = plan(deployedTenant({ secretVersion: '3', writtenVersion: '2' }));
    const secret = find(p, `esv:${ESV.gatewaySecret}`)!;
    expect(secret.action).toBe('update');
    expect(secret.reason).toMatch(/active version 3 is not the version 2 the tool wrote/);
    expect(writes(p)).toContain('create policy-gateway:policy-evaluator');
  });

  it('a secret created with useInPlaceholders false is replaced (before the restart), saying why', () => {
    const tenant = deployedTenant().map((o) => (o.id === ESV.gatewaySecret ? { ...o, state: { ...(o.state as object), useInPlaceholders: false } } : o)) as ObservedObject[];
    const p = plan(tenant);
    const secret = find(p, `esv:${ESV.gatewaySecret}`)!;
    expect(secret.action).toBe('replace');
    expect(secret.reason).toMatch(/cannot be changed after creation/);
    expect(p.restart?.dependsOn).toContain(`esv:${ESV.gatewaySecret}`);
  });

  it('after a rotation interrupted before its restart, the switched-to agent is kept and the previous one retires after the restart', () => {
    const tenant = deployedTenant({ activeAgent: slotB, idLoaded: false }).map((o) =>
      o.kind === 'policy-gateway' ? { ...o, state: { ...(o.state as { agents: object }), agents: { [slotA]: { settings: { status: 'Active', igTokenIntrospection: 'None', igCdssoRedirectUrls: [] }, wrapped: {} }, [slotB]: { settings: { status: 'Active', igTokenIntrospection: 'None', igCdssoRedirectUrls: [] }, wrapped: {} } } } } : o.id === ESV.gatewayId ? { ...o, pendingRestart: true } : o,
    ) as ObservedObject[];
    const p = plan(tenant);
    expect(writes(p)).toEqual([`update policy-gateway:policy-evaluator${RETIRE_SUFFIX}`]);
    expect(p.restart?.pendingFromEarlier).toEqual([ESV.gatewayId]);
    const retire = find(p, `policy-gateway:policy-evaluator${RETIRE_SUFFIX}`)!;
    expect(retire.kind === 'policy-gateway' && 'settings' in retire.payload && retire.payload.agent).toBe(slotA);
  });
});

describe('an immutable environment (staging, production)', () => {
  const staging = { environment: { immutable: true, locked: false, tier: 'staging' } };

  it('static configuration is never written there: missing or different scripts and journeys are to promote, clients are held', async () => {
    const p = plan([client()], access(), staging);
    const scripts = p.changes.filter((c) => c.kind === 'script' || c.kind === 'journey' || c.kind === 'journey-node');
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.every((c) => c.action === 'promote' && /only by promotion/.test(c.reason ?? ''))).toBe(true);
    // Dynamic configuration is written in each environment directly.
    expect(find(p, 'policy:ordersApi read')?.action).toBe('create');
    expect(find(p, `esv:${ESV.cookie}`)?.action).toBe('create');
    const consumer = find(p, 'oauth2-client:webApp')!;
    expect(consumer.dependsOn).toContain(`script:${SCRIPT_NAMES['policy-eval-mod']}`);

    const { applyPlan } = await import('../../../tooling/engine/apply.js');
    const written: string[] = [];
    const http = { request: async (req: { method: string; path: string }) => (written.push(`${req.method} ${req.path}`), { status: 200, data: {}, headers: {} }), redactor: { add() {}, addSecretHeader() {} } };
    const result = await applyPlan({ ...p, changes: p.changes.filter((c) => c.kind !== 'esv' && c.kind !== 'policy-gateway' && c.kind !== 'resource-type' && c.kind !== 'policy-set' && c.kind !== 'policy') }, { http: http as never, cookieName: 'ck', secrets: { gatewaySecret: SECRET } });
    expect(result.blocked.map((b) => changeKey(b.change))).toEqual(expect.arrayContaining([`script:${SCRIPT_NAMES['policy-eval-mod']}`, 'oauth2-client:webApp']));
    expect(result.blocked.find((b) => b.change.kind === 'oauth2-client')?.reason).toMatch(/held until a promotion brings/);
    // Nothing static, and no client, was written.
    expect(written).toEqual([]);
  });

  it('once promoted (present and identical) static objects are unchanged and the client may be switched', () => {
    const promoted = deployedTenant().map((o) => (o.kind === 'oauth2-client' ? client() : o));
    const p = plan(promoted, access(), staging);
    expect(writes(p)).toEqual(['update oauth2-client:webApp']);
  });

  it('a locked environment refuses every write until the promotion has finished', () => {
    const p = plan([client()], access(), { environment: { immutable: true, locked: true, tier: 'production' } });
    expect(p.diagnostics).toEqual([expect.objectContaining({ severity: 'error', category: 'blocked', code: 'plan.environment-locked' })]);
  });

  it('with a direct configuration session, static configuration is planned as in development', () => {
    const p = plan([client()], access(), { ...staging, directConfiguration: true });
    expect(find(p, `script:${SCRIPT_NAMES['policy-eval-mod']}`)?.action).toBe('create');
    expect(p.environment).toMatchObject({ immutable: true, directConfiguration: true });
  });
});

describe('the dependency graph', () => {
  it('a cycle among the edges a kind adds is a plan error, not an apply that waits forever', async () => {
    const { HANDLERS } = await import('../../../tooling/engine/kinds/index.js');
    const original = HANDLERS.journey.dependencies;
    // A journey that (wrongly) waited for the client, while the client waits for the journey.
    HANDLERS.journey.dependencies = (change, all) => [...(original?.(change, all) ?? []), 'oauth2-client:webApp'];
    try {
      const p = plan([client()]);
      expect(p.diagnostics).toEqual([expect.objectContaining({ severity: 'error', code: 'plan.cycle', message: expect.stringMatching(/journey:AgentLogin -> oauth2-client:webApp -> journey:AgentLogin|oauth2-client:webApp -> journey:AgentLogin -> oauth2-client:webApp/) })]);
    } finally {
      HANDLERS.journey.dependencies = original;
    }
  });
});
