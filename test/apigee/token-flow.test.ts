/**
 * The generated token proxy and verify shared flows, executed by the test interpreter against the
 * local tenant with the article's configuration deployed: AIC decides, Apigee stores what AIC minted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUIRED_SCOPE_VARIABLE, generateBundles, verifyFlowName, type ApigeeBundle } from '../../tooling/apigee/bundle.js';
import { SECRETS, articleAccess, startHarness, type Harness } from '../helpers/local-tenant.js';
import { ApigeeSimulator, type ApigeeRequest } from './interpreter.js';

let harness: Harness;
let bundles: ApigeeBundle[];
const CONSUMER = 'scopeDrivenAPI1Client';

beforeAll(async () => {
  harness = await startHarness();
  const outcome = await harness.deploy(articleAccess());
  expect(outcome.ok).toBe(true);
  bundles = generateBundles(articleAccess(), { aicBaseUrl: harness.tenant.url, realm: 'alpha' });
});
afterAll(() => harness?.close());

function simulator(): ApigeeSimulator {
  const sim = new ApigeeSimulator();
  // Apigee-side secrets are random and unrelated to AIC's: only external authorization can pass.
  sim.apps.set(CONSUMER, 'apigee-side-random-secret');
  sim.apps.set('scopeDrivenAPI2Client', 'another-random-secret');
  return sim;
}

function tokenRequest(form: Record<string, string>): ApigeeRequest {
  return { verb: 'POST', pathSuffix: '/token', formParams: { grant_type: 'client_credentials', ...form } };
}

const proxy = () => bundles.find((b) => b.kind === 'apis')!;
const flowOf = (provider: string) => bundles.find((b) => b.name === verifyFlowName(provider))!;

describe('token proxy (interpreted) against the local tenant', () => {
  it('stores the token AIC minted for a granted consumer, with AIC expiry, scope and the provider', async () => {
    const sim = simulator();
    const before = Date.now();
    const result = await sim.runProxy(proxy(), tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' }));
    expect(result.fault).toBeUndefined();
    expect(result.executed).toEqual(['SC-AicAccessToken', 'EV-AicToken', 'JS-CheckGrantedScope', 'AM-ExternalAuthorization', 'OA-StoreAicToken']);
    const aic = JSON.parse(result.variables.get('aicResponse.content')!) as { access_token: string; expires_in: number; scope: string };
    expect(aic.scope).toBe('read');
    expect(sim.tokens.size).toBe(1);
    const stored = sim.tokens.get(aic.access_token)!;
    expect(stored).toMatchObject({ token: aic.access_token, clientId: CONSUMER, scope: 'read', attributes: { provider: 'scopeDrivenAPI2Client' } });
    expect(stored.expiresAt - stored.issuedAt).toBe(aic.expires_in * 1000);
    expect(stored.issuedAt).toBeGreaterThanOrEqual(before);
    // The consumer gets Apigee's answer carrying AIC's token; AIC knows it as its own.
    const body = JSON.parse(result.body);
    expect(body).toMatchObject({ access_token: aic.access_token, scope: 'read', expires_in: String(aic.expires_in), provider: 'scopeDrivenAPI2Client' });
    const introspection = await harness.introspect(aic.access_token, 'scopeDrivenAPI2Client', SECRETS.scopeDrivenAPI2Client);
    expect(introspection).toMatchObject({ active: true, scope: 'read', aud: 'scopeDrivenAPI2Client' });
    // The consumer's credentials went to AIC only, as sent.
    expect(sim.callouts).toEqual([{ url: `${harness.tenant.url}/am/oauth2/realms/root/realms/alpha/access_token`, form: { grant_type: 'client_credentials', client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' } }]);
  });

  it('stores nothing when AIC rejects the client credentials', async () => {
    const sim = simulator();
    const result = await sim.runProxy(proxy(), tokenRequest({ client_id: CONSUMER, client_secret: 'wrong-secret', scope: 'api://scopeDrivenAPI2Client/read' }));
    expect(result.fault?.policy).toBe('SC-AicAccessToken');
    expect(result.variables.get('aicResponse.status.code')).toBe('401');
    expect(result.executed).toEqual(['SC-AicAccessToken']);
    expect(sim.tokens.size).toBe(0);
  });

  it.each([
    ['a scope AIC policy denies this consumer (user-only grant)', 'api://billingApi/read'],
    ['a scope with no grants', 'api://scopeDrivenAPI2Client/admin'],
    ['a scope needing an attribute the client lacks', 'api://scopeDrivenAPI2Client/write'],
  ])('stores nothing for %s: AIC answers 200 with an empty scope, the proxy answers 403', async (_, scope) => {
    const sim = simulator();
    const result = await sim.runProxy(proxy(), tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope }));
    expect(result.variables.get('aicResponse.status.code')).toBe('200');
    expect(result.variables.get('aic.scope') ?? '').toBe('');
    expect(result.fault?.policy).toBe('RF-ScopeDenied');
    expect(result.status).toBe(403);
    expect(JSON.parse(result.body)).toMatchObject({ error: 'invalid_scope' });
    expect(sim.tokens.size).toBe(0);
  });

  it('stores nothing when AIC refuses the request outright (two providers in one request)', async () => {
    const sim = simulator();
    const result = await sim.runProxy(proxy(), tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read api://billingApi/read' }));
    expect(result.fault?.policy).toBe('SC-AicAccessToken');
    expect(result.variables.get('aicResponse.status.code')).toBe('400');
    expect(sim.tokens.size).toBe(0);
  });

  it('stores nothing when the client id is not an Apigee app credential, even though AIC minted a token', async () => {
    const sim = simulator();
    sim.apps.delete(CONSUMER);
    const result = await sim.runProxy(proxy(), tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' }));
    expect(result.fault).toMatchObject({ policy: 'OA-StoreAicToken', status: 401 });
    expect(sim.tokens.size).toBe(0);
  });

  it('refuses other grant types before calling AIC, and unknown paths', async () => {
    const sim = simulator();
    const password = await sim.runProxy(proxy(), { verb: 'POST', pathSuffix: '/token', formParams: { grant_type: 'password', client_id: CONSUMER, client_secret: SECRETS[CONSUMER], username: 'demo', password: 'x' } });
    expect(password).toMatchObject({ status: 400, fault: { policy: 'RF-UnsupportedGrantType' } });
    const other = await sim.runProxy(proxy(), { verb: 'GET', pathSuffix: '/token' });
    expect(other).toMatchObject({ status: 404, fault: { policy: 'RF-NotFound' } });
    expect(sim.callouts).toEqual([]);
    expect(sim.tokens.size).toBe(0);
  });

  it('without the AssignMessage step, Apigee would check the secret itself and store nothing', async () => {
    const sim = simulator();
    const stripped = { ...proxy(), files: new Map(proxy().files) };
    stripped.files.set('apiproxy/proxies/default.xml', stripped.files.get('apiproxy/proxies/default.xml')!.replace(/\s*<Step>\s*<Name>AM-ExternalAuthorization<\/Name>\s*<\/Step>/, ''));
    const result = await sim.runProxy(stripped, tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' }));
    expect(result.fault).toMatchObject({ policy: 'OA-StoreAicToken', status: 401 });
    expect(sim.tokens.size).toBe(0);
  });
});

describe('verify shared flows (interpreted)', () => {
  async function tokenFor(sim: ApigeeSimulator, scope: string): Promise<string> {
    const result = await sim.runProxy(proxy(), tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope }));
    expect(result.fault).toBeUndefined();
    return JSON.parse(result.body).access_token;
  }
  const call = (token: string | undefined): ApigeeRequest => ({ verb: 'GET', pathSuffix: '/orders', headers: token ? { Authorization: `Bearer ${token}` } : {} });

  it("passes a route whose scope the token holds, on the token's provider only", async () => {
    const sim = simulator();
    const token = await tokenFor(sim, 'api://scopeDrivenAPI2Client/read');
    const ok = await sim.runSharedFlow(flowOf('scopeDrivenAPI2Client'), call(token), { [REQUIRED_SCOPE_VARIABLE]: 'read' });
    expect(ok.fault).toBeUndefined();
    expect(ok.executed).toEqual(['OA-VerifyScope-2']);
    expect(ok.variables.get('accesstoken.provider')).toBe('scopeDrivenAPI2Client');

    const write = await sim.runSharedFlow(flowOf('scopeDrivenAPI2Client'), call(token), { [REQUIRED_SCOPE_VARIABLE]: 'write' });
    expect(write.fault).toMatchObject({ policy: 'OA-VerifyScope-3', status: 403 });

    // Same scope name, other provider: the audience check refuses it.
    const billing = await sim.runSharedFlow(flowOf('billingApi'), call(token), { [REQUIRED_SCOPE_VARIABLE]: 'read' });
    expect(billing.fault).toMatchObject({ policy: 'RF-WrongAudience', status: 403 });
  });

  it('fails closed without a token, with an unknown or missing route scope, and after expiry', async () => {
    const sim = simulator();
    const token = await tokenFor(sim, 'api://scopeDrivenAPI2Client/read');
    const flow = flowOf('scopeDrivenAPI2Client');
    expect((await sim.runSharedFlow(flow, call(undefined), { [REQUIRED_SCOPE_VARIABLE]: 'read' })).fault).toMatchObject({ status: 401 });
    expect((await sim.runSharedFlow(flow, call('not-a-token'), { [REQUIRED_SCOPE_VARIABLE]: 'read' })).fault).toMatchObject({ status: 401 });
    expect((await sim.runSharedFlow(flow, call(token), { [REQUIRED_SCOPE_VARIABLE]: 'delete' })).fault).toMatchObject({ policy: 'RF-WrongAudience', status: 403 });
    expect((await sim.runSharedFlow(flow, call(token))).fault).toMatchObject({ policy: 'RF-WrongAudience', status: 403 });
    const stored = sim.tokens.get(token)!;
    sim.now = () => stored.expiresAt + 1;
    expect((await sim.runSharedFlow(flow, call(token), { [REQUIRED_SCOPE_VARIABLE]: 'read' })).fault).toMatchObject({ policy: 'OA-VerifyScope-2', status: 401 });
  });
});
