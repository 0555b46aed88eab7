/**
 * The local tenant runs stored scripts by their context, in either engine: the legacy bundles
 * (three outbound calls per token through the front door), the next-generation bundles (the policy
 * binding in-process: zero outbound calls), a script whose context AM would not call there fails
 * the request, and POLICY_CONDITION scripts run for the policy engine (runConditionScript).
 * `engine: 'rhino'` is real Rhino 1.7.14 through the long-lived engine server; without Java/Rhino
 * those runs fail under CI=true and are skipped (with the reason printed) elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { rhinoAvailable } from '../../../rhino/run.js';
import { buildScripts, type NextGenBuiltScript } from '../../../tooling/build/build-scripts.js';
import { runConditionScript } from '../../../tenant/runtime/scripting.js';
import { call, CONSUMER, form, MOD_SCRIPT_ID, oauth2, PROVIDER, REALM, SCOPE_SCRIPT_ID, startPreparedTenant, type Started } from './fixture.js';
import { CLIENT_CONDITION } from '../../scripts/condition-cases.js';

const engine = rhinoAvailable();
const mustRun = process.env.CI === 'true';
if (!engine.ok && !mustRun) process.stderr.write(`Skipping the local tenant's Rhino engine runs: ${engine.reason}\n`);
const engines = (['node', 'rhino'] as const).filter((name) => name === 'node' || engine.ok || mustRun);

const NG_SCOPE_ID = '11111111-2222-4333-8444-5555555555a1';
const NG_MOD_ID = '11111111-2222-4333-8444-5555555555a2';
const CONDITION_ID = '11111111-2222-4333-8444-5555555555a3';

let nextGen: Record<string, NextGenBuiltScript>;
beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'next-gen-bundles-'));
  try {
    nextGen = Object.fromEntries((await buildScripts(dir, { engines: ['next-gen'] })).map((b) => [b.name, b as NextGenBuiltScript]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe.each(engines)('local tenant with engine %s', (engineName) => {
  let t: Started;
  const realm = () => t.tenant.context.state.realms[REALM];
  const overrides = () => realm().oauth2Clients[CONSUMER].overrideOAuth2ClientConfig as Record<string, unknown>;
  const store = (id: string, name: string, context: string, source: string, evaluatorVersion: string) =>
    (realm().scripts[id] = { _id: id, name, description: '', script: Buffer.from(source).toString('base64'), language: 'JAVASCRIPT', context, evaluatorVersion, default: false });
  const usingScripts = (scopeScript: string, modScript: string) => Object.assign(overrides(), { validateScopeScript: scopeScript, accessTokenModificationScript: modScript });
  const token = (scope: string) => call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'client_credentials', scope, client_id: CONSUMER, client_secret: t.consumerSecret }));
  const introspect = async (accessToken: string) => (await call(oauth2(t.tenant, 'introspect'), form({ token: accessToken, client_id: CONSUMER, client_secret: t.consumerSecret }))).json;
  const agentSessions = () => [...t.tenant.context.runtime.sessions.values()].filter((s) => s.kind === 'agent');

  beforeAll(async () => {
    if (engineName === 'rhino' && !engine.ok) throw new Error(`The Rhino engine test must run in CI: ${engine.reason}`);
    t = await startPreparedTenant({ engine: engineName });
    // Secrets reach systemEnv only when usable in placeholders (AM-FACTS §1), as the deploy tool creates them.
    for (const secret of Object.values(t.tenant.context.state.esv.secrets)) secret.useInPlaceholders = true;
    store(NG_SCOPE_ID, 'NextGen Scope Validation', 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN', nextGen['scope-validation-next-gen'].source, '2.0');
    store(NG_MOD_ID, 'NextGen PolicyEvalMod', 'OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN', nextGen['policy-eval-mod-next-gen'].source, '2.0');
    store(CONDITION_ID, 'Only web-app', 'POLICY_CONDITION', CLIENT_CONDITION, '1.0');
  }, 120_000);
  afterAll(async () => t?.close());

  it('legacy scripts: api://scopeDrivenAPI2Client/read narrowed to read with aud and policyResult true, three outbound calls', async () => {
    usingScripts(SCOPE_SCRIPT_ID, MOD_SCRIPT_ID);
    const before = t.tenant.context.runtime.counters.scriptHttpCalls;
    const answer = await token(`api://${PROVIDER}/read`);
    expect(answer.status).toBe(200);
    expect(answer.json.scope).toBe('read');
    expect(await introspect(String(answer.json.access_token))).toMatchObject({ active: true, scope: 'read', aud: PROVIDER, policyResult: true });
    expect(t.tenant.context.runtime.counters.scriptHttpCalls - before).toBe(3);
    expect(agentSessions()).toEqual([]);
  }, 120_000);

  it('next-generation scripts: the same token through the policy binding, zero outbound calls, no agent session', async () => {
    usingScripts(NG_SCOPE_ID, NG_MOD_ID);
    const counters = t.tenant.context.runtime.counters;
    const before = { calls: counters.scriptHttpCalls, requests: counters.requests };
    const answer = await token(`api://${PROVIDER}/read`);
    expect(answer.status).toBe(200);
    expect(answer.json.scope).toBe('read');
    expect(await introspect(String(answer.json.access_token))).toMatchObject({ active: true, scope: 'read', aud: PROVIDER, policyResult: true });
    expect(counters.scriptHttpCalls - before.calls).toBe(0);
    // The token and the introspection: no script request reached the front door.
    expect(counters.requests - before.requests).toBe(2);
    expect(agentSessions()).toEqual([]);
  }, 60_000);

  it('next-generation scripts: an ungranted scope gives no aud and policyResult false; two providers are invalid_scope', async () => {
    usingScripts(NG_SCOPE_ID, NG_MOD_ID);
    const denied = await token(`api://${PROVIDER}/write`);
    expect(denied.status).toBe(200);
    expect(denied.json.scope ?? '').toBe('');
    expect(await introspect(String(denied.json.access_token))).toMatchObject({ active: true, policyResult: false });
    const two = await token(`api://${PROVIDER}/read api://billingApi/read`);
    expect(two.status).toBe(400);
    expect(two.json.error).toBe('invalid_scope');
    expect(String(two.json.error_description)).toMatch(/^One audience per token/);
  }, 60_000);

  it('a next-generation token script whose policy set is unknown fails closed (the evaluator throws), logged without secrets', async () => {
    usingScripts(NG_SCOPE_ID, NG_MOD_ID);
    const answer = await token('api://noSuchProvider/read');
    expect(answer.status).toBe(200);
    expect(answer.json.scope ?? '').toBe('');
    const line = t.tenant.context.runtime.log.filter((l) => l.source === 'script' && l.text.includes('failed closed')).pop();
    expect(line?.text).toMatch(/EntitlementException: Application 'noSuchProvider' not found/);
    expect(line?.text).not.toContain(t.consumerSecret);
  }, 60_000);

  it('a script of a context AM would not call there fails the request, as in AM', async () => {
    usingScripts(NG_SCOPE_ID, NG_SCOPE_ID); // token modification pointing at a validate-scope script
    const wrongPlugin = await token(`api://${PROVIDER}/read`);
    expect(wrongPlugin.status).toBe(500);
    expect(wrongPlugin.json.error).toBe('server_error');
    usingScripts(NG_MOD_ID, NG_MOD_ID); // validate scope pointing at a token modification script
    expect((await token(`api://${PROVIDER}/read`)).status).toBe(500);
    store('11111111-2222-4333-8444-5555555555a4', 'NextGen stored as 1.0', 'OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN', nextGen['policy-eval-mod-next-gen'].source, '1.0');
    usingScripts(NG_SCOPE_ID, '11111111-2222-4333-8444-5555555555a4');
    expect((await token(`api://${PROVIDER}/read`)).status).toBe(500);
    const failures = t.tenant.context.runtime.log.filter((l) => l.level === 'error' && /expected OAUTH2_|evaluatorVersion 2.0 only/.test(l.text));
    expect(failures.length).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('runs a POLICY_CONDITION script for the policy engine: authorized, advice and attributes come back', async () => {
    const web = await runConditionScript(t.tenant.context, realm(), CONDITION_ID, { realm: `/${REALM}`, environment: { clientId: ['web-app'] }, identity: { attributes: { uid: ['demo'] } }, resourceURI: 'profile' });
    expect(web).toEqual({ authorized: true, advice: {}, attributes: {}, ttl: null });
    const mobile = await runConditionScript(t.tenant.context, realm(), CONDITION_ID, { realm: `/${REALM}`, environment: { clientId: ['mobile'] }, identity: null, resourceURI: 'email' });
    expect(mobile).toEqual({ authorized: false, advice: { reason: ['client mobile may not have email'] }, attributes: {}, ttl: null });
  }, 60_000);

  it('a condition that cannot be evaluated does not hold: a missing script, a script of another context, a script that throws', async () => {
    const bindings = { realm: `/${REALM}`, environment: { clientId: ['web-app'] }, identity: null, resourceURI: 'profile' };
    expect(await runConditionScript(t.tenant.context, realm(), 'no-such-script', bindings)).toMatchObject({ authorized: false, error: expect.stringContaining('does not exist') });
    expect(await runConditionScript(t.tenant.context, realm(), MOD_SCRIPT_ID, bindings)).toMatchObject({ authorized: false, error: expect.stringContaining('expected POLICY_CONDITION') });
    store('11111111-2222-4333-8444-5555555555a5', 'Throws', 'POLICY_CONDITION', 'authorized = true; throw new Error("boom");', '1.0');
    expect(await runConditionScript(t.tenant.context, realm(), '11111111-2222-4333-8444-5555555555a5', bindings)).toMatchObject({ authorized: false, error: expect.stringContaining('boom') });
  }, 60_000);
});
