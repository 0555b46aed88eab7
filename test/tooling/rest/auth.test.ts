/** Service-account login beyond http.test.ts: shared in-flight login, retried login, baseUrl form, injected fetcher, error hygiene. */
import nock from 'nock';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearerAuth, serviceAccountAuth, type TokenAnswer } from '../../../tooling/rest/auth.js';
import { AmHttp } from '../../../tooling/rest/http.js';

const BASE = 'https://tenant.example.com';
const TOKEN_URL = `${BASE}/am/oauth2/access_token`;
let jwk: JWK;
let publicKey: Awaited<ReturnType<typeof generateKeyPair>>['publicKey'];

beforeAll(async () => {
  nock.disableNetConnect();
  const pair = await generateKeyPair('RS256', { extractable: true });
  jwk = { ...(await exportJWK(pair.privateKey)), kid: 'key-1' };
  publicKey = pair.publicKey;
});
afterEach(() => nock.cleanAll());

describe('serviceAccountAuth', () => {
  it('concurrent callers share one login; the assertion carries the documented claims', async () => {
    const forms: Record<string, string>[] = [];
    const fetchToken = async (url: string, form: Record<string, string>): Promise<TokenAnswer> => {
      expect(url).toBe(TOKEN_URL);
      forms.push(form);
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { status: 200, body: { access_token: 'at-shared', expires_in: 900 } };
    };
    const nowMs = Date.now();
    const auth = serviceAccountAuth({ baseUrl: BASE, accountId: 'acct-9', jwk, fetchToken, now: () => nowMs });
    const headers = await Promise.all(Array.from({ length: 5 }, () => auth.header()));
    expect(headers).toEqual(Array(5).fill('Bearer at-shared'));
    expect(forms).toHaveLength(1);
    const { payload } = await jwtVerify(forms[0].assertion, publicKey, { audience: TOKEN_URL, issuer: 'acct-9', subject: 'acct-9', algorithms: ['RS256'], currentDate: new Date(nowMs) });
    expect(payload.exp).toBe(Math.floor(nowMs / 1000) + 180);
    expect(decodeProtectedHeader(forms[0].assertion)).toEqual({ alg: 'RS256', kid: 'key-1' });
    expect(forms[0].scope).toBe('fr:am:* fr:idc:esv:*');
  });

  it('uses a fresh random jti per login and logs in again after invalidate()', async () => {
    const assertions: string[] = [];
    const auth = serviceAccountAuth({ tokenUrl: TOKEN_URL, accountId: 'a', jwk, scope: 'fr:am:*', fetchToken: async (_u, form) => (assertions.push(form.assertion), { status: 200, body: { access_token: `t${assertions.length}`, expires_in: 900 } }) });
    expect(await auth.header()).toBe('Bearer t1');
    auth.invalidate();
    expect(await auth.header()).toBe('Bearer t2');
    const [first, second] = assertions.map((a) => decodeJwt(a));
    expect(first.jti).not.toBe(second.jti);
    expect(first.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('retries the token request on 429 and 5xx like AmHttp', async () => {
    nock(BASE).post('/am/oauth2/access_token').reply(429, {}, { 'Retry-After': '2' }).post('/am/oauth2/access_token').reply(500, {}).post('/am/oauth2/access_token').reply(200, { access_token: 'at-after-retry', expires_in: 900 });
    const waits: number[] = [];
    const auth = serviceAccountAuth({ tokenUrl: TOKEN_URL, accountId: 'a', jwk, http: { sleep: async (ms) => void waits.push(ms), random: () => 0.5 } });
    expect(await auth.header()).toBe('Bearer at-after-retry');
    expect(waits[0]).toBe(2000);
    expect(waits).toHaveLength(2);
  });

  it('a failed login never shows the assertion, even when the server echoes it', async () => {
    let assertion = '';
    const auth = serviceAccountAuth({
      tokenUrl: TOKEN_URL,
      accountId: 'a',
      jwk,
      fetchToken: async (_u, form) => ((assertion = form.assertion), { status: 400, body: { error: 'invalid_grant', error_description: `bad assertion ${form.assertion}` } }),
    });
    const error = await auth.header().catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^service account login failed: HTTP 400 invalid_grant: bad assertion \*\*\*$/);
    expect((error as Error).message).not.toContain(assertion);
  });

  it('says when the server gave up, and when the key is unusable, without key material', async () => {
    nock(BASE).post('/am/oauth2/access_token').times(2).reply(503, { message: 'down' });
    const auth = serviceAccountAuth({ tokenUrl: TOKEN_URL, accountId: 'a', jwk, http: { maxRetries: 1, sleep: async () => {} } });
    await expect(auth.header()).rejects.toThrow(/^service account login failed: HTTP 503 down$/);

    const broken = serviceAccountAuth({ tokenUrl: TOKEN_URL, accountId: 'acct-x', jwk: { kty: 'RSA', n: 'abc', e: 'AQAB', d: 'private-part' }, fetchToken: async () => ({ status: 200, body: { access_token: 'x' } }) });
    const error = await broken.header().catch((e: Error) => e);
    expect((error as Error).message).toContain('service account login failed: the JWK of acct-x');
    expect((error as Error).message).not.toContain('private-part');
  });

  it('a failed login reaches the caller of AmHttp as the login error, and nothing is sent to AM', async () => {
    const auth = serviceAccountAuth({ tokenUrl: TOKEN_URL, accountId: 'a', jwk, fetchToken: async () => ({ status: 401, body: { error: 'invalid_client', error_description: 'unknown account' } }) });
    const http = new AmHttp({ baseUrl: BASE, auth, sleep: async () => {} });
    await expect(http.request({ method: 'GET', path: '/am/json/serverinfo/version', family: 'server-info' })).rejects.toThrow(/^service account login failed: HTTP 401 invalid_client: unknown account$/);
  });

  it('bearerAuth returns the token as given', async () => {
    expect(await bearerAuth('abc').header()).toBe('Bearer abc');
  });
});
