/**
 * `npm run verify` against the local tenant in both engine modes: PASS when the whole chain gives
 * the probe consumer its audience scope; FAIL with what was expected, what came back and what to
 * check otherwise (a policy that denies, a script that failed closed, refused credentials, a client
 * that runs no script). As the CLI runs it, too: exit codes, the tenant given as a real one
 * (AIC_TENANT) or the local one, and never a secret or a token in what it prints.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redactor } from '../../common/redact.js';
import { rhinoAvailable, rhinoServer } from '../../rhino/run.js';
import type { AccessConfig } from '../../tooling/config/access.js';
import { serviceAccountAuth } from '../../tooling/rest/auth.js';
import { resolveProbe } from '../../tooling/verify/probe-settings.js';
import { scriptsInUse } from '../../tooling/verify/scripts-in-use.js';
import { renderVerify, runVerify } from '../../tooling/verify/verify.js';
import { addClients } from '../helpers/tenant-state.js';
import { articleAccess, ROOT, SECRETS, startHarness, type Harness } from '../helpers/local-tenant.js';

const rhino = rhinoAvailable();
const ENGINE = rhino.ok ? 'rhino' : 'node';
const access = (scriptEngine: 'legacy' | 'next-gen'): AccessConfig => ({ ...articleAccess(), scriptEngine });
const CONSUMER = { clientId: 'scopeDrivenAPI1Client', clientSecret: SECRETS.scopeDrivenAPI1Client };

let harness: Harness | undefined;
beforeAll(async () => {
  if (rhino.ok) await rhinoServer().start();
}, 60_000);
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** verify in this process, as the CLI wires it: probe from "the environment", scripts in use read with the admin client. */
async function verify(h: Harness, probe: { clientId?: string; clientSecret?: string; scope?: string }, configuredEngine?: 'legacy' | 'next-gen') {
  const redactor = new Redactor();
  const env = { local: false, realm: 'alpha', verify: { clientId: probe.clientId ?? CONSUMER.clientId, clientSecret: probe.clientSecret ?? CONSUMER.clientSecret, scope: probe.scope ?? '' } };
  const resolved = await resolveProbe(env, redactor);
  const inUse = await scriptsInUse(h.http, 'alpha', resolved.clientId);
  return runVerify({ baseUrl: h.tenant.url, realm: 'alpha', local: false, onSecret: (v) => redactor.add(v) }, resolved, { configuredEngine, inUse });
}

describe.each(['legacy', 'next-gen'] as const)(`verify with scriptEngine %s (${ENGINE} engine)`, (engine) => {
  it('PASS: the probe consumer gets its audience scope; the report names the scripts it runs', async () => {
    harness = await startHarness({ engine: ENGINE });
    expect((await harness.deploy(access(engine))).ok).toBe(true);
    const calls = harness.tenant.context.runtime.counters.scriptHttpCalls;
    const report = await verify(harness, {}, engine);
    expect(report.ok).toBe(true);
    expect(report.result.introspection).toMatchObject({ active: true, scope: 'read', aud: 'scopeDrivenAPI2Client', policyResult: true });
    expect(report.inUse?.engine).toBe(engine);
    expect(report.notes).toEqual([]);
    expect(harness.tenant.context.runtime.counters.scriptHttpCalls - calls).toBe(engine === 'legacy' ? 3 : 0);
    expect(renderVerify(report).find((line) => line.startsWith('PASS'))).toBe('PASS  token active, scope "read", aud "scopeDrivenAPI2Client", policyResult true');
  }, 120_000);

  it('FAIL: a scope no grant gives -> no audience, what was expected and what came back, and what to check for this engine', async () => {
    harness = await startHarness({ engine: ENGINE });
    expect((await harness.deploy(access(engine))).ok).toBe(true);
    const report = await verify(harness, { scope: 'api://scopeDrivenAPI2Client/admin' }, engine);
    expect(report.ok).toBe(false);
    expect(report.result.failure).toBe('no-audience');
    expect(report.result.problems).toEqual([
      "no audience: the policy denied or the script failed closed — check the tenant's script log",
      'expected scope "admin", got ""',
      'expected aud "scopeDrivenAPI2Client", got none',
      'expected policyResult true, got false',
    ]);
    expect(report.hints.join('\n')).toContain(engine === 'next-gen' ? '[policy-eval-mod-next-gen]' : '[policy-eval-mod]');
    if (engine === 'next-gen') expect(report.hints.join('\n')).toMatch(/SCRIPT_ENGINE=legacy/);
    expect(renderVerify(report)[report.inUse ? 3 : 1]).toBe("FAIL  no audience: the policy denied or the script failed closed — check the tenant's script log");
  }, 120_000);

  it('FAIL: the script failed closed (the provider\'s policy set is gone) -> no audience, and the script logged why', async () => {
    harness = await startHarness({ engine: ENGINE });
    expect((await harness.deploy(access(engine))).ok).toBe(true);
    delete harness.tenant.context.state.realms.alpha.policySets.scopeDrivenAPI2Client;
    const report = await verify(harness, {}, engine);
    expect(report.ok).toBe(false);
    expect(report.result.failure).toBe('no-audience');
    const prefix = engine === 'next-gen' ? '[policy-eval-mod-next-gen]' : '[policy-eval-mod]';
    expect(harness.tenant.context.runtime.log.some((line) => line.source === 'script' && line.level === 'error' && line.text.includes(`${prefix} failed closed`))).toBe(true);
  }, 120_000);
});

describe(`verify's other failures (${ENGINE} engine)`, () => {
  it('refused credentials, a client that runs none of the scripts, a probe scope that is not an audience scope', async () => {
    harness = await startHarness({ engine: ENGINE });
    expect((await harness.deploy(access('next-gen'))).ok).toBe(true);
    const refused = await verify(harness, { clientSecret: 'not-the-Secret-of-it-123' });
    expect([refused.ok, refused.result.failure, refused.result.problems[0]]).toEqual([false, 'client-refused', "the token endpoint refused the client's credentials (HTTP 401, invalid_client: Client authentication failed)"]);
    expect(refused.hints[0]).toMatch(/VERIFY_CLIENT_ID \/ VERIFY_CLIENT_SECRET/);

    addClients(harness.tenant.context, 'alpha', ['notAConsumer']);
    harness.tenant.context.state.realms.alpha.oauth2Clients.notAConsumer.overrideOAuth2ClientConfig = {};
    const plain = await verify(harness, { clientId: 'notAConsumer' });
    expect(plain.ok).toBe(false);
    expect(plain.inUse?.engine).toBeUndefined();
    expect(plain.hints[0]).toMatch(/runs none of this tool's scripts: list it under "consumers"/);

    await expect(verify(harness, { scope: 'read' })).rejects.toThrow(/VERIFY_SCOPE: expected an audience scope api:\/\/<provider>\/<scope>, got "read"/);
  }, 120_000);

  it("notes when the client runs the other engine's scripts than the configuration chooses", async () => {
    harness = await startHarness({ engine: ENGINE });
    expect((await harness.deploy(access('legacy'))).ok).toBe(true);
    const report = await verify(harness, {}, 'next-gen');
    expect(report.ok).toBe(true);
    expect(report.notes).toEqual(['the client runs the legacy scripts, but this environment\'s configuration chooses next-gen: npm run deploy switches it']);
  }, 120_000);
});

describe('npm run verify as the CLI runs it', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    // tsx by path: the command runs in a folder of its own (no .env of this checkout is read).
    const child = spawn(process.execPath, ['--import', pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, path.join(ROOT, 'tooling/cli/main.ts'), ...args], {
      cwd: env.CWD ?? ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOCAL_TENANT_ENGINE: ENGINE, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  }

  it('against a tenant given by AIC_TENANT: PASS exits 0, FAIL exits 1, a missing probe client exits 3; no secret or token is printed', async () => {
    const h = (harness = await startHarness({ engine: ENGINE }));
    expect((await h.deploy(access('next-gen'))).ok).toBe(true);
    const bearer = (await serviceAccountAuth({ tokenUrl: `${h.tenant.url}/am/oauth2/access_token`, accountId: h.tenant.serviceAccount.id, jwk: h.tenant.serviceAccount.privateJwk }).header()).replace('Bearer ', '');
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'verify-cli-'));
    dirs.push(cwd);
    const tenant = { CWD: cwd, AIC_TENANT: h.tenant.url, AIC_BEARER_TOKEN: bearer, SCRIPT_ENGINE: 'next-gen' };
    const probe = { VERIFY_CLIENT_ID: CONSUMER.clientId, VERIFY_CLIENT_SECRET: CONSUMER.clientSecret };

    const pass = await cli(['verify'], { ...tenant, ...probe });
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stdout).toContain('PASS  token active, scope "read", aud "scopeDrivenAPI2Client", policyResult true');
    expect(pass.stdout).toContain('accessTokenModification: aic-api-to-api PolicyEvalMod Next-Gen (next-gen, evaluatorVersion 2.0)');

    const fail = await cli(['verify', '--json'], { ...tenant, ...probe, VERIFY_SCOPE: 'api://scopeDrivenAPI2Client/admin' });
    expect(fail.code).toBe(1);
    const report = JSON.parse(fail.stdout);
    expect(report).toMatchObject({ ok: false, probe: { clientId: CONSUMER.clientId, scope: 'api://scopeDrivenAPI2Client/admin' }, configuredEngine: 'next-gen', result: { failure: 'no-audience' } });

    const missing = await cli(['verify'], tenant);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/set VERIFY_CLIENT_ID and VERIFY_CLIENT_SECRET/);

    const issued = [...h.tenant.context.runtime.tokens.keys()];
    expect(issued.length).toBeGreaterThanOrEqual(2);
    for (const output of [pass, fail, missing].flatMap((r) => [r.stdout, r.stderr])) {
      expect(output).not.toContain(CONSUMER.clientSecret);
      expect(output).not.toContain(bearer);
      for (const token of issued) expect(output).not.toContain(token);
    }
  }, 180_000);

  it('on the local tenant: the seed\'s demo consumer by default; FAIL before a deploy, PASS after one with SCRIPT_ENGINE=next-gen', async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'verify-local-'));
    dirs.push(cwd);
    const local = { CWD: cwd, LOCAL_TENANT_DIR: path.join(cwd, '.local-tenant'), LOCAL_TENANT_PORT: '0', AIC_ACCESS_FILE: path.join(ROOT, 'access') };
    const before = await cli(['verify'], local);
    expect(before.code).toBe(1);
    expect(before.stdout).toContain("(client from the local tenant's demo consumer)");
    expect(before.stdout).toMatch(/^FAIL /m);
    const deployed = await cli(['deploy', '--no-demo'], { ...local, SCRIPT_ENGINE: 'next-gen' });
    expect(deployed.code, deployed.stderr).toBe(0);
    const after = await cli(['verify'], { ...local, SCRIPT_ENGINE: 'next-gen' });
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.stdout).toContain('PASS  token active, scope "read", aud "scopeDrivenAPI2Client", policyResult true');
    expect(after.stdout).not.toContain('demo-consumer-secret');
  }, 180_000);
});
