/** Transport behaviour: retries and Retry-After, re-login on 401, PUT fallbacks, concurrency, service-account login, masking. */
import nock from 'nock';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmError, AmHttp, type AuthProvider } from '../../../tooling/rest/http.js';
import { bearerAuth, serviceAccountAuth } from '../../../tooling/rest/auth.js';
import { updatePolicy, createPolicy } from '../../../tooling/rest/policies.js';
import { updateResourceType } from '../../../tooling/rest/resource-types.js';
import { createSecret } from '../../../tooling/rest/esv.js';
import { Redactor } from '../../../common/redact.js';

const BASE = 'https://tenant.example.com';
const R = '/am/json/realms/root/realms/alpha';

function client(extra: Partial<ConstructorParameters<typeof AmHttp>[0]> = {}) {
  const waits: number[] = [];
  const http = new AmHttp({ baseUrl: BASE, auth: bearerAuth('tok'), sleep: async (ms) => void waits.push(ms), random: () => 0.5, ...extra });
  return { http, waits };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('retries', () => {
  it('honours Retry-After on 429 and then succeeds', async () => {
    nock(BASE).get('/environment/startup').reply(429, { code: 429 }, { 'Retry-After': '3' }).get('/environment/startup').reply(200, { restartStatus: 'ready' });
    const { http, waits } = client();
    const response = await http.request({ method: 'GET', path: '/environment/startup', family: 'esv' });
    expect(response.data).toEqual({ restartStatus: 'ready' });
    expect(waits).toEqual([3000]);
    expect(http.stats.retries).toBe(1);
  });

  it('backs off on 503 and on a dropped connection, then succeeds', async () => {
    nock.enableNetConnect('127.0.0.1');
    let calls = 0;
    const server = createServer((req, res) => {
      calls += 1;
      if (calls === 1) return void res.writeHead(503).end();
      if (calls === 2) return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const waits: number[] = [];
      const http = new AmHttp({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth: bearerAuth('tok'), sleep: async (ms) => void waits.push(ms), random: () => 0.5 });
      expect((await http.request({ method: 'GET', path: '/x', family: 't' })).data).toEqual({ ok: true });
      expect(calls).toBe(3);
      expect(waits).toHaveLength(2);
      expect(waits[1]).toBeGreaterThan(waits[0]);
    } finally {
      server.closeAllConnections();
      server.close();
      nock.disableNetConnect();
    }
  });

  it('gives up after the bounded number of retries with a clear error', async () => {
    nock(BASE).get('/x').times(3).reply(503, { code: 503, message: 'Service Unavailable' });
    const { http } = client({ maxRetries: 2 });
    const error = await http.request({ method: 'GET', path: '/x', family: 'scripts' }).catch((e) => e);
    expect(error).toBeInstanceOf(AmError);
    expect(error.message).toBe('scripts GET /x: HTTP 503 Service Unavailable');
    expect(error.status).toBe(503);
  });

  it('does not retry a 400 and reports AM message and valid attributes', async () => {
    nock(BASE).put('/y').reply(400, { code: 400, reason: 'Bad Request', message: 'Invalid attribute specified.', detail: { validAttributes: ['a', 'b'] } });
    const error = await client().http.request({ method: 'PUT', path: '/y', body: {}, family: 'oauth2-clients' }).catch((e) => e);
    expect(error.message).toBe('oauth2-clients PUT /y: HTTP 400 Invalid attribute specified. (valid attributes: a, b)');
  });

  it('logs in again once on 401', async () => {
    let logins = 0;
    const auth: AuthProvider = { header: async () => `Bearer t${logins}`, invalidate: () => void (logins += 1) };
    nock(BASE).get('/z').matchHeader('authorization', 'Bearer t0').reply(401).get('/z').matchHeader('authorization', 'Bearer t1').reply(200, { fine: true });
    const http = new AmHttp({ baseUrl: BASE, auth, sleep: async () => {} });
    expect((await http.request({ method: 'GET', path: '/z', family: 't' })).data).toEqual({ fine: true });
    expect(logins).toBe(1);
  });
});

describe('policy engine writes', () => {
  it('falls back to create when PUT answers 404, and accepts 201 on PUT', async () => {
    nock(BASE)
      .put(`${R}/policies/p1`).reply(404, { code: 404 })
      .post(`${R}/policies`).query({ _action: 'create' }).reply(201, {})
      .put(`${R}/resourcetypes/u1`).reply(201, {});
    const { http } = client();
    expect(await updatePolicy(http, 'alpha', 'p1', { name: 'p1' })).toBe('created');
    expect(await updateResourceType(http, 'alpha', 'u1', { name: 'rt' })).toBe('created');
  });

  it('reports 409 on create as "exists" and an existing secret (400) likewise', async () => {
    nock(BASE).post(`${R}/policies`).query({ _action: 'create' }).reply(409, { code: 409, message: 'exists' }).put('/environment/secrets/esv-x').reply(400, { code: 400, message: 'Secret already exists' });
    const { http } = client();
    expect(await createPolicy(http, 'alpha', { name: 'p' })).toEqual({ exists: true });
    expect(await createSecret(http, 'esv-x', { value: 'x', description: '', encoding: 'generic', useInPlaceholders: true })).toEqual({ exists: true });
  });
});

describe('concurrency', () => {
  it('never has more requests in flight than the limit', async () => {
    nock.enableNetConnect('127.0.0.1');
    let inFlight = 0;
    let peak = 0;
    const server = createServer((_req, res) => {
      peak = Math.max(peak, ++inFlight);
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }, 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const http = new AmHttp({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth: bearerAuth('tok'), concurrency: 3 });
      await Promise.all(Array.from({ length: 20 }, (_, i) => http.request({ method: 'GET', path: `/c/${i}`, family: 't' })));
      expect(peak).toBe(3);
    } finally {
      server.closeAllConnections();
      server.close();
      nock.disableNetConnect();
    }
  });
});

describe('service-account login', () => {
  it('signs an RS256 assertion with the account key and reuses the token until near expiry', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const assertions: string[] = [];
    const bodies: string[] = [];
    const scope = nock(BASE);
    scope.on('request', (_req: unknown, _interceptor: unknown, body: string) => bodies.push(body));
    scope
      .post('/am/oauth2/access_token')
      .times(2)
      .reply(() => {
        const form = new URLSearchParams(bodies[bodies.length - 1]);
        expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
        expect(form.get('client_id')).toBe('service-account');
        expect(form.get('scope')).toBe('fr:am:* fr:idc:esv:*');
        assertions.push(form.get('assertion')!);
        return [200, { access_token: `at-${assertions.length}`, expires_in: 899 }];
      });
    let now = Date.now();
    const auth = serviceAccountAuth({ tokenUrl: `${BASE}/am/oauth2/access_token`, accountId: 'acct-1', jwk, now: () => now });
    expect(await auth.header()).toBe('Bearer at-1');
    now += 600_000;
    expect(await auth.header()).toBe('Bearer at-1');
    now += 250_000; // within 60 s of expiry
    expect(await auth.header()).toBe('Bearer at-2');
    const { payload } = await jwtVerify(assertions[0], publicKey, { audience: `${BASE}/am/oauth2/access_token`, issuer: 'acct-1', subject: 'acct-1', currentDate: new Date(now - 850_000) });
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(180);
  });

  it('says why a login failed without echoing the assertion', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    nock(BASE).post('/am/oauth2/access_token').reply(400, { error: 'invalid_grant', error_description: 'bad signature' });
    const auth = serviceAccountAuth({ tokenUrl: `${BASE}/am/oauth2/access_token`, accountId: 'a', jwk: await exportJWK(privateKey) });
    await expect(auth.header()).rejects.toThrow('service account login failed: HTTP 400 invalid_grant: bad signature');
  });
});

describe('masking', () => {
  it('keeps secrets out of verbose logs and error messages', async () => {
    const secret = 'Gateway-Secret-42!';
    const redactor = new Redactor();
    redactor.add(secret);
    redactor.add('bearer-token-xyz');
    const lines: string[] = [];
    nock(BASE)
      .put('/environment/secrets/esv-policy-gateway-secret').reply(200, {})
      .put(`${R}/realm-config/agents/IdentityGatewayAgent/gw`).reply(500, { code: 500, message: `could not store ${secret}` });
    const http = new AmHttp({ baseUrl: BASE, auth: bearerAuth('bearer-token-xyz'), verbose: true, log: (l) => lines.push(l), redactor, sleep: async () => {}, maxRetries: 0 });
    await http.request({ method: 'PUT', path: '/environment/secrets/esv-policy-gateway-secret', family: 'esv', body: { valueBase64: Buffer.from(secret).toString('base64'), description: 'd' } });
    const error = await http.request({ method: 'PUT', path: `${R}/realm-config/agents/IdentityGatewayAgent/gw`, family: 'ig-agents', body: { userpassword: secret } }).catch((e) => e);
    const everything = [...lines, error.message, error.amMessage].join('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const value of [secret, Buffer.from(secret).toString('base64'), 'bearer-token-xyz']) expect(everything).not.toContain(value);
    expect(everything).toContain('***');
  });

  it('masks secret headers and body keys', () => {
    const redactor = new Redactor();
    redactor.addSecretHeader('6ac6499e9da2071');
    expect(redactor.maskHeaders({ Authorization: 'Bearer x', '6ac6499e9da2071': 'sso', 'X-OpenAM-Password': 'p', 'X-OpenAM-Username': 'gw' })).toEqual({ Authorization: '***', '6ac6499e9da2071': '***', 'X-OpenAM-Password': '***', 'X-OpenAM-Username': 'gw' });
    expect(redactor.maskBody({ client_secret: 's', nested: [{ d: 'k', n: 'pub' }], valueBase64: 'v' }, { secretValues: true })).toEqual({ client_secret: '***', nested: [{ d: '***', n: 'pub' }], valueBase64: '***' });
  });
});
