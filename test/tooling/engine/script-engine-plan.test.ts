/**
 * The script engine in the desired state and the planner, pure: what `scriptEngine: "next-gen"`
 * asks the tenant to hold, and the plan of a switch either way — the new scripts first, the clients
 * after them (and after the restart when the new scripts read ESVs being created), the other
 * engine's objects deleted only after the clients, and only what the tool made. No HTTP.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AccessConfig } from '../../../tooling/config/access.js';
import { desiredState, ESV, SCRIPT_NAMES, type BundleSource } from '../../../tooling/engine/desired/index.js';
import { changeKey, isManagedDescription, RESTART_KEY, type AnyChange, type DesiredObject, type ObservedObject, type Plan } from '../../../tooling/engine/model.js';
import { computePlan } from '../../../tooling/engine/plan.js';
import { describeWithDigest } from '../../../tooling/engine/secret-digest.js';
import { SWITCH_DRAIN_SECONDS } from '../../../tooling/engine/kinds/oauth2-client.js';

const SECRET = 'Engine-Plan-Test-Secret-0123-abcd';
const JOURNEY = JSON.parse(readFileSync(new URL('../../../journeys/AgentLogin.json', import.meta.url), 'utf8')) as unknown;
const SCRIPTS: BundleSource[] = [
  { name: 'scope-validation', source: 'var a;', context: 'OAUTH2_VALIDATE_SCOPE', engine: 'legacy', evaluatorVersion: '1.0' },
  { name: 'policy-eval-mod', source: 'var b;', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', engine: 'legacy', evaluatorVersion: '1.0' },
  { name: 'scope-validation-next-gen', source: 'var c;', context: 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN', engine: 'next-gen', evaluatorVersion: '2.0' },
  { name: 'policy-eval-mod-next-gen', source: 'var d;', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN', engine: 'next-gen', evaluatorVersion: '2.0' },
];
const NEXT_GEN_MOD = SCRIPT_NAMES['policy-eval-mod-next-gen'];
const NEXT_GEN_SCOPE = SCRIPT_NAMES['scope-validation-next-gen'];
const LEGACY_MOD = SCRIPT_NAMES['policy-eval-mod'];
const LEGACY_SCOPE = SCRIPT_NAMES['scope-validation'];

const access = (scriptEngine?: 'legacy' | 'next-gen'): AccessConfig => ({ consumers: { webApp: {} }, identityClaims: ['isMemberOf'], providers: { ordersApi: { scopes: { read: { grants: [{ client: 'webApp' }] } } } }, ...(scriptEngine ? { scriptEngine } : {}) });
const desired = (config: AccessConfig) => desiredState({ access: config, realm: 'alpha', tenantEsvValue: 'tenant.example.com', cookieName: 'ck', gatewayId: 'policy-evaluator', journeyName: 'AgentLogin', scripts: SCRIPTS, journey: JOURNEY });
const plan = (config: AccessConfig, objects: ObservedObject[]) => computePlan(desired(config), { realm: 'alpha', objects, amVersion: '8.1.0', cookieName: 'ck' }, { gatewaySecret: SECRET });
const find = (p: Plan, key: string) => p.changes.find((c) => changeKey(c) === key);
const writes = (p: Plan) => p.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${changeKey(c)}`).sort();
const client = (overrides: Record<string, unknown> = { providerOverridesEnabled: false }): ObservedObject => ({ kind: 'oauth2-client', id: 'webApp', state: { overrides: overrides as never, allowedScopes: [] } });

/** What the tenant holds once `config` was applied to an empty tenant (every ESV loaded, the agent created by the tool and verified). */
function deployed(config: AccessConfig, options: { agentCreatedByTool?: boolean } = {}): ObservedObject[] {
  const objects: ObservedObject[] = [];
  for (const change of plan(config, [client()]).changes as AnyChange[]) {
    if (change.kind === 'esv' && change.payload.write === 'variable') objects.push({ kind: 'esv', id: change.id, state: { type: 'variable', value: change.id === ESV.gatewayId ? 'policy-evaluator' : change.payload.value, description: change.payload.description, expressionType: 'string', loaded: true } });
    else if (change.kind === 'esv' && change.payload.write === 'secret-create') objects.push({ kind: 'esv', id: change.id, state: { type: 'secret', description: describeWithDigest(change.payload.description, SECRET, '1'), encoding: 'generic', useInPlaceholders: true, activeVersion: '1', loadedVersion: '1', loaded: true } });
    else if (change.kind === 'script' && 'definition' in change.payload) objects.push({ kind: 'script', id: change.id, state: { _id: change.payload.uuid, ...change.payload.definition } });
    else if (change.kind === 'policy-gateway') {
      const created = options.agentCreatedByTool ?? true;
      objects.push({ kind: 'policy-gateway', id: change.id, state: { agents: { 'policy-evaluator': { settings: { status: 'Active', igTokenIntrospection: 'None', igCdssoRedirectUrls: [] }, wrapped: {} } }, created: created ? ['policy-evaluator'] : [], recorded: created, named: 'policy-evaluator', verified: { agent: 'policy-evaluator', ok: true } } });
    } else if (change.kind === 'journey-node') objects.push({ kind: 'journey-node', id: change.id, state: change.payload });
    else if (change.kind === 'journey') objects.push({ kind: 'journey', id: change.id, state: change.payload });
    else if (change.kind === 'resource-type' && 'body' in change.payload) objects.push({ kind: 'resource-type', id: change.id, state: { ...change.payload.body, uuid: change.payload.uuid } as never });
    else if (change.kind === 'policy-set' && 'body' in change.payload) objects.push({ kind: 'policy-set', id: change.id, state: change.payload.body });
    else if (change.kind === 'policy' && 'body' in change.payload) objects.push({ kind: 'policy', id: change.id, state: change.payload.body as never });
    else if (change.kind === 'oauth2-client') objects.push(client(change.payload.overrides));
  }
  return objects;
}

/** The legacy tenant as the next-gen plan reads it: the retired gateway and journey are read by id too (the same objects). */
const asRetired = (objects: ObservedObject[]) =>
  objects.map((o) => (o.kind === 'journey-node' ? { ...o, id: `${o.id}@${(o.state as { nodeType: string }).nodeType}/${(o.state as { version: string }).version}` } : o));

describe('scriptEngine in the desired state', () => {
  it('next-gen: the two next-generation scripts (2.0), the identity-claims ESV, no agent, journey or gateway ESV; clients point at the next-gen scripts', () => {
    const state = desired(access('next-gen'));
    const scripts = state.objects.filter((o): o is DesiredObject<'script'> => o.kind === 'script');
    expect(scripts.map((s) => [s.id, s.spec.context, s.spec.evaluatorVersion])).toEqual([
      [NEXT_GEN_SCOPE, 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN', '2.0'],
      [NEXT_GEN_MOD, 'OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN', '2.0'],
    ]);
    expect(state.objects.filter((o) => o.kind === 'esv').map((o) => o.id)).toEqual([ESV.identityClaims]);
    expect(state.objects.some((o) => o.kind === 'policy-gateway' || o.kind === 'journey' || o.kind === 'journey-node')).toBe(false);
    const overrides = (state.objects.find((o) => o.kind === 'oauth2-client') as DesiredObject<'oauth2-client'>).spec.overrides;
    expect(overrides.accessTokenModificationScript).toEqual({ $ref: { kind: 'script', id: NEXT_GEN_MOD, field: '_id' } });
    expect(overrides.validateScopeScript).toEqual({ $ref: { kind: 'script', id: NEXT_GEN_SCOPE, field: '_id' } });
    // The legacy engine's objects are read, to be deleted when they are the tool's.
    expect(state.retired.map((r) => `${r.kind}:${r.id}`)).toEqual(
      expect.arrayContaining([`script:${LEGACY_SCOPE}`, `script:${LEGACY_MOD}`, 'policy-gateway:policy-evaluator', 'journey:AgentLogin', 'journey-node:4a5c9b2e-6d1f-4c8a-9e3b-1f2a7d6c5b01@PageNode/1.0']),
    );
  });

  it('legacy (the default): the legacy scripts (1.0), the gateway and a marked AgentLogin tree; the next-gen scripts are retired', () => {
    for (const state of [desired(access()), desired(access('legacy'))]) {
      expect(state.objects.filter((o) => o.kind === 'script').map((o) => (o as DesiredObject<'script'>).spec.evaluatorVersion)).toEqual(['1.0', '1.0']);
      expect(state.objects.some((o) => o.kind === 'policy-gateway')).toBe(true);
      expect(isManagedDescription((state.objects.find((o) => o.kind === 'journey') as DesiredObject<'journey'>).spec.description)).toBe(true);
      expect(state.retired).toEqual([{ kind: 'script', id: NEXT_GEN_SCOPE }, { kind: 'script', id: NEXT_GEN_MOD }]);
    }
  });

  it('refuses a bundle whose stated engine or evaluatorVersion disagrees with the script it is deployed as', () => {
    const wrong = SCRIPTS.map((s) => (s.name === 'policy-eval-mod-next-gen' ? { ...s, evaluatorVersion: '1.0' } : s));
    expect(() => desiredState({ access: access('next-gen'), realm: 'alpha', tenantEsvValue: 't', cookieName: 'ck', gatewayId: 'policy-evaluator', journeyName: 'AgentLogin', scripts: wrong, journey: JOURNEY })).toThrow(/evaluatorVersion 1.0, expected next-gen \/ 2.0/);
  });
});

describe('switching legacy -> next-gen', () => {
  const p = plan(access('next-gen'), asRetired(deployed(access('legacy'))));
  const clientChange = () => find(p, 'oauth2-client:webApp')!;

  it('creates the next-gen scripts, then switches the client (waiting for in-flight tokens), then deletes the legacy machinery', () => {
    expect(p.diagnostics).toEqual([]);
    expect(writes(p)).toEqual(
      [
        `create script:${NEXT_GEN_MOD}`,
        `create script:${NEXT_GEN_SCOPE}`,
        'update oauth2-client:webApp',
        `delete script:${LEGACY_MOD}`,
        `delete script:${LEGACY_SCOPE}`,
        `delete esv:${ESV.tenant}`,
        `delete esv:${ESV.cookie}`,
        `delete esv:${ESV.gatewayId}`,
        `delete esv:${ESV.gatewaySecret}`,
        'delete policy-gateway:policy-evaluator',
        'delete journey:AgentLogin',
        ...['01@PageNode', '02@ValidatedUsernameNode', '03@ValidatedPasswordNode', '04@AgentDataStoreDecisionNode'].map((n) => `delete journey-node:4a5c9b2e-6d1f-4c8a-9e3b-1f2a7d6c5b${n}/1.0`),
      ].sort(),
    );
    expect(clientChange().dependsOn).toEqual(expect.arrayContaining([`script:${NEXT_GEN_MOD}`, `script:${NEXT_GEN_SCOPE}`]));
    // Nothing new to load: the identity-claims ESV is already there, so no restart and no wait for one.
    expect(clientChange().dependsOn).not.toContain(RESTART_KEY);
    expect(p.restart).toBeUndefined();
    expect(clientChange().kind === 'oauth2-client' && clientChange().payload).toMatchObject({ drainSeconds: SWITCH_DRAIN_SECONDS });
  });

  it('every delete waits for the client switch; a tree before its nodes, a page node before the nodes it holds', () => {
    for (const change of p.changes.filter((c) => c.action === 'delete' && c.kind !== 'journey-node')) expect(change.dependsOn, changeKey(change)).toContain('oauth2-client:webApp');
    const page = 'journey-node:4a5c9b2e-6d1f-4c8a-9e3b-1f2a7d6c5b01@PageNode/1.0';
    expect(find(p, page)?.dependsOn).toEqual(['journey:AgentLogin']);
    expect(find(p, 'journey-node:4a5c9b2e-6d1f-4c8a-9e3b-1f2a7d6c5b02@ValidatedUsernameNode/1.0')?.dependsOn).toEqual([page, 'journey:AgentLogin'].sort());
  });

  it('deletes only the agents the record says the tool created, then the record', () => {
    const gateway = find(p, 'policy-gateway:policy-evaluator')!;
    expect(gateway.kind === 'policy-gateway' && gateway.payload).toEqual({ delete: true, agents: ['policy-evaluator'], record: true });
  });

  it('an agent a person made (not in the record) is kept, with a warning; so is a journey tree without the marker, and its nodes', () => {
    const tenant = asRetired(deployed(access('legacy'), { agentCreatedByTool: false })).map((o) => (o.kind === 'journey' ? { ...o, state: { ...(o.state as object), description: 'made in the console' } } : o)) as ObservedObject[];
    const kept = plan(access('next-gen'), tenant);
    expect(writes(kept).filter((w) => / (policy-gateway|journey|journey-node):/.test(w))).toEqual([]);
    expect(kept.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'plan.gateway-agent-kept', object: 'policy-gateway:policy-evaluator' })]);
    expect(kept.diagnostics[0].message).toMatch(/did not create it: kept/);
  });

  it('a script no longer desired that a client still points at is kept, with a warning', () => {
    const tenant = asRetired(deployed(access('legacy')));
    const legacyMod = tenant.find((o) => o.kind === 'script' && o.id === LEGACY_MOD)!.state as { _id: string };
    const other: ObservedObject = { kind: 'oauth2-client', id: 'reportsApp', state: { overrides: { providerOverridesEnabled: true, usePolicyEngineForScope: true, scopesPolicySet: 'oauth2Scopes', accessTokenModificationScript: legacyMod._id } as never, allowedScopes: [] } };
    const kept = plan(access('next-gen'), [...tenant, other]);
    expect(writes(kept)).not.toContain(`delete script:${LEGACY_MOD}`);
    expect(kept.diagnostics).toEqual([expect.objectContaining({ code: 'plan.script-in-use', object: `script:${LEGACY_MOD}` })]);
  });
});

describe('switching next-gen -> legacy', () => {
  const nextGen = deployed(access('next-gen'));
  const p = plan(access('legacy'), nextGen);

  it('the client switches only after the restart has loaded the ESVs the legacy script reads (it keeps working scripts meanwhile)', () => {
    expect(writes(p)).toEqual(expect.arrayContaining([`create esv:${ESV.cookie}`, `create esv:${ESV.gatewaySecret}`, 'create policy-gateway:policy-evaluator', 'create journey:AgentLogin', `create script:${LEGACY_MOD}`, `delete script:${NEXT_GEN_MOD}`]));
    const clientChange = find(p, 'oauth2-client:webApp')!;
    expect(clientChange.dependsOn).toEqual(expect.arrayContaining([RESTART_KEY, `script:${LEGACY_MOD}`, 'policy-gateway:policy-evaluator', 'journey:AgentLogin']));
    expect(find(p, `script:${NEXT_GEN_MOD}`)?.dependsOn).toEqual(['oauth2-client:webApp']);
    expect(p.restart?.loads).toEqual(expect.arrayContaining([ESV.cookie, ESV.gatewayId, ESV.gatewaySecret, ESV.tenant]));
  });

  it("the agent the tool creates is recorded first, with the plan showing it", () => {
    const gateway = find(p, 'policy-gateway:policy-evaluator')!;
    expect(gateway.action).toBe('create');
    expect(gateway.kind === 'policy-gateway' && 'settings' in gateway.payload && gateway.payload.record).toEqual(['policy-evaluator']);
    expect(gateway.diff).toContainEqual({ path: ESV.gatewayCreated, before: undefined, after: ['policy-evaluator'] });
  });

  it('an ESV an earlier run left pending (deploy --no-restart) also holds the switch until the restart', () => {
    const created = deployed(access('legacy')).filter((o) => o.kind === 'esv').map((o) => (o.id === ESV.cookie ? { ...o, state: { ...(o.state as object), loaded: false }, pendingRestart: true } : o)) as ObservedObject[];
    const again = plan(access('legacy'), [...nextGen.filter((o) => o.kind !== 'esv'), ...created]);
    expect(writes(again).filter((w) => w.startsWith('create esv'))).toEqual([]);
    expect(find(again, 'oauth2-client:webApp')?.dependsOn).toContain(RESTART_KEY);
    expect(again.restart?.pendingFromEarlier).toEqual([ESV.cookie]);
  });

  it('a first deploy does not wait for the restart (the client had no scripts to keep) and does not drain', () => {
    const first = plan(access('legacy'), [client()]);
    const clientChange = find(first, 'oauth2-client:webApp')!;
    expect(clientChange.dependsOn).not.toContain(RESTART_KEY);
    expect(clientChange.kind === 'oauth2-client' && clientChange.payload.drainSeconds).toBeUndefined();
  });

  it('once applied, plans nothing (either engine)', () => {
    for (const engine of ['legacy', 'next-gen'] as const) expect(writes(plan(access(engine), engine === 'legacy' ? deployed(access('legacy')) : nextGen))).toEqual([]);
  });
});

describe('switching engines in a promotion group (dev → staging → prod)', () => {
  const withEnvironment = (environment: { immutable: boolean; tier: string; hasUpper: boolean }, pruneStatic = false) =>
    computePlan(desired(access('next-gen')), { realm: 'alpha', objects: asRetired(deployed(access('legacy'))), amVersion: '8.1.0', cookieName: 'ck' }, { gatewaySecret: SECRET }, { environment: { locked: false, ...environment }, pruneStatic });
  const staticDeletes = (p: Plan) => writes(p).filter((w) => /^delete (script|journey|journey-node):/.test(w));

  it('development below others keeps the other engine\'s static configuration (the upper ones still run it), saying so', () => {
    const p = withEnvironment({ immutable: false, tier: 'development', hasUpper: true });
    expect(staticDeletes(p)).toEqual([]);
    expect(writes(p)).toContain('update oauth2-client:webApp');
    const kept = p.diagnostics.filter((d) => d.code === 'plan.static-kept');
    expect(kept.map((d) => d.object)).toEqual(expect.arrayContaining([`script:${LEGACY_MOD}`, `script:${LEGACY_SCOPE}`, 'journey:AgentLogin']));
    expect(kept.every((d) => d.severity === 'warning' && /--prune-static/.test(d.message))).toBe(true);
  });

  it('--prune-static, once every environment has switched, deletes it', () => {
    expect(staticDeletes(withEnvironment({ immutable: false, tier: 'development', hasUpper: true }, true))).toEqual(expect.arrayContaining([`delete script:${LEGACY_MOD}`, 'delete journey:AgentLogin']));
  });

  it('a development environment alone (no upper one) deletes it as before', () => {
    expect(staticDeletes(withEnvironment({ immutable: false, tier: 'development', hasUpper: false }))).toContain(`delete script:${LEGACY_MOD}`);
  });

  it.each([
    ['staging', true],
    ['production', false],
  ])('in %s the static deletes come with a promotion: not written, not blocking, the client switch not held by them', (tier, hasUpper) => {
    const upper = computePlan(
      desired(access('next-gen')),
      { realm: 'alpha', objects: [...asRetired(deployed(access('legacy'))), ...deployed(access('next-gen')).filter((o) => o.kind === 'script')], amVersion: '8.1.0', cookieName: 'ck' },
      { gatewaySecret: SECRET },
      { environment: { immutable: true, locked: false, tier, hasUpper } },
    );
    expect(staticDeletes(upper)).toEqual([]);
    expect(upper.changes.some((c) => c.action === 'promote')).toBe(false);
    expect(writes(upper)).toContain('update oauth2-client:webApp');
    expect(upper.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
