/** Apigee management API calls (nock): paths, payloads, paging, multipart import, errors, masking. */
import JSZip from 'jszip';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmError, AmHttp } from '../../tooling/rest/http.js';
import { bearerAuth } from '../../tooling/rest/auth.js';
import { Redactor } from '../../common/redact.js';
import { generateBundles, TOKEN_PROXY_NAME, zipBundle } from '../../tooling/apigee/bundle.js';
import { createCredential, getDeployments, importBundle, listDeveloperApps, listProducts, listTargetServers } from '../../tooling/apigee/management.js';
import { applyApigeePlan } from '../../tooling/apigee/apply.js';
import { loadApigeeSettings } from '../../tooling/apigee/settings.js';
import { EnvError } from '../../tooling/config/env.js';
import type { ApigeePlan } from '../../tooling/apigee/model.js';
import { AIC, apigeeAccess, PROVIDER_TARGET_URL } from './fixtures.js';

const BASE = 'https://apigee.example.com';
const ORG = '/v1/organizations/acme';
const APPS = `${ORG}/developers/apis%40acme.example/apps`;
const TOKEN = 'apigee-admin-token-5e1f';

const logs: string[] = [];
const http = (verbose = false) => new AmHttp({ baseUrl: BASE, auth: bearerAuth(TOKEN), sleep: async () => {}, verbose, log: (l) => logs.push(l), redactor: new Redactor() });
const proxy = () => generateBundles(apigeeAccess(), { aicBaseUrl: AIC, realm: 'alpha', providerTargetUrl: PROVIDER_TARGET_URL }).find((b) => b.name === TOKEN_PROXY_NAME)!;

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
    expect(await importBundle(http(), 'acme', 'apis', bundle.name, await zipBundle(bundle))).toBe('7');
    const [sent] = requests;
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const contentType = String(sent.headers['content-type']);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(sent.body, { headers: { 'content-type': contentType } }).formData();
    const file = form.get('file') as File;
    expect(file.name).toBe(`${bundle.name}.zip`);
    const unzipped = await JSZip.loadAsync(Buffer.from(await file.arrayBuffer()));
    expect(Object.keys(unzipped.files).filter((f) => !unzipped.files[f].dir).sort()).toEqual([...bundle.files.keys()].sort());
  });

  it('reads deployments of every environment, and a missing proxy as none', async () => {
    apigee().get(`${ORG}/apis/p/deployments`).reply(200, { deployments: [{ environment: 'prod', revision: '2', apiProxy: 'p' }, { environment: 'dev', revision: '10' }] });
    apigee().get(`${ORG}/apis/missing/deployments`).reply(404, { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } });
    expect(await getDeployments(http(), 'acme', 'apis', 'p')).toEqual([{ environment: 'prod', revision: '2' }, { environment: 'dev', revision: '10' }]);
    expect(await getDeployments(http(), 'acme', 'apis', 'missing')).toEqual([]);
  });

  it('pages products and apps with count/startKey, dropping the repeated first item', async () => {
    const names = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ name: `p${String(from + i).padStart(4, '0')}` }));
    apigee().get(`${ORG}/apiproducts`).query({ expand: 'true', count: '1000' }).reply(200, { apiProduct: names(0, 1000) });
    apigee().get(`${ORG}/apiproducts`).query({ expand: 'true', count: '1000', startKey: 'p0999' }).reply(200, { apiProduct: names(999, 1200) });
    expect((await listProducts(http(), 'acme')).map((p) => p.name)).toEqual(names(0, 1200).map((p) => p.name));
    apigee().get(APPS).query({ expand: 'true', count: '100' }).reply(200, { app: names(0, 100) });
    apigee().get(APPS).query({ expand: 'true', count: '100', startKey: 'p0099' }).reply(200, { app: names(99, 130) });
    expect(await listDeveloperApps(http(), 'acme', 'apis@acme.example')).toHaveLength(130);
    apigee().get(`${ORG}/environments/prod/targetservers`).reply(200, ['a', 'b']);
    expect(await listTargetServers(http(), 'acme', 'prod')).toEqual(['a', 'b']);
  });

  it('creates a credential with Apigee X\'s POST …/keys, and reports a key taken elsewhere', async () => {
    apigee().post(`${APPS}/a/keys`, { consumerKey: 'k1', consumerSecret: 'never-logged-secret-1' }).reply(201, {});
    apigee().post(`${APPS}/a/keys`).reply(409, { error: { code: 409, message: 'key already exists', status: 'ALREADY_EXISTS' } });
    expect(await createCredential(http(), 'acme', 'apis@acme.example', 'a', 'k1', 'never-logged-secret-1')).toBe('created');
    expect(await createCredential(http(), 'acme', 'apis@acme.example', 'a', 'k1', 'never-logged-secret-2')).toBe('exists');
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

describe('applyApigeePlan', () => {
  const plan = (changes: ApigeePlan['changes']): ApigeePlan => ({ organization: 'acme', environment: 'prod', developer: 'apis@acme.example', changes, bundles: new Map(), bundleStates: [], problems: [], warnings: [], diagnostics: [] });

  it('a new app: the random key Apigee adds is removed, the client id imported with a random secret never printed, then the product', async () => {
    apigee().post(APPS, (body) => body.name === 'scopeDrivenAPI1Client' && body.attributes.some((a: { name: string }) => a.name === 'managed-by')).reply(201, { name: 'scopeDrivenAPI1Client', credentials: [{ consumerKey: 'RandomGeneratedKey123' }] });
    apigee().delete(`${APPS}/scopeDrivenAPI1Client/keys/RandomGeneratedKey123`).reply(200, {});
    apigee().post(`${APPS}/scopeDrivenAPI1Client/keys`, (body) => body.consumerKey === 'scopeDrivenAPI1Client' && typeof body.consumerSecret === 'string' && body.consumerSecret.length >= 40).reply(201, {});
    apigee().post(`${APPS}/scopeDrivenAPI1Client/keys/scopeDrivenAPI1Client`, { apiProducts: ['aic-api-to-api-orders'] }).reply(200, {});
    const client = http(true);
    const lines: string[] = [];
    const result = await applyApigeePlan(client, plan([
      { kind: 'app', action: 'create', name: 'scopeDrivenAPI1Client', consumer: 'scopeDrivenAPI1Client', reason: 'missing' },
      { kind: 'credential', action: 'create', app: 'scopeDrivenAPI1Client', consumerKey: 'scopeDrivenAPI1Client', reason: 'missing' },
      { kind: 'credential-product', action: 'add', app: 'scopeDrivenAPI1Client', consumerKey: 'scopeDrivenAPI1Client', product: 'aic-api-to-api-orders', reason: 'grant-possible' },
    ]), (l) => lines.push(l));
    expect(result).toMatchObject({ ok: true, writes: 4, credentials: [{ consumer: 'scopeDrivenAPI1Client', app: 'scopeDrivenAPI1Client', action: 'created' }] });
    const secret = JSON.parse(requests.find((r) => r.path.endsWith('/keys') && r.method === 'POST')!.body.toString()).consumerSecret;
    const printed = [...logs, ...lines].join('\n');
    expect(printed).toContain('/keys');
    expect(printed).not.toContain(secret);
    expect(printed).not.toContain(TOKEN);
  });

  it('stops at the first failure, says which change failed, and does not run the rest', async () => {
    apigee().post(`${APPS}/a/keys`).reply(409, { error: { code: 409, message: 'key already exists', status: 'ALREADY_EXISTS' } });
    const result = await applyApigeePlan(http(), plan([
      { kind: 'credential', action: 'create', app: 'a', consumerKey: 'a', reason: 'missing' },
      { kind: 'credential-product', action: 'add', app: 'a', consumerKey: 'a', product: 'p', reason: 'grant-possible' },
    ]));
    expect(result.ok).toBe(false);
    expect(result.failed!.message).toBe('apigee: client id a is already a credential of another app in acme; remove it there, then deploy again');
    expect(result.applied).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('refuses a plan with problems without a request', async () => {
    await expect(applyApigeePlan(http(), { ...plan([]), problems: ['consumers.x.y: bad'], diagnostics: [{ severity: 'error', category: 'input', code: 'apigee.input', message: 'consumers.x.y: bad' }] })).rejects.toThrow(/nothing was sent:\n {2}consumers.x.y: bad/);
    expect(requests).toEqual([]);
  });
});

describe('settings', () => {
  const base = { APIGEE_ORG: 'acme', APIGEE_ENV: 'prod', APIGEE_DEVELOPER: 'apis@acme.example', APIGEE_TOKEN: TOKEN };
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadApigeeSettings({ cwd: '/nonexistent', processEnv: env });
      return [];
    } catch (e) {
      expect(e).toBeInstanceOf(EnvError);
      return (e as EnvError).problems;
    }
  };

  it('lists every missing setting and keeps the token out of serialisation', () => {
    expect(problemsOf({}).map((p) => p.split(':')[0])).toEqual(['APIGEE_ORG', 'APIGEE_ENV', 'APIGEE_DEVELOPER', 'APIGEE_TOKEN or APIGEE_SERVICE_ACCOUNT_KEY_FILE']);
    const settings = loadApigeeSettings({ cwd: '/nonexistent', processEnv: base });
    expect(settings).toMatchObject({ baseUrl: 'https://apigee.googleapis.com', organization: 'acme', tokenBasePath: '/aic-api-to-api/oauth2', expiryMarginSeconds: 30, keepRevisions: 5 });
    expect(settings.credentials).toEqual({ kind: 'token', token: TOKEN });
    expect(JSON.stringify(settings)).not.toContain(TOKEN);
  });

  it('checks the new settings and names the old shared product setting as gone', () => {
    expect(problemsOf({ ...base, APIGEE_TOKEN_EXPIRY_MARGIN_SECONDS: '-1', APIGEE_KEEP_REVISIONS: '0', APIGEE_PROVIDER_TARGET_URL: 'https://u:pw-x@{provider}.example', APIGEE_API_PRODUCT: 'all-apis', APIGEE_DEVELOPER: 'not-an-email' })).toEqual([
      'APIGEE_DEVELOPER: expected an email address, got "not-an-email"',
      'APIGEE_API_PRODUCT: no longer used: the deploy now manages one API product per provider (aic-api-to-api-<provider>); remove this setting',
      'APIGEE_PROVIDER_TARGET_URL: expected an absolute https:// (or http://) URL with no user name, password, query or fragment: credentials in the URL would be stored in Apigee in clear',
      `APIGEE_TOKEN_EXPIRY_MARGIN_SECONDS: expected the seconds Apigee stops accepting a token before AIC's expiry, a whole number from 0 to 600, got "-1"`,
      'APIGEE_KEEP_REVISIONS: expected the revisions kept per proxy and shared flow, a whole number from 1 to 50, got "0"',
    ]);
    expect(loadApigeeSettings({ cwd: '/nonexistent', processEnv: { ...base, APIGEE_PROVIDER_TARGET_URL: 'https://{provider}.backends.example' } }).providerTargetUrl).toBe('https://{provider}.backends.example');
  });
});
