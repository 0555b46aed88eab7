/**
 * The CLI's Apigee steps: `plan --apigee` shows the Apigee side's own plan (and its problems) and
 * writes nothing anywhere; `deploy --apigee` with bad Apigee input stops before AIC is written.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../tooling/cli/main.js';
import { serviceAccountAuth } from '../../tooling/rest/auth.js';
import { startHarness, type Harness } from '../helpers/local-tenant.js';
import { startFakeApigee, type FakeApigee } from '../apigee/fake-apigee.js';

let harness: Harness;
let apigee: FakeApigee;
let bearer: string;
let dir: string;
beforeAll(async () => {
  harness = await startHarness();
  apigee = await startFakeApigee({ organization: 'acme', environments: ['prod'] });
  bearer = (await serviceAccountAuth({ tokenUrl: `${harness.tenant.url}/am/oauth2/access_token`, accountId: harness.tenant.serviceAccount.id, jwk: harness.tenant.serviceAccount.privateJwk }).header()).replace('Bearer ', '');
  dir = await mkdtemp(path.join(os.tmpdir(), 'apigee-cli-'));
  await writeFile(path.join(dir, 'access.json'), JSON.stringify({ consumers: { scopeDrivenAPI1Client: {} }, providers: { scopeDrivenAPI2Client: { apigee: { basePath: '/orders', targetUrl: 'https://orders.backend.example', routes: [{ path: '/items', scope: 'read' }] }, scopes: { read: { grants: [{ client: 'scopeDrivenAPI1Client' }] } } } } }));
});
afterAll(async () => {
  await harness.close();
  await apigee.close();
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[], access = dir): Promise<{ code: number; out: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, { AIC_TENANT: harness.tenant.url, AIC_BEARER_TOKEN: bearer, POLICY_GATEWAY_SECRET: 'Apigee-Cli-Gateway-Secret-0123', APIGEE_ORG: 'acme', APIGEE_ENV: 'prod', APIGEE_TOKEN: apigee.token, APIGEE_BASE_URL: apigee.url, APIGEE_DEVELOPER: 'apis@acme.example' });
  let out = '';
  const capture = (chunk: string | Uint8Array) => ((out += String(chunk)), true);
  const spies = [vi.spyOn(process.stderr, 'write').mockImplementation(capture), vi.spyOn(process.stdout, 'write').mockImplementation(capture)];
  try {
    return { code: await runCli(['node', 'main.ts', ...args, '--access', path.join(access, 'access.json')]), out };
  } finally {
    for (const spy of spies) spy.mockRestore();
    process.env = saved;
  }
}

describe('the CLI with --apigee', () => {
  it('plan --apigee shows the Apigee side\'s own plan after AIC\'s, and writes nothing anywhere', async () => {
    const before = harness.tenant.context.runtime.log.length;
    const { code, out } = await cli(['plan', '--apigee', '--detailed-exitcode']);
    expect(code).toBe(2);
    expect(out).toMatch(/Plan: \d+ to create/);
    expect(out).toContain('Apigee (acme/prod):');
    expect(out).toMatch(/aic-api-to-api-token/);
    expect(apigee.writes()).toEqual([]);
    const writes = harness.tenant.context.runtime.log.slice(before).filter((l) => /^(PUT|POST|DELETE) /.test(l.text) && !/access_token|\/authenticate|\/sessions/.test(l.text));
    expect(writes).toEqual([]);
  });

  it('deploy --apigee with bad Apigee input (a consumer id Apigee cannot use as a key) stops before anything is written to AIC', async () => {
    const bad = path.join(dir, 'bad');
    await mkdir(bad);
    await writeFile(path.join(bad, 'access.json'), JSON.stringify({ consumers: { 'web.app': {} }, providers: { scopeDrivenAPI2Client: { apigee: { basePath: '/orders', targetUrl: 'https://orders.backend.example', routes: [{ path: '/items', scope: 'read' }] }, scopes: { read: { grants: [{ client: 'web.app' }] } } } } }));
    const before = harness.tenant.context.runtime.log.length;
    const { code, out } = await cli(['deploy', '--apigee', '--no-demo'], bad);
    expect(code).toBe(3);
    expect(out).toMatch(/error: Apigee: .*web\.app/);
    const writes = harness.tenant.context.runtime.log.slice(before).filter((l) => /^(PUT|POST|DELETE) /.test(l.text) && !/access_token|\/authenticate|\/sessions/.test(l.text));
    expect(writes).toEqual([]);
    expect(apigee.writes()).toEqual([]);
  });
});
