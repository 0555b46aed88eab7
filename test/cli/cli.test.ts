/**
 * The CLI as users and CI run it, against a local tenant configured as a "real" one (AIC_TENANT):
 * plan/deploy/export, exit codes, nothing sent on bad input, and no secret in any output or log.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAccountAuth } from '../../tooling/rest/auth.js';
import { ROOT, startHarness, type Harness } from '../helpers/local-tenant.js';

const run = promisify(execFile);
const GATEWAY_SECRET = 'cli-Gateway-Secret-7731-abcdef';
let harness: Harness;
let bearer: string;
let workdir: string;

async function cli(args: string[], extraEnv: Record<string, string> = {}) {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AIC_TENANT: harness.tenant.url, AIC_BEARER_TOKEN: bearer, POLICY_GATEWAY_SECRET: GATEWAY_SECRET, ...extraEnv };
  try {
    const { stdout, stderr } = await run(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'tooling/cli/main.ts'), ...args], { cwd: workdir, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  // A restart long enough to be seen leaving "ready" (the tool waits for that, as on AIC).
  harness = await startHarness({ restartSeconds: 2 });
  bearer = (await serviceAccountAuth({ tokenUrl: `${harness.tenant.url}/am/oauth2/access_token`, accountId: harness.tenant.serviceAccount.id, jwk: harness.tenant.serviceAccount.privateJwk }).header()).replace('Bearer ', '');
  workdir = await mkdtemp(path.join(os.tmpdir(), 'cli-'));
});
afterAll(async () => {
  await harness.close();
  await rm(workdir, { recursive: true, force: true });
});

describe('the CLI against a tenant', () => {
  it('refuses a broken access file before sending any request', async () => {
    const broken = path.join(workdir, 'broken.json');
    await writeFile(broken, JSON.stringify({ consumers: { web: {} }, providers: { orders: { scopes: { read: { grants: [{ client: 'mobile' }] } } } } }));
    const before = harness.tenant.context.runtime.counters.requests;
    const result = await cli(['deploy', '--access', broken]);
    // Exit 3: invalid input, nothing sent.
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('broken.json: providers.orders.scopes.read.grants[0].client: unknown consumer "mobile"');
    expect(harness.tenant.context.runtime.counters.requests).toBe(before);
  });

  it('plan shows the changes and exits 2 with --detailed-exitcode; deploy applies; a second plan exits 0', async () => {
    const access = path.join(ROOT, 'access');
    const plan = await cli(['plan', '--access', access, '--detailed-exitcode']);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/\+ create\s+policy\s+scopeDrivenAPI2Client read/);
    expect(plan.stdout).toMatch(/Plan: 17 to create, 1 to update, 0 to delete, 0 unchanged\./);
    const deploy = await cli(['deploy', '--access', access, '--verbose']);
    expect(deploy.code).toBe(0);
    expect(deploy.stdout).toMatch(/Deploy complete: 18 applied, 0 failed, 0 skipped, 0 deferred, 0 unchanged/);
    const again = await cli(['plan', '--access', access, '--detailed-exitcode', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).summary).toEqual({ create: 0, update: 0, replace: 0, delete: 0, promote: 0, noop: 18 });

    // No secret anywhere: CLI output (verbose), the plan, and the tenant's log.
    const everything = [plan.stdout, plan.stderr, deploy.stdout, deploy.stderr, again.stdout, again.stderr, ...harness.tenant.context.runtime.log.map((l) => l.text)].join('\n');
    for (const secret of [GATEWAY_SECRET, Buffer.from(GATEWAY_SECRET).toString('base64'), bearer, 'demo-consumer-secret']) expect(everything).not.toContain(secret);
    expect(deploy.stderr).toContain('PUT /environment/secrets/esv-policy-gateway-secret -> 200');
  });

  it('export writes deterministic files that diff cleanly between two exports', async () => {
    const access = path.join(ROOT, 'access');
    const a = path.join(workdir, 'export-a');
    const b = path.join(workdir, 'export-b');
    expect((await cli(['export', '--access', access, '--out', a])).code).toBe(0);
    expect((await cli(['export', '--access', access, '--out', b])).code).toBe(0);
    const kinds = (await readdir(a)).sort();
    expect(kinds).toEqual(['esv', 'journey', 'journey-node', 'oauth2-client', 'policy', 'policy-gateway', 'policy-set', 'resource-type', 'script']);
    for (const kind of kinds) {
      for (const file of await readdir(path.join(a, kind))) {
        const left = await readFile(path.join(a, kind, file), 'utf8');
        expect(left).toBe(await readFile(path.join(b, kind, file), 'utf8'));
        expect(left).not.toContain(GATEWAY_SECRET);
        expect(left).not.toMatch(/"_rev"|lastModifiedDate|value-digest/);
      }
    }
  });

  it('reports a missing consumer client as a plan problem and writes nothing', async () => {
    const access = path.join(workdir, 'ghost.json');
    await writeFile(access, JSON.stringify({ consumers: { ghostClient: {} }, providers: {} }));
    const writesBefore = harness.tenant.context.runtime.counters.requests;
    const result = await cli(['deploy', '--access', access]);
    // Exit 4: the plan refused to write.
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('consumer client "ghostClient" does not exist in realm alpha');
    expect(result.stderr).toContain('Nothing was written to the tenant.');
    // Reads only: the plan's one agent login to verify the password (and its logout) writes no configuration.
    expect(harness.tenant.context.runtime.log.slice(-40).filter((l) => /^(PUT|POST|DELETE) /.test(l.text) && !/access_token|\/authenticate|\/sessions/.test(l.text))).toEqual([]);
    expect(harness.tenant.context.runtime.counters.requests).toBeGreaterThan(writesBefore);
  });
});
