/**
 * `deploy --apigee` end to end against a fake of Apigee's management API (fake-apigee.ts): the plan
 * is shown, exactly that plan is applied, a second run writes nothing, removals and revision
 * cleanup converge, an interrupted run resumes, bad input sends nothing, and no secret is printed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AmHttp } from '../../tooling/rest/http.js';
import { bearerAuth } from '../../tooling/rest/auth.js';
import { Redactor } from '../../common/redact.js';
import { apigeePlanToJson, applyApigeeRun, checkApigeeInputs, deployApigee, planApigeeRun, renderApigeePlan, type ApigeeRunOptions } from '../../tooling/cli/apigee.js';
import { ApigeePlanError } from '../../tooling/apigee/apply.js';
import { MANAGED_MARKER, TOKEN_PROXY_NAME } from '../../tooling/apigee/names.js';
import type { AccessConfig } from '../../tooling/config/access.js';
import { startFakeApigee, type FakeApigee } from './fake-apigee.js';
import { AIC, apigeeAccess, settings } from './fixtures.js';

let fake: FakeApigee;
let lines: string[];
let redactor: Redactor;

beforeEach(async () => {
  fake = await startFakeApigee({ environments: ['prod', 'dev'] });
  lines = [];
  redactor = new Redactor();
});
afterEach(() => fake.close());

function options(access: AccessConfig = apigeeAccess(), overrides: Partial<ReturnType<typeof settings>> = {}): ApigeeRunOptions {
  const http = new AmHttp({ baseUrl: fake.url, auth: bearerAuth(fake.token), redactor, verbose: true, log: (l) => lines.push(l), sleep: async () => {} });
  return { access, aicBaseUrl: AIC, realm: 'alpha', settings: settings({ baseUrl: fake.url, ...overrides }), redactor, verbose: true, log: (l) => lines.push(l), http };
}

const writesSince = (mark: number) => fake.writes().filter((r) => fake.requests.indexOf(r) >= mark);

describe('deploy --apigee (plan, then exactly that plan)', () => {
  it('the first run creates everything; a second run plans no change and writes nothing', async () => {
    const first = await deployApigee(options());
    expect(first.ok).toBe(true);
    expect(first.applied).toEqual(first.plan.changes);
    expect(first.writes).toBe(fake.writes().length);
    expect(first.bundles.every((b) => b.action === 'imported and deployed' && b.revision === '1')).toBe(true);
    const org = fake.org;
    expect([...org.products.keys()].sort()).toEqual(['aic-api-to-api-billingApi', expect.stringMatching(/^aic-api-to-api-orders-v1\.eu-[0-9a-f]{8}$/), 'aic-api-to-api-scopeDrivenAPI2Client']);
    expect(org.products.get('aic-api-to-api-scopeDrivenAPI2Client')!.scopes).toEqual(['api://scopeDrivenAPI2Client/admin', 'api://scopeDrivenAPI2Client/read', 'api://scopeDrivenAPI2Client/write']);
    const app = org.apps.get('apis@acme.example/scopeDrivenAPI1Client')!;
    expect(app.credentials.map((c) => [c.consumerKey, c.apiProducts.map((p) => `${p.apiproduct}:${p.status}`)])).toEqual([['scopeDrivenAPI1Client', ['aic-api-to-api-billingApi:approved', 'aic-api-to-api-scopeDrivenAPI2Client:approved']]]);
    expect([...org.targetServers.get('prod')!.keys()].sort()).toHaveLength(3);
    expect(org.deployedRevision('apis', TOKEN_PROXY_NAME, 'prod')?.description).toContain(MANAGED_MARKER);

    const mark = fake.requests.length;
    const second = await deployApigee(options());
    expect(second.plan.changes).toEqual([]);
    expect(second.writes).toBe(0);
    expect(writesSince(mark)).toEqual([]);
    expect(second.bundles.map((b) => b.action)).toEqual(Array(7).fill('unchanged'));
    expect(renderApigeePlan(second.plan)).toMatch(/Apigee: no changes\.$/);
  });

  it('`plan` shows the changes before anything is written, and applying that plan does exactly them', async () => {
    const run = await planApigeeRun(options());
    expect(fake.writes()).toEqual([]);
    const json = apigeePlanToJson(run.plan);
    expect((json.changes as unknown[]).length).toBe(22);
    const result = await applyApigeeRun(run, (l) => lines.push(l));
    expect(result.applied.map((c) => c.kind + ':' + c.action)).toEqual(run.plan.changes.map((c) => c.kind + ':' + c.action));
    expect((await planApigeeRun(options())).plan.changes).toEqual([]);
  });

  it('no secret is printed or sent anywhere but where it belongs: the consumer secrets Apigee holds are random, never logged; the admin token is masked', async () => {
    await deployApigee(options());
    const printed = lines.join('\n');
    const secrets = [...fake.org.apps.values()].flatMap((a) => a.credentials.map((c) => c.consumerSecret));
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of [...secrets, fake.token]) expect(printed).not.toContain(secret);
    expect(printed).toContain('POST /v1/organizations/acme/developers/apis%40acme.example/apps/scopeDrivenAPI1Client/keys');
    // The bundles Apigee holds carry no credential either.
    for (const bundle of fake.org.bundles.values()) for (const revision of bundle.revisions) for (const content of revision.files.values()) for (const secret of secrets) expect(content).not.toContain(secret);
  });

  it('a provider and a consumer removed: their entities go, then the organization is converged again', async () => {
    await deployApigee(options());
    const access = apigeeAccess();
    delete access.providers.billingApi;
    delete access.consumers.scopeDrivenAPI2Client;
    const removal = await deployApigee(options(access));
    expect(removal.plan.changes.filter((c) => c.action === 'delete' || c.action === 'remove').map((c) => `${c.kind}:${'name' in c ? c.name : ''}`)).toEqual([
      'credential-product:',
      'app:scopeDrivenAPI2Client',
      'product:aic-api-to-api-billingApi',
      'bundle:aic-api-to-api-provider-billingApi',
      'bundle:aic-api-to-api-verify-billingApi',
      'target-server:aic-api-to-api-billingApi',
    ]);
    expect(fake.org.products.has('aic-api-to-api-billingApi')).toBe(false);
    expect(fake.org.bundles.has('apis/aic-api-to-api-provider-billingApi')).toBe(false);
    expect(fake.org.apps.has('apis@acme.example/scopeDrivenAPI2Client')).toBe(false);
    expect((await deployApigee(options(access))).writes).toBe(0);
  });

  it('keeps only the last N revisions of what it deploys', async () => {
    await deployApigee(options(apigeeAccess(), { keepRevisions: 2 }));
    for (const margin of [31, 32, 33]) await deployApigee(options(apigeeAccess(), { keepRevisions: 2, expiryMarginSeconds: margin }));
    expect(fake.org.bundles.get(`apis/${TOKEN_PROXY_NAME}`)!.revisions.map((r) => r.revision)).toEqual(['3', '4']);
    expect(fake.org.deployedRevision('apis', TOKEN_PROXY_NAME, 'prod')!.revision).toBe('4');
    expect((await deployApigee(options(apigeeAccess(), { keepRevisions: 2, expiryMarginSeconds: 33 }))).writes).toBe(0);
  });

  it('an interrupted run (imported, not deployed) resumes by deploying that revision, not importing again', async () => {
    fake.failures.push({ method: 'POST', path: /\/environments\/prod\/apis\/aic-api-to-api-token\/revisions\/1\/deployments$/, status: 400, message: 'environment is busy' });
    const failure = await deployApigee(options()).catch((e) => e);
    expect(failure.diagnostics[0].message).toMatch(/^\d+ of 22 Apigee changes applied, then: apigee POST .*\/deployments: HTTP 400 environment is busy$/);
    expect(failure.diagnostics[0]).toMatchObject({ category: 'tenant', code: 'apigee.apply-failed', object: `apigee-bundle:${TOKEN_PROXY_NAME}` });
    const resumed = await deployApigee(options());
    expect(resumed.plan.changes).toEqual([expect.objectContaining({ kind: 'bundle', action: 'deploy-revision', name: TOKEN_PROXY_NAME, revision: '1' })]);
    expect(fake.org.bundles.get(`apis/${TOKEN_PROXY_NAME}`)!.revisions).toHaveLength(1);
  });

  it('another environment of the same organization: its own deployments and target servers, the products list both', async () => {
    await deployApigee(options());
    const dev = await deployApigee(options(apigeeAccess(), { environment: 'dev' }));
    expect(dev.plan.changes.filter((c) => c.kind === 'bundle').every((c) => c.kind === 'bundle' && c.action === 'deploy-revision')).toBe(true);
    expect(fake.org.products.get('aic-api-to-api-billingApi')!.environments).toEqual(['dev', 'prod']);
    expect((await deployApigee(options())).writes).toBe(0);
    expect((await deployApigee(options(apigeeAccess(), { environment: 'dev' }))).writes).toBe(0);
  });

  it('bad input: the error names the field, and nothing at all is sent to Apigee', async () => {
    const access = apigeeAccess();
    access.consumers['mobile.app'] = {};
    expect(checkApigeeInputs(options(access))).toEqual(['consumers.mobile.app: this AIC client id cannot be an Apigee consumer key: expected letters, digits, _ and - only (Apigee X refuses other characters in a consumer key)']);
    const error = await deployApigee(options(access)).catch((e) => e);
    expect(error).toBeInstanceOf(ApigeePlanError);
    expect(error.message).toContain('consumers.mobile.app');
    expect(error.diagnostics).toEqual([{ severity: 'error', category: 'input', code: 'apigee.input', message: expect.stringContaining('consumers.mobile.app:') }]);
    expect(fake.requests).toEqual([]);
    expect(lines.join('\n')).toContain('Nothing will be sent to Apigee until these errors are fixed.');
  });
});

describe('apigee-bundle (writeApigeeBundles)', () => {
  it('writes one zip per bundle, the same bundles deploy imports', async () => {
    const { mkdtemp, readdir, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const { writeApigeeBundles } = await import('../../tooling/cli/apigee.js');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'apigee-bundles-'));
    try {
      const files = await writeApigeeBundles(apigeeAccess(), { aicBaseUrl: AIC, realm: 'alpha', tokenBasePath: '/aic-api-to-api/oauth2', expiryMarginSeconds: 30, providerTargetUrl: 'https://{provider}.backends.example' }, dir);
      expect(files.map((f) => path.basename(f)).sort()).toEqual((await readdir(dir)).sort());
      expect(files.map((f) => path.basename(f)).filter((f) => f.startsWith('apiproxy-'))).toContain(`apiproxy-${TOKEN_PROXY_NAME}.zip`);
      expect(files).toHaveLength(7);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
