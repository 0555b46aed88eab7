/** Apigee management API calls (nock) and the idempotent apply: import, deploy, credentials, errors. */
import JSZip from 'jszip';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmError, AmHttp } from '../../tooling/rest/http.js';
import { bearerAuth } from '../../tooling/rest/auth.js';
import { Redactor } from '../../common/redact.js';
import { generateBundles, type ApigeeBundle } from '../../tooling/apigee/bundle.js';
import { deployRevision, getDeployedRevisions, importBundle } from '../../tooling/apigee/management.js';
import { applyApigee, applyBundle, ensureCredential, type ApigeeTarget } from '../../tooling/apigee/apply.js';
import { loadApigeeSettings } from '../../tooling/apigee/settings.js';
import { EnvError } from '../../tooling/config/env.js';
import { articleAccess } from '../helpers/local-tenant.js';

const BASE = 'https://apigee.example.com';
const ORG = '/v1/organizations/acme';
const TARGET: ApigeeTarget = { organization: 'acme', environment: 'prod', developer: 'apis@acme.example', apiProduct: 'internal-apis' };
const APP = `${ORG}/developers/apis%40acme.example/apps`;
const TOKEN = 'apigee-admin-token-5e1f';

const logs: string[] = [];
const http = (verbose = false) => new AmHttp({ baseUrl: BASE, auth: bearerAuth(TOKEN), sleep: async () => {}, verbose, log: (l) => logs.push(l), redactor: new Redactor() });
const bundles = () => generateBundles(articleAccess(), { aicBaseUrl: 'https://openam-example.forgeblocks.com', realm: 'alpha' });
const proxy = (): ApigeeBundle => bundles().find((b) => b.kind === 'apis')!;
const described = (bundle: ApigeeBundle, revision: string, hash = bundle.hash) => ({ name: bundle.name, revision, description: `[managed-by:aic-api-to-api] [bundle-sha256:${hash}]` });

type Recorded = { method: string; path: string; headers: Record<string, string>; body: Buffer };
const requests: Recorded[] = [];
/** Every request the scopes made by apigee() answered; nock 15 hands a fetch Request and hex-encodes binary bodies. */
function apigee() {
  const scope = nock(BASE);
  scope.on('request', (req: Request, _i: unknown, body: string) => {
    const url = new URL(req.url);
    const headers = Object.fromEntries(req.headers.entries());
    const binary = /^multipart\//.test(headers['content-type'] ?? '') && /^([0-9a-f]{2})*$/i.test(body ?? '');
    requests.push({ method: req.method, path: url.pathname + url.search, headers, body: Buffer.from(body ?? '', binary ? 'hex' : 'utf8') });
  });
  return scope;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  requests.length = 0;
  logs.length = 0;
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('management API', () => {
  it('imports a bundle as multipart/form-data with the zip in field "file"', async () => {
    const bundle = proxy();
    apigee().post(`${ORG}/apis`).query({ action: 'import', name: bundle.name }).reply(200, { name: bundle.name, revision: '7' });
    const { zipBundle } = await import('../../tooling/apigee/bundle.js');
    const zip = await zipBundle(bundle);
    expect(await importBundle(http(), 'acme', 'apis', bundle.name, zip)).toBe('7');
    const [sent] = requests;
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const contentType = String(sent.headers['content-type']);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    // Parse the multipart body back with the platform and open the zip inside it.
    const form = await new Response(sent.body, { headers: { 'content-type': contentType } }).formData();
    const file = form.get('file') as File;
    expect(file.name).toBe(`${bundle.name}.zip`);
    const unzipped = await JSZip.loadAsync(Buffer.from(await file.arrayBuffer()));
    expect(Object.keys(unzipped.files).filter((f) => !unzipped.files[f].dir).sort()).toEqual([...bundle.files.keys()].sort());
  });

  it('deploys with override, lists deployed revisions newest first, and treats a missing proxy as none', async () => {
    apigee().post(`${ORG}/environments/prod/sharedflows/f/revisions/3/deployments`).query({ override: 'true' }).reply(200, {});
    apigee().get(`${ORG}/environments/prod/apis/p/deployments`).reply(200, { deployments: [{ revision: '2' }, { revision: '10' }] });
    apigee().get(`${ORG}/environments/prod/apis/missing/deployments`).reply(404, { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } });
    await deployRevision(http(), 'acme', 'prod', 'sharedflows', 'f', '3');
    expect(await getDeployedRevisions(http(), 'acme', 'prod', 'apis', 'p')).toEqual(['10', '2']);
    expect(await getDeployedRevisions(http(), 'acme', 'prod', 'apis', 'missing')).toEqual([]);
  });

  it("reports Google's error message and retries 503", async () => {
    const bundle = proxy();
    apigee().post(`${ORG}/apis`).query(true).reply(503, {}).post(`${ORG}/apis`).query(true).reply(400, { error: { code: 400, message: 'bundle contains errors: policy X', status: 'INVALID_ARGUMENT' } });
    const error = await importBundle(http(), 'acme', 'apis', bundle.name, Buffer.from('zip')).catch((e) => e);
    expect(error).toBeInstanceOf(AmError);
    expect(error.message).toBe(`apigee POST ${ORG}/apis: HTTP 400 bundle contains errors: policy X`);
    expect(requests).toHaveLength(2);
  });
});

describe('applyBundle (idempotent)', () => {
  it('skips import and deploy when the deployed revision carries the same hash', async () => {
    const bundle = proxy();
    apigee().get(`${ORG}/environments/prod/apis/${bundle.name}/deployments`).reply(200, { deployments: [{ revision: '4' }] });
    apigee().get(`${ORG}/apis/${bundle.name}/revisions/4`).reply(200, described(bundle, '4'));
    const client = http();
    expect(await applyBundle(client, TARGET, bundle)).toEqual({ kind: 'apis', name: bundle.name, revision: '4', action: 'unchanged' });
    expect(client.stats.writes).toBe(0);
  });

  it('imports and deploys a new revision when the content changed', async () => {
    const bundle = proxy();
    apigee().get(`${ORG}/environments/prod/apis/${bundle.name}/deployments`).reply(200, { deployments: [{ revision: '4' }] });
    apigee().get(`${ORG}/apis/${bundle.name}/revisions/4`).reply(200, described(bundle, '4', 'f'.repeat(64)));
    apigee().get(`${ORG}/apis/${bundle.name}`).reply(200, { name: bundle.name, revision: ['3', '4'], latestRevisionId: '4' });
    apigee().post(`${ORG}/apis`).query({ action: 'import', name: bundle.name }).reply(200, { revision: '5' });
    apigee().post(`${ORG}/environments/prod/apis/${bundle.name}/revisions/5/deployments`).query({ override: 'true' }).reply(200, {});
    const client = http();
    expect(await applyBundle(client, TARGET, bundle)).toMatchObject({ revision: '5', action: 'imported and deployed' });
    expect(client.stats.writes).toBe(2);
  });

  it('imports the first revision of a proxy that does not exist yet', async () => {
    const bundle = proxy();
    apigee().get(`${ORG}/environments/prod/apis/${bundle.name}/deployments`).reply(404, { error: { message: 'not found' } });
    apigee().get(`${ORG}/apis/${bundle.name}`).reply(404, { error: { message: 'not found' } });
    apigee().post(`${ORG}/apis`).query({ action: 'import', name: bundle.name }).reply(200, { revision: '1' });
    apigee().post(`${ORG}/environments/prod/apis/${bundle.name}/revisions/1/deployments`).query({ override: 'true' }).reply(200, {});
    expect(await applyBundle(http(), TARGET, bundle)).toMatchObject({ revision: '1', action: 'imported and deployed' });
  });

  it('deploys an imported but undeployed revision with the same hash instead of importing again', async () => {
    const bundle = proxy();
    apigee().get(`${ORG}/environments/prod/apis/${bundle.name}/deployments`).reply(200, { deployments: [{ revision: '4' }] });
    apigee().get(`${ORG}/apis/${bundle.name}/revisions/4`).reply(200, described(bundle, '4', '0'.repeat(64)));
    apigee().get(`${ORG}/apis/${bundle.name}`).reply(200, { revision: ['4', '5'], latestRevisionId: '5' });
    apigee().get(`${ORG}/apis/${bundle.name}/revisions/5`).reply(200, described(bundle, '5'));
    apigee().post(`${ORG}/environments/prod/apis/${bundle.name}/revisions/5/deployments`).query({ override: 'true' }).reply(200, {});
    expect(await applyBundle(http(), TARGET, bundle)).toMatchObject({ revision: '5', action: 'deployed existing revision' });
    expect(requests.some((r) => r.path.includes('action=import'))).toBe(false);
  });

  it('does not deploy when the import fails', async () => {
    const bundle = proxy();
    apigee().get(`${ORG}/environments/prod/apis/${bundle.name}/deployments`).reply(404, {});
    apigee().get(`${ORG}/apis/${bundle.name}`).reply(404, {});
    apigee().post(`${ORG}/apis`).query(true).reply(403, { error: { code: 403, message: 'Permission denied on resource organization acme', status: 'PERMISSION_DENIED' } });
    await expect(applyBundle(http(), TARGET, bundle)).rejects.toThrow(/HTTP 403 Permission denied on resource organization acme/);
    expect(requests.some((r) => r.path.includes('/deployments') && r.method === 'POST')).toBe(false);
  });
});

describe('ensureCredential (create or skip, never duplicate)', () => {
  it('skips a client id already a credential of its app with the product', async () => {
    apigee().get(`${APP}/scopeDrivenAPI1Client`).reply(200, { name: 'scopeDrivenAPI1Client', credentials: [{ consumerKey: 'scopeDrivenAPI1Client', apiProducts: [{ apiproduct: 'internal-apis', status: 'approved' }] }] });
    const client = http();
    expect(await ensureCredential(client, TARGET, 'scopeDrivenAPI1Client')).toEqual({ consumer: 'scopeDrivenAPI1Client', app: 'scopeDrivenAPI1Client', action: 'unchanged' });
    expect(client.stats.writes).toBe(0);
  });

  it('adds only the product when the credential exists without it', async () => {
    apigee().get(`${APP}/scopeDrivenAPI1Client`).reply(200, { name: 'scopeDrivenAPI1Client', credentials: [{ consumerKey: 'scopeDrivenAPI1Client', apiProducts: [] }] });
    apigee().post(`${APP}/scopeDrivenAPI1Client/keys/scopeDrivenAPI1Client`, { apiProducts: ['internal-apis'] }).reply(200, {});
    expect((await ensureCredential(http(), TARGET, 'scopeDrivenAPI1Client')).action).toBe('product added');
  });

  it('creates the app, removes the random key Apigee generated, imports the client id with a random secret and the product', async () => {
    apigee().get(`${APP}/scopeDrivenAPI1Client`).reply(404, { error: { message: 'not found' } });
    apigee().post(APP, (body) => body.name === 'scopeDrivenAPI1Client').reply(201, { name: 'scopeDrivenAPI1Client', credentials: [{ consumerKey: 'RandomGeneratedKey123' }] });
    apigee().delete(`${APP}/scopeDrivenAPI1Client/keys/RandomGeneratedKey123`).reply(200, {});
    apigee().post(`${APP}/scopeDrivenAPI1Client/keys/create`, (body) => body.consumerKey === 'scopeDrivenAPI1Client' && typeof body.consumerSecret === 'string' && body.consumerSecret.length >= 40).reply(201, { consumerKey: 'scopeDrivenAPI1Client' });
    apigee().post(`${APP}/scopeDrivenAPI1Client/keys/scopeDrivenAPI1Client`, { apiProducts: ['internal-apis'] }).reply(200, {});
    const client = http(true);
    expect((await ensureCredential(client, TARGET, 'scopeDrivenAPI1Client')).action).toBe('created');
    // The random secret is never printed, even in --verbose request logs.
    const secret = JSON.parse(requests.find((r) => r.path.endsWith('/keys/create'))!.body.toString()).consumerSecret;
    expect(logs.join('\n')).toContain('keys/create');
    expect(logs.join('\n')).not.toContain(secret);
    expect(logs.join('\n')).not.toContain(TOKEN);
  });

  it('refuses a client id that is already a credential of another app, without the secret in the error', async () => {
    apigee().get(`${APP}/scopeDrivenAPI1Client`).reply(200, { name: 'scopeDrivenAPI1Client', credentials: [] });
    apigee().post(`${APP}/scopeDrivenAPI1Client/keys/create`).reply(409, { error: { code: 409, message: 'key already exists', status: 'ALREADY_EXISTS' } });
    const error = await ensureCredential(http(), TARGET, 'scopeDrivenAPI1Client').catch((e) => e);
    expect(error.message).toMatch(/client id scopeDrivenAPI1Client is already a credential of another app in acme/);
    const secret = JSON.parse(requests[1].body.toString()).consumerSecret;
    expect(error.message).not.toContain(secret);
  });
});

describe('applyApigee', () => {
  it('a second run over an unchanged organization writes nothing', async () => {
    const all = bundles();
    for (const consumer of ['scopeDrivenAPI1Client', 'scopeDrivenAPI2Client']) {
      apigee().get(`${APP}/${consumer}`).reply(200, { name: consumer, credentials: [{ consumerKey: consumer, apiProducts: [{ apiproduct: 'internal-apis' }] }] });
    }
    for (const bundle of all) {
      apigee().get(`${ORG}/environments/prod/${bundle.kind}/${bundle.name}/deployments`).reply(200, { deployments: [{ revision: '2' }] });
      apigee().get(`${ORG}/${bundle.kind}/${bundle.name}/revisions/2`).reply(200, described(bundle, '2'));
    }
    const client = http();
    const result = await applyApigee(client, TARGET, all, Object.keys(articleAccess().consumers));
    expect(result.writes).toBe(0);
    expect(result.bundles.map((b) => b.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    // Shared flows before the proxy; credentials before both.
    expect(result.bundles.map((b) => b.kind)).toEqual(['sharedflows', 'sharedflows', 'apis']);
    const lastApp = requests.map((r) => r.path.includes('/apps/')).lastIndexOf(true);
    expect(requests.findIndex((r) => r.path.includes('/deployments'))).toBeGreaterThan(lastApp);
  });
});

describe('settings', () => {
  it('lists every missing setting and keeps the token out of serialisation', () => {
    const error = (() => {
      try {
        loadApigeeSettings({ cwd: '/nonexistent', processEnv: {} });
      } catch (e) {
        return e as EnvError;
      }
    })()!;
    expect(error).toBeInstanceOf(EnvError);
    expect(error.problems.map((p) => p.split(':')[0])).toEqual(['APIGEE_ORG', 'APIGEE_ENV', 'APIGEE_DEVELOPER', 'APIGEE_API_PRODUCT', 'APIGEE_TOKEN or APIGEE_SERVICE_ACCOUNT_KEY_FILE']);
    const settings = loadApigeeSettings({ cwd: '/nonexistent', processEnv: { APIGEE_ORG: 'acme', APIGEE_ENV: 'prod', APIGEE_DEVELOPER: 'apis@acme.example', APIGEE_API_PRODUCT: 'internal-apis', APIGEE_TOKEN: TOKEN } });
    expect(settings).toMatchObject({ baseUrl: 'https://apigee.googleapis.com', organization: 'acme', tokenBasePath: '/aic-api-to-api/oauth2' });
    expect(settings.credentials).toEqual({ kind: 'token', token: TOKEN });
    expect(JSON.stringify(settings)).not.toContain(TOKEN);
  });
});
