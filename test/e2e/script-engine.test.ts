/**
 * Both script engines end to end on the local tenant, with the real deploy pipeline and — where it
 * is installed (required under CI) — the scripts in real Rhino, where token requests overlap:
 * - the article's demonstrations pass with scriptEngine next-gen at zero outbound calls per token
 *   (the tenant counts them; legacy costs three);
 * - legacy -> next-gen -> legacy on one tenant converges (a second deploy writes nothing) while
 *   tokens are issued throughout — none fails closed — and what the tool did not create survives;
 * - a failed client switch keeps everything the client still uses; the switch back to legacy
 *   keeps the client on its working scripts until the restart has loaded the new ESVs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rhinoAvailable, rhinoServer } from '../../rhino/run.js';
import type { AccessConfig } from '../../tooling/config/access.js';
import { ESV, SCRIPT_NAMES } from '../../tooling/engine/desired/index.js';
import { changeKey, isAdoptedDescription, isManagedDescription, RESTART_KEY } from '../../tooling/engine/model.js';
import { runLocalDemonstrations } from '../../tooling/local/demonstrate.js';
import type { LocalTenantHandle } from '../../tooling/local/tenant.js';
import { Redactor } from '../../common/redact.js';
import { runDeploy } from '../../tooling/engine/deploy.js';
import { danglingClientReferences } from '../helpers/tenant-state.js';
import { agentJourney, articleAccess, GATEWAY_SECRET, scriptBundles, SECRETS, startHarness, type Harness } from '../helpers/local-tenant.js';

const rhino = rhinoAvailable();
const ENGINE = rhino.ok ? 'rhino' : 'node';
if (!rhino.ok && process.env.CI === 'true') throw new Error(`the script engine switch must be tested in real Rhino in CI: ${rhino.reason}`);

const access = (scriptEngine: 'legacy' | 'next-gen'): AccessConfig => ({ ...articleAccess(), scriptEngine });
const READ = { grant_type: 'client_credentials', client_id: 'scopeDrivenAPI1Client', client_secret: SECRETS.scopeDrivenAPI1Client, scope: 'api://scopeDrivenAPI2Client/read' };
const writes = (outcome: Awaited<ReturnType<Harness['deploy']>>) => outcome.plan.changes.filter((c) => c.action !== 'noop').map(changeKey);

let harness: Harness | undefined;
beforeAll(async () => {
  // Started once before any burst of concurrent tokens: first executions would otherwise race to start JVMs.
  if (rhino.ok) await rhinoServer().start();
}, 60_000);
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});
afterAll(async () => {
  await harness?.close();
});

/** What the demonstrations need: the harness's tenant as the CLI's local tenant handle. */
function demoTarget(h: Harness) {
  const local = { url: h.tenant.url, stateDir: '', serviceAccount: h.tenant.serviceAccount, inProcess: true, state: async () => h.tenant.context.state, close: async () => {} } as LocalTenantHandle;
  return { baseUrl: h.tenant.url, realm: 'alpha', redactor: new Redactor(), local };
}

/** Tokens in a loop (`parallel` in flight) until stopped; every one that is not exactly `read` is recorded. */
function tokensThroughout(h: Harness, parallel = 3) {
  let stop = false;
  let issued = 0;
  const wrong: string[] = [];
  const loop = async () => {
    while (!stop) {
      const { status, body } = await h.token(READ);
      issued += 1;
      if (status !== 200 || body.scope !== 'read') wrong.push(`HTTP ${status} scope ${JSON.stringify(body.scope)} ${String(body.error ?? '')}`);
    }
  };
  const loops = Array.from({ length: parallel }, loop);
  return {
    get issued() {
      return issued;
    },
    async stop() {
      stop = true;
      await Promise.all(loops);
      return { issued, wrong };
    },
  };
}

describe(`the article's demonstrations (${ENGINE} engine)`, () => {
  it('pass with scriptEngine next-gen, with zero outbound calls per token, and without agent, journey or gateway ESVs', async () => {
    harness = await startHarness({ engine: ENGINE });
    const outcome = await harness.deploy(access('next-gen'));
    expect(outcome.ok).toBe(true);
    const counters = harness.tenant.context.runtime.counters;
    const [calls, tokens] = [counters.scriptHttpCalls, counters.tokensIssued];
    const demos = await runLocalDemonstrations(demoTarget(harness), access('next-gen'), () => {});
    expect(demos.results.map((r) => [r.name, r.ok, r.problems])).toEqual(demos.results.map((r) => [r.name, true, []]));
    expect(demos.results).toHaveLength(2);
    expect(counters.tokensIssued - tokens).toBeGreaterThanOrEqual(2);
    expect(counters.scriptHttpCalls - calls).toBe(0);
    const realm = harness.tenant.context.state.realms.alpha;
    expect(Object.keys(realm.igAgents)).toEqual([]);
    expect(realm.trees.AgentLogin).toBeUndefined();
    expect(Object.keys(harness.tenant.context.state.esv.variables)).toEqual([ESV.identityClaims]);
    expect(Object.keys(harness.tenant.context.state.esv.secrets)).toEqual([]);
    const scripts = Object.values(realm.scripts).map((s) => [s.name, s.context, s.evaluatorVersion]);
    expect(scripts).toEqual(expect.arrayContaining([[SCRIPT_NAMES['policy-eval-mod-next-gen'], 'OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN', '2.0'], [SCRIPT_NAMES['scope-validation-next-gen'], 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN', '2.0']]));
  }, 120_000);

  it('and with legacy they cost three outbound calls per token (what the counter counts)', async () => {
    harness = await startHarness({ engine: ENGINE });
    expect((await harness.deploy(access('legacy'))).ok).toBe(true);
    const counters = harness.tenant.context.runtime.counters;
    const calls = counters.scriptHttpCalls;
    const demos = await runLocalDemonstrations(demoTarget(harness), access('legacy'), () => {});
    expect(demos.ok).toBe(true);
    expect(counters.scriptHttpCalls - calls).toBe(6);
  }, 120_000);
});

describe(`switching engines on one tenant (${ENGINE} engine)`, () => {
  it('legacy -> next-gen -> legacy converges, tokens keep working throughout, and what the tool did not create survives', async () => {
    const h = (harness = await startHarness({ engine: ENGINE }));
    const violations: string[] = [];
    h.tenant.onWrite((event, context) => violations.push(...danglingClientReferences(context, 'alpha').map((v) => `after ${event.method} ${event.path}: ${v}`)));
    expect((await h.deploy(access('legacy'))).ok).toBe(true);
    const state = h.tenant.context.state;
    const realm = state.realms.alpha;
    // What a person made by hand: an agent, an ESV, a script, a journey (none marked).
    realm.igAgents['hand-made-agent'] = { _id: 'hand-made-agent', status: 'Active', userpassword: 'hand-made-Password-1' };
    state.esv.variables['esv-hand-made'] = { _id: 'esv-hand-made', valueBase64: Buffer.from('x').toString('base64'), description: 'made in the console', expressionType: 'string', lastChangeDate: '', loaded: true };
    realm.scripts['0000aaaa-0000-4000-8000-000000000001'] = { _id: '0000aaaa-0000-4000-8000-000000000001', name: 'hand-made script', description: 'made in the console', script: '', language: 'JAVASCRIPT', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', evaluatorVersion: '1.0', default: false };
    const handMade = () => [Boolean(realm.igAgents['hand-made-agent']), Boolean(state.esv.variables['esv-hand-made']), Boolean(realm.scripts['0000aaaa-0000-4000-8000-000000000001']), Boolean(realm.trees.PasswordGrant)];

    const tokens = tokensThroughout(h);
    const issuedDuring: number[] = [];
    for (const engine of ['next-gen', 'legacy'] as const) {
      const before = tokens.issued;
      const switched = await h.deploy(access(engine));
      issuedDuring.push(tokens.issued - before);
      expect(switched.ok, JSON.stringify(switched.diagnostics)).toBe(true);
      const again = await h.deploy(access(engine));
      expect(writes(again)).toEqual([]);
      expect(again.plan.restart).toBeUndefined();
      expect(handMade()).toEqual([true, true, true, true]);
      const names = Object.values(realm.scripts).map((s) => s.name);
      if (engine === 'next-gen') {
        expect(names).not.toContain(SCRIPT_NAMES['policy-eval-mod']);
        expect(Object.keys(realm.igAgents)).toEqual(['hand-made-agent']);
        expect(realm.trees.AgentLogin).toBeUndefined();
        expect(Object.keys(state.esv.variables).sort()).toEqual(['esv-hand-made', ESV.identityClaims].sort());
        expect(Object.keys(state.esv.secrets)).toEqual([]);
        expect(again.diagnostics).toEqual([]);
      } else {
        expect(names).not.toContain(SCRIPT_NAMES['policy-eval-mod-next-gen']);
        expect(Object.keys(realm.igAgents).sort()).toEqual(['hand-made-agent', 'policy-evaluator']);
        expect(isManagedDescription(realm.trees.AgentLogin?.description)).toBe(true);
        expect(Buffer.from(state.esv.variables[ESV.gatewayCreated].valueBase64, 'base64').toString()).toBe('policy-evaluator');
      }
    }
    const { issued, wrong } = await tokens.stop();
    expect(wrong).toEqual([]);
    expect(issuedDuring.every((n) => n > 0), `tokens issued during each switch: ${issuedDuring.join(', ')}`).toBe(true);
    expect(issued).toBeGreaterThan(10);
    expect(violations).toEqual([]);
  }, 180_000);

  it('an agent a person made before the first deploy (the article has you create it) is kept when the gateway is no longer needed', async () => {
    const h = (harness = await startHarness({ engine: ENGINE }));
    h.tenant.context.state.realms.alpha.igAgents['policy-evaluator'] = { _id: 'policy-evaluator', status: 'Active', userpassword: GATEWAY_SECRET, igTokenIntrospection: 'None', igCdssoRedirectUrls: [] };
    expect((await h.deploy(access('legacy'))).ok).toBe(true);
    expect((await h.token(READ)).body.scope).toBe('read');
    // The plan could not verify the hand-made agent's password (no secret ESV yet), so it rotated to
    // the second agent, which the tool created: only that one is in the record.
    expect(Buffer.from(h.tenant.context.state.esv.variables[ESV.gatewayCreated].valueBase64, 'base64').toString()).toBe('policy-evaluator-b');
    const switched = await h.deploy(access('next-gen'));
    expect(switched.ok).toBe(true);
    expect(switched.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'plan.gateway-agent-kept' })]);
    expect(Object.keys(h.tenant.context.state.realms.alpha.igAgents)).toEqual(['policy-evaluator']);
    expect(writes(await h.deploy(access('next-gen')))).toEqual([]);
    expect((await h.token(READ)).body.scope).toBe('read');
  }, 120_000);

  it('a gateway secret a person made before the first deploy (as the article does) is adopted, never deleted: kept, with a warning, when no longer needed', async () => {
    const h = (harness = await startHarness({ engine: ENGINE }));
    const esv = h.tenant.context.state.esv;
    const valueBase64 = Buffer.from(GATEWAY_SECRET).toString('base64');
    esv.secrets[ESV.gatewaySecret] = { _id: ESV.gatewaySecret, description: 'made in the console', encoding: 'generic', useInPlaceholders: true, lastChangeDate: '', loaded: true, activeVersion: '1', loadedVersion: '1', versions: [{ version: '1', valueBase64, createDate: '', status: 'ENABLED', loaded: true }] };
    expect((await h.deploy(access('legacy'))).ok).toBe(true);
    expect((await h.token(READ)).body.scope).toBe('read');
    expect(isManagedDescription(esv.secrets[ESV.gatewaySecret].description)).toBe(false);
    expect(isAdoptedDescription(esv.secrets[ESV.gatewaySecret].description)).toBe(true);
    expect(writes(await h.deploy(access('legacy')))).toEqual([]);
    const switched = await h.deploy(access('next-gen'));
    expect(switched.ok).toBe(true);
    expect(switched.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'plan.esv-kept', object: `esv:${ESV.gatewaySecret}` })]);
    expect(Object.keys(esv.secrets)).toEqual([ESV.gatewaySecret]);
    expect(writes(await h.deploy(access('next-gen')))).toEqual([]);
    expect((await h.token(READ)).body.scope).toBe('read');
  }, 120_000);

  it('a client the access file does not name, pointed at the legacy script by hand, keeps that script alive (with a warning) when the engine switches', async () => {
    const h = (harness = await startHarness({ engine: ENGINE }));
    expect((await h.deploy(access('legacy'))).ok).toBe(true);
    const realm = h.tenant.context.state.realms.alpha;
    const legacy = Object.values(realm.scripts).find((s) => s.name === SCRIPT_NAMES['policy-eval-mod'])!;
    // A copy of a consumer, made in the console, with only the token modification script set.
    const copy = structuredClone(realm.oauth2Clients.scopeDrivenAPI1Client) as Record<string, unknown>;
    realm.oauth2Clients['hand-made-client'] = { ...copy, _id: 'hand-made-client', overrideOAuth2ClientConfig: { providerOverridesEnabled: true, accessTokenModificationScript: legacy._id } };
    const switched = await h.deploy(access('next-gen'));
    expect(switched.ok).toBe(true);
    expect(switched.diagnostics).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'plan.script-in-use', object: `script:${SCRIPT_NAMES['policy-eval-mod']}`, message: expect.stringContaining('hand-made-client') })]));
    expect(realm.scripts[String(legacy._id)]).toBeDefined();
    expect((await h.token(READ)).body.scope).toBe('read');
  }, 120_000);

  it('a client switch that fails keeps the scripts, agent, journey and ESVs it still uses; the next deploy finishes the switch', async () => {
    const h = (harness = await startHarness({ engine: ENGINE }));
    expect((await h.deploy(access('legacy'))).ok).toBe(true);
    const consumer = h.tenant.context.state.realms.alpha.oauth2Clients.scopeDrivenAPI1Client as { coreOAuth2ClientConfig: Record<string, unknown> };
    // AM refuses the client's PUT (an attribute its schema does not know): the switch fails.
    consumer.coreOAuth2ClientConfig.notAnAttribute = { inherited: false, value: 1 };
    const failed = await h.deploy(access('next-gen'));
    expect(failed.ok).toBe(false);
    expect(failed.result?.failed.map((f) => changeKey(f.change))).toEqual(['oauth2-client:scopeDrivenAPI1Client']);
    const skipped = failed.result!.skipped.map((s) => changeKey(s.change));
    expect(skipped).toEqual(expect.arrayContaining([`script:${SCRIPT_NAMES['policy-eval-mod']}`, 'policy-gateway:policy-evaluator', 'journey:AgentLogin', `esv:${ESV.gatewaySecret}`, `esv:${ESV.tenant}`]));
    expect(danglingClientReferences(h.tenant.context, 'alpha')).toEqual([]);
    const token = await h.token(READ);
    expect(token.body.scope).toBe('read');
    expect(h.tenant.context.runtime.log.filter((l) => l.source === 'script' && l.level === 'error')).toEqual([]);
    delete consumer.coreOAuth2ClientConfig.notAnAttribute;
    expect((await h.deploy(access('next-gen'))).ok).toBe(true);
    expect(writes(await h.deploy(access('next-gen')))).toEqual([]);
    expect((await h.token(READ)).body.scope).toBe('read');
  }, 120_000);

  it('next-gen -> legacy without the restart: the client keeps its next-gen scripts (the new ESVs are not loaded yet); the restart finishes the switch', async () => {
    const h = (harness = await startHarness({ engine: ENGINE }));
    expect((await h.deploy(access('next-gen'))).ok).toBe(true);
    const deployInputs = { access: access('legacy'), realm: 'alpha', tenantEsvValue: h.tenant.url, gatewayId: 'policy-evaluator', secrets: { gatewaySecret: GATEWAY_SECRET }, scripts: await scriptBundles(), journey: await agentJourney() };
    const held = await runDeploy(h.http, deployInputs, { restart: false });
    expect(find(held.plan, 'oauth2-client:scopeDrivenAPI1Client')?.dependsOn).toContain(RESTART_KEY);
    expect(held.result?.deferred.map((d) => changeKey(d.change))).toEqual(expect.arrayContaining(['oauth2-client:scopeDrivenAPI1Client', `script:${SCRIPT_NAMES['policy-eval-mod-next-gen']}`]));
    const overrides = h.tenant.context.state.realms.alpha.oauth2Clients.scopeDrivenAPI1Client.overrideOAuth2ClientConfig as Record<string, unknown>;
    expect(h.tenant.context.state.realms.alpha.scripts[String(overrides.accessTokenModificationScript)]?.name).toBe(SCRIPT_NAMES['policy-eval-mod-next-gen']);
    expect((await h.token(READ)).body.scope).toBe('read');
    const finished = await h.deploy(access('legacy'));
    expect(finished.ok).toBe(true);
    expect(finished.restarted).toBe(true);
    expect(h.tenant.context.state.realms.alpha.scripts[String(overrides.accessTokenModificationScript)]).toBeUndefined();
    expect((await h.token(READ)).body.scope).toBe('read');
    expect(writes(await h.deploy(access('legacy')))).toEqual([]);
  }, 120_000);
});

function find(plan: { changes: { kind: string; id: string; dependsOn: string[] }[] }, key: string) {
  return plan.changes.find((c) => changeKey(c) === key);
}
