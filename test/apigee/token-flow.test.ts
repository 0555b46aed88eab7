/**
 * The whole chain, interpreted: the AIC side deployed to the local tenant, the Apigee side deployed
 * by the real plan/apply to a fake management API, then requests run by the test interpreter over
 * the organization that deploy left (its products, credentials, target servers and deployed
 * bundles). AIC decides, Apigee stores what AIC minted and verifies it per provider and route.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AmHttp } from '../../tooling/rest/http.js';
import { bearerAuth } from '../../tooling/rest/auth.js';
import { Redactor } from '../../common/redact.js';
import { deployApigee } from '../../tooling/cli/apigee.js';
import type { AccessConfig } from '../../tooling/config/access.js';
import { productName, providerProxyName, TOKEN_PROXY_NAME } from '../../tooling/apigee/names.js';
import { SECRETS, articleAccess, startHarness, type Harness } from '../helpers/local-tenant.js';
import { ApigeeSimulator, type ApigeeRequest, type RunResult } from './interpreter.js';
import { startFakeApigee, type FakeApigee } from './fake-apigee.js';
import { settings, startAicFront, startBackend, type AicFront, type Backend } from './fixtures.js';

const CONSUMER = 'scopeDrivenAPI1Client';
const OTHER = 'scopeDrivenAPI2Client';
const TOKEN_PATH = '/aic-api-to-api/oauth2';

/** The article's configuration, two of its providers exposed through Apigee. */
function access(): AccessConfig {
  const config = articleAccess();
  config.providers.scopeDrivenAPI2Client.apigee = {
    basePath: '/api2',
    routes: [
      { path: '/orders/**', methods: ['GET', 'HEAD'], scope: 'read' },
      { path: '/orders/**', methods: ['POST'], scope: 'write' },
    ],
  };
  config.providers.billingApi.apigee = { routes: [{ path: '/invoices/**', scope: 'read' }] };
  return config;
}

let harness: Harness;
let front: AicFront;
let backend: Backend;
let fake: FakeApigee;
let sim: ApigeeSimulator;

beforeAll(async () => {
  harness = await startHarness();
  expect((await harness.deploy(access())).ok).toBe(true);
  front = await startAicFront(harness.tenant, SECRETS);
  backend = await startBackend();
  fake = await startFakeApigee();
  const redactor = new Redactor();
  const http = new AmHttp({ baseUrl: fake.url, auth: bearerAuth(fake.token), redactor, sleep: async () => {} });
  const result = await deployApigee({ access: access(), aicBaseUrl: front.url, realm: 'alpha', settings: settings({ baseUrl: fake.url, providerTargetUrl: backend.url }), redactor, log: () => {}, http });
  expect(result.ok).toBe(true);
}, 60_000);
afterAll(async () => {
  await Promise.all([harness?.close(), front?.close(), backend?.close(), fake?.close()]);
});
beforeEach(() => {
  sim = new ApigeeSimulator(fake.org, 'prod');
  front.failNext.length = 0;
  backend.received.length = 0;
});

const tokenRequest = (form: Record<string, string>): ApigeeRequest => ({ verb: 'POST', path: `${TOKEN_PATH}/token`, formParams: { grant_type: 'client_credentials', ...form } });
const body = (result: RunResult) => JSON.parse(result.body) as Record<string, unknown>;
const call = (path: string, token?: string, verb = 'GET'): ApigeeRequest => ({ verb, path, headers: token ? { Authorization: `Bearer ${token}` } : {} });

async function tokenFor(clientId: string, scope: string): Promise<string> {
  const result = await sim.call(tokenRequest({ client_id: clientId, client_secret: SECRETS[clientId as keyof typeof SECRETS], scope }));
  expect(result.status, result.body).toBe(200);
  return String(body(result).access_token);
}

describe('a consumer with a grant', () => {
  it('gets the token AIC minted, stored in Apigee with its qualified scope, the products of its credential and AIC expiry minus the margin', async () => {
    const result = await sim.call(tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' }));
    expect(result.proxy).toBe(TOKEN_PROXY_NAME);
    expect(result.fault).toBeUndefined();
    expect(result.executed).toEqual(['JS-CheckTokenRequest', 'SC-AicAccessToken', 'JS-CheckAicAnswer', 'AM-ExternalAuthorization', 'OA-StoreAicToken', 'AM-TokenResponse']);
    expect(result.headers).toMatchObject({ 'cache-control': 'no-store', pragma: 'no-cache', 'content-type': 'application/json' });
    const aic = JSON.parse(result.variables.get('aicResponse.content')!) as { access_token: string; expires_in: number; scope: string };
    expect(aic.scope).toBe('read');
    // RFC 6749 5.1 fields only: no developer email, organization or product list.
    expect(body(result)).toEqual({ access_token: aic.access_token, token_type: 'Bearer', expires_in: aic.expires_in - 30, scope: 'api://scopeDrivenAPI2Client/read' });
    const stored = sim.tokens.get(aic.access_token)!;
    expect(stored).toMatchObject({ clientId: CONSUMER, scope: 'api://scopeDrivenAPI2Client/read', products: [productName('billingApi'), productName('scopeDrivenAPI2Client')] });
    expect(stored.expiresAt - stored.issuedAt).toBe((aic.expires_in - 30) * 1000);
    // AIC knows the token as its own; the consumer's credentials went to AIC only, as sent.
    expect(await harness.introspect(aic.access_token, OTHER, SECRETS[OTHER])).toMatchObject({ active: true, scope: 'read', aud: OTHER });
    expect(sim.callouts).toEqual([{ url: `${front.url}/am/oauth2/realms/root/realms/alpha/access_token`, form: { grant_type: 'client_credentials', client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' } }]);
  });

  it("passes verification at the provider proxy on the route of that scope, and reaches the provider's backend", async () => {
    const token = await tokenFor(CONSUMER, 'api://scopeDrivenAPI2Client/read');
    const result = await sim.call(call('/api2/orders/42', token));
    expect(result.proxy).toBe(providerProxyName(OTHER));
    expect(result.fault).toBeUndefined();
    expect(result.executed).toEqual(['FC-VerifyScope-1', 'JS-CheckRouteScope', 'OA-VerifyScope-2']);
    expect(result.status).toBe(200);
    expect(body(result)).toEqual({ backend: 'ok', path: '/orders/42' });
    expect(backend.received).toEqual([expect.objectContaining({ method: 'GET', path: '/orders/42' })]);
    expect(result.variables.get('apiproduct.name')).toBe(productName(OTHER));
  });

  it('is refused on a route needing another scope (403), and at another provider for the same scope name (403): the scope is qualified', async () => {
    const token = await tokenFor(CONSUMER, 'api://scopeDrivenAPI2Client/read');
    const write = await sim.call(call('/api2/orders/42', token, 'POST'));
    expect(write).toMatchObject({ status: 403, fault: { policy: 'OA-VerifyScope-3', name: 'InsufficientScope' } });
    expect(write.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"');
    expect(body(write)).toEqual({ error: 'insufficient_scope' });
    // billingApi's product is on this credential too (a user-only grant could name any client), so
    // only the qualified scope (api://billingApi/read ≠ api://scopeDrivenAPI2Client/read) refuses it.
    const billing = await sim.call(call('/billingApi/invoices/7', token));
    expect(billing).toMatchObject({ status: 403, fault: { name: 'InsufficientScope' } });
    expect(billing.variables.get('apiproduct.name')).toBeUndefined();
    expect(backend.received).toEqual([]);
  });

  it('the scope survives GenerateAccessToken only because the product lists it: without it the token is stored scopeless and never verifies', async () => {
    const product = fake.org.products.get(productName(OTHER))!;
    const scopes = product.scopes;
    product.scopes = [];
    try {
      const token = await tokenFor(CONSUMER, 'api://scopeDrivenAPI2Client/read');
      expect(sim.tokens.get(token)!.scope).toBe('');
      expect(await sim.call(call('/api2/orders/1', token))).toMatchObject({ status: 403, fault: { name: 'InsufficientScope' } });
    } finally {
      product.scopes = scopes;
    }
  });

  it('without a token, with an unknown token, after expiry: 401 invalid_token, the backend is never called', async () => {
    const token = await tokenFor(CONSUMER, 'api://scopeDrivenAPI2Client/read');
    for (const result of [await sim.call(call('/api2/orders/1')), await sim.call(call('/api2/orders/1', 'not-a-token'))]) {
      expect(result.status).toBe(401);
      expect(result.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(body(result)).toEqual({ error: 'invalid_token' });
    }
    const stored = sim.tokens.get(token)!;
    sim.now = () => stored.expiresAt + 1;
    expect(await sim.call(call('/api2/orders/1', token))).toMatchObject({ status: 401, fault: { name: 'access_token_expired' } });
    expect(backend.received).toEqual([]);
  });

  it('a path no route names is refused (404), and a route naming a scope the API does not have fails closed (500)', async () => {
    const token = await tokenFor(CONSUMER, 'api://scopeDrivenAPI2Client/read');
    expect(await sim.call(call('/api2/customers', token))).toMatchObject({ status: 404, fault: { policy: 'RF-NotFound' } });
    // A hand-edited proxy passing a scope the shared flow does not know: nothing would be verified.
    const revision = fake.org.deployedRevision('apis', providerProxyName(OTHER), 'prod')!;
    const original = revision.files.get('apiproxy/policies/FC-VerifyScope-1.xml')!;
    revision.files.set('apiproxy/policies/FC-VerifyScope-1.xml', original.replace('>read<', '>delete<'));
    try {
      const result = await sim.call(call('/api2/orders/1', token));
      expect(result).toMatchObject({ status: 500, fault: { policy: 'RF-UnknownRouteScope' } });
      expect(body(result)).toEqual({ error: 'server_error', error_description: 'the route names no scope of this API' });
    } finally {
      revision.files.set('apiproxy/policies/FC-VerifyScope-1.xml', original);
    }
    expect(backend.received).toEqual([]);
  });
});

describe('refusals become RFC 6749 errors, never a 500', () => {
  it('a consumer without a grant gets invalid_scope as a 400 (AIC answered 200 with no audience scope) and nothing is stored', async () => {
    const result = await sim.call(tokenRequest({ client_id: OTHER, client_secret: SECRETS[OTHER], scope: 'api://scopeDrivenAPI2Client/read' }));
    expect(result.variables.get('aicResponse.status.code')).toBe('200');
    expect(result).toMatchObject({ status: 400, fault: { policy: 'RF-ScopeNotGranted' } });
    expect(body(result)).toEqual({ error: 'invalid_scope', error_description: 'none of the requested audience scopes was granted' });
    expect(sim.tokens.size).toBe(0);
  });

  it("AIC's own invalid_scope (400, a malformed audience scope) reaches the consumer as that 400 with AIC's description", async () => {
    const result = await sim.call(tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read api://a/b/c' }));
    expect(result.variables.get('aicResponse.status.code')).toBe('400');
    expect(result.fault).toEqual({ policy: 'SC-AicAccessToken', name: 'ExecutionFailed' });
    expect(result.status).toBe(400);
    expect(body(result)).toEqual({ error: 'invalid_scope', error_description: JSON.parse(result.variables.get('aicResponse.content')!).error_description });
    expect(result.headers['cache-control']).toBe('no-store');
    expect(sim.tokens.size).toBe(0);
  });

  it("AIC's invalid_client (401, a wrong secret) becomes invalid_client with 400: the endpoint takes credentials in the form only", async () => {
    const result = await sim.call(tokenRequest({ client_id: CONSUMER, client_secret: 'wrong-secret', scope: 'api://scopeDrivenAPI2Client/read' }));
    expect(result.variables.get('aicResponse.status.code')).toBe('401');
    expect(result.status).toBe(400);
    expect(body(result)).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
  });

  it('AIC unavailable: 503 stays 503, 500 becomes 502, a dropped connection 502; AIC\'s body never reaches the consumer', async () => {
    const leaked = 'stack trace at org.forgerock.internal.Secret';
    front.failNext.push({ status: 503, body: JSON.stringify({ message: leaked }) }, { status: 500, body: leaked }, 'drop');
    const unavailable = await sim.call(tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' }));
    expect(unavailable.status).toBe(503);
    expect(body(unavailable)).toEqual({ error: 'temporarily_unavailable', error_description: 'the authorization server is unavailable; retry later' });
    const failed = await sim.call(tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' }));
    expect(failed.status).toBe(502);
    expect(body(failed)).toEqual({ error: 'server_error', error_description: 'the authorization server failed' });
    const dropped = await sim.call(tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' }));
    expect(dropped.status).toBe(502);
    for (const result of [unavailable, failed, dropped]) expect(result.body).not.toContain('forgerock');
  });

  it('refused before AIC is called: another grant type, no secret, two providers, no audience scope, a provider Apigee does not serve', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ grant_type: 'password', client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' }, 'unsupported_grant_type'],
      [{ client_id: CONSUMER, scope: 'api://scopeDrivenAPI2Client/read' }, 'invalid_request'],
      [{ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read api://billingApi/read' }, 'invalid_scope'],
      [{ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'openid' }, 'invalid_scope'],
      [{ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://internalOnly/read' }, 'invalid_scope'],
    ];
    for (const [form, error] of cases) {
      const result = await sim.call(tokenRequest(form));
      expect(result, JSON.stringify(form)).toMatchObject({ status: 400, fault: { policy: 'RF-BadRequest' } });
      expect(body(result).error).toBe(error);
    }
    expect(sim.callouts).toEqual([]);
    expect(await sim.call({ verb: 'GET', path: `${TOKEN_PATH}/token` })).toMatchObject({ status: 404, fault: { policy: 'RF-NotFound' } });
  });

  it('a client AIC knows but Apigee does not (no credential) gets invalid_client as a 400, and nothing is stored', async () => {
    const app = fake.org.apps.get(`apis@acme.example/${CONSUMER}`)!;
    const credentials = app.credentials;
    app.credentials = [];
    try {
      const result = await sim.call(tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' }));
      expect(result).toMatchObject({ status: 400, fault: { policy: 'OA-StoreAicToken', name: 'invalid_client' } });
      expect(body(result)).toEqual({ error: 'invalid_client', error_description: 'the client is not registered at this gateway' });
      expect(sim.tokens.size).toBe(0);
    } finally {
      app.credentials = credentials;
    }
  });

  it("a token larger than Apigee's 2 KB limit for imported tokens is not stored: 502", async () => {
    front.failNext.push({ status: 200, body: JSON.stringify({ access_token: 'x'.repeat(2049), scope: 'read', token_type: 'Bearer', expires_in: 3599 }) });
    const result = await sim.call(tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' }));
    expect(result).toMatchObject({ status: 502, fault: { policy: 'RF-UnusableAicAnswer' } });
    expect(body(result).error_description).toBe("the authorization server's token is larger than Apigee accepts for imported tokens");
    expect(sim.tokens.size).toBe(0);
    front.failNext.push({ status: 200, body: JSON.stringify({ access_token: 'y'.repeat(2048), scope: 'read', token_type: 'Bearer', expires_in: 3599 }) });
    expect((await sim.call(tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' }))).status).toBe(200);
  });

  it('a token AIC gives less lifetime than the margin is not stored (it would outlive AIC\'s)', async () => {
    front.failNext.push({ status: 200, body: JSON.stringify({ access_token: 'short-lived', scope: 'read', token_type: 'Bearer', expires_in: 30 }) });
    const result = await sim.call(tokenRequest({ client_id: CONSUMER, client_secret: SECRETS[CONSUMER], scope: 'api://scopeDrivenAPI2Client/read' }));
    expect(result).toMatchObject({ status: 502, fault: { policy: 'RF-UnusableAicAnswer' } });
    expect(sim.tokens.size).toBe(0);
  });
});

describe('revocation', () => {
  const revoke = (form: Record<string, string>): ApigeeRequest => ({ verb: 'POST', path: `${TOKEN_PATH}/revoke`, formParams: form });

  it('revokes at AIC and in Apigee: the token stops verifying and AIC calls it inactive', async () => {
    const token = await tokenFor(CONSUMER, 'api://scopeDrivenAPI2Client/read');
    expect((await sim.call(call('/api2/orders/1', token))).status).toBe(200);
    const result = await sim.call(revoke({ token, client_id: CONSUMER, client_secret: SECRETS[CONSUMER] }));
    expect(result.status).toBe(200);
    expect(result.executed).toEqual(['JS-CheckRevokeRequest', 'OAI-TokenOwner', 'SC-AicRevoke', 'JS-CheckRevocation', 'OA-InvalidateToken', 'AM-RevokeResponse']);
    expect(sim.callouts.at(-1)).toEqual({ url: `${front.url}/am/oauth2/realms/root/realms/alpha/token/revoke`, form: { token, client_id: CONSUMER, client_secret: SECRETS[CONSUMER] } });
    expect(front.revoked).toContain(token);
    expect(await sim.call(call('/api2/orders/1', token))).toMatchObject({ status: 401, fault: { name: 'invalid_access_token' } });
    expect(await harness.introspect(token, OTHER, SECRETS[OTHER])).toMatchObject({ active: false });
  });

  it("another client cannot revoke the token, neither at AIC (400) nor in Apigee; a wrong secret changes nothing either", async () => {
    const token = await tokenFor(CONSUMER, 'api://scopeDrivenAPI2Client/read');
    const other = await sim.call(revoke({ token, client_id: OTHER, client_secret: SECRETS[OTHER] }));
    expect(other.status).toBe(400);
    expect(body(other).error).toBe('invalid_request');
    const wrong = await sim.call(revoke({ token, client_id: CONSUMER, client_secret: 'wrong' }));
    expect(wrong.status).toBe(400);
    expect(body(wrong).error).toBe('invalid_client');
    expect(await sim.call(revoke({ token, client_id: CONSUMER }))).toMatchObject({ status: 400, fault: { policy: 'RF-BadRequest' } });
    expect((await sim.call(call('/api2/orders/1', token))).status).toBe(200);
  });

  it("even if AIC accepted another client's revocation, Apigee keeps the token: it checks the owner itself", async () => {
    const token = await tokenFor(CONSUMER, 'api://scopeDrivenAPI2Client/read');
    front.failNext.push({ status: 200, body: '{}' });
    const result = await sim.call(revoke({ token, client_id: OTHER, client_secret: SECRETS[OTHER] }));
    expect(result.status).toBe(200);
    expect(result.executed).not.toContain('OA-InvalidateToken');
    expect((await sim.call(call('/api2/orders/1', token))).status).toBe(200);
  });

  it('an unknown token is not an error (RFC 7009), and Apigee invalidates nothing', async () => {
    const token = await tokenFor(CONSUMER, 'api://scopeDrivenAPI2Client/read');
    const result = await sim.call(revoke({ token: 'never-issued', client_id: CONSUMER, client_secret: SECRETS[CONSUMER] }));
    expect(result.status).toBe(200);
    expect(result.executed).not.toContain('OA-InvalidateToken');
    expect(sim.tokens.has(token)).toBe(true);
  });
});
