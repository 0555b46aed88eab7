/** AmHttp details beyond http.test.ts: Retry-After dates and caps, network errors, give-up errors, 401 twice, stats. */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmError, AmHttp, type AuthProvider } from '../../../tooling/rest/http.js';
import { bearerAuth } from '../../../tooling/rest/auth.js';

const BASE = 'https://tenant.example.com';
const R = '/am/json/realms/root/realms/alpha';

function client(extra: Partial<ConstructorParameters<typeof AmHttp>[0]> = {}) {
  const waits: number[] = [];
  const http = new AmHttp({ baseUrl: BASE, auth: bearerAuth('tok'), sleep: async (ms) => void waits.push(ms), random: () => 0.5, ...extra });
  return { http, waits };
}

/** What nock 15 needs to fail a request the way a reset socket does (a plain object hangs axios). */
const connectionReset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('Retry-After', () => {
  it('honours an HTTP-date Retry-After measured against the injected clock', async () => {
    const now = Date.parse('2026-01-01T10:00:00Z');
    nock(BASE).get('/a').reply(429, {}, { 'Retry-After': 'Thu, 01 Jan 2026 10:00:07 GMT' }).get('/a').reply(200, { ok: 1 });
    const { http, waits } = client({ now: () => now });
    expect((await http.request({ method: 'GET', path: '/a', family: 't' })).data).toEqual({ ok: 1 });
    expect(waits).toEqual([7000]);
  });

  it('caps Retry-After at 60 s', async () => {
    nock(BASE).get('/a').reply(429, {}, { 'Retry-After': '3600' }).get('/a').reply(200, {});
    const { http, waits } = client();
    await http.request({ method: 'GET', path: '/a', family: 't' });
    expect(waits).toEqual([60_000]);
  });

  it('without Retry-After, backs off exponentially with jitter, capped at 10 s', async () => {
    nock(BASE).get('/b').times(9).reply(429, {}).get('/b').reply(200, {});
    const { http, waits } = client({ maxRetries: 9, random: () => 1 });
    await http.request({ method: 'GET', path: '/b', family: 't' });
    expect(waits.slice(0, 3)).toEqual([200, 400, 800]);
    expect(Math.max(...waits)).toBe(10_000);
    expect(waits.every((w, i) => i === 0 || w >= waits[i - 1])).toBe(true);
  });
});

describe('network errors', () => {
  it('retries a connection reset, then succeeds', async () => {
    nock(BASE).get('/n').replyWithError(connectionReset()).get('/n').reply(200, { fine: true });
    const { http, waits } = client();
    expect((await http.request({ method: 'GET', path: '/n', family: 't' })).data).toEqual({ fine: true });
    expect(waits).toHaveLength(1);
    expect(http.stats.retries).toBe(1);
    expect(http.stats.requests).toBe(2);
  });

  it('gives up after maxRetries with an AmError naming the family, method, path and cause', async () => {
    nock(BASE).get('/n').times(3).replyWithError(connectionReset());
    const { http, waits } = client({ maxRetries: 2 });
    const error = await http.request({ method: 'GET', path: '/n', family: 'scripts' }).catch((e) => e);
    expect(error).toBeInstanceOf(AmError);
    expect(error.message).toMatch(/^scripts GET \/n: ECONNRESET socket hang up \(after 2 retries\)$/);
    expect(error.status).toBeUndefined();
    expect(waits).toHaveLength(2);
  });

  it('does not retry a 500 from AM (not transient), and the message is one line', async () => {
    nock(BASE).put('/p').reply(500, { code: 500, reason: 'Internal Server Error', message: 'boom\nsecond line' });
    const { http, waits } = client();
    const error = await http.request({ method: 'PUT', path: '/p', body: {}, family: 'policies' }).catch((e) => e);
    expect(error.message).toBe('policies PUT /p: HTTP 500 boom second line');
    expect(error.amMessage).toBe('boom second line');
    expect(waits).toEqual([]);
  });
});

describe('401', () => {
  it('re-logs in only once: a second 401 is thrown', async () => {
    let invalidations = 0;
    const auth: AuthProvider = { header: async () => `Bearer t${invalidations}`, invalidate: () => void (invalidations += 1) };
    nock(BASE).get('/z').times(2).reply(401, { code: 401, message: 'Access Denied' });
    const http = new AmHttp({ baseUrl: BASE, auth, sleep: async () => {} });
    const error = await http.request({ method: 'GET', path: '/z', family: 'scripts' }).catch((e) => e);
    expect(error).toBeInstanceOf(AmError);
    expect(error.status).toBe(401);
    expect(error.message).toBe('scripts GET /z: HTTP 401 Access Denied');
    expect(invalidations).toBe(1);
  });
});

describe('requests', () => {
  it('sends Accept-API-Version from the request and JSON content type on bodies', async () => {
    nock(BASE, { reqheaders: { 'accept-api-version': 'protocol=9.9,resource=7.7', 'content-type': /application\/json/ } })
      .put('/h', { a: 1 })
      .reply(200, {});
    const { http } = client();
    await http.request({ method: 'PUT', path: '/h', body: { a: 1 }, apiVersion: 'protocol=9.9,resource=7.7', family: 't' });
  });

  it('returns accepted non-2xx statuses instead of throwing', async () => {
    nock(BASE).get('/m').reply(404, { code: 404, message: 'Not Found' });
    const { http } = client();
    const response = await http.request({ method: 'GET', path: '/m', family: 't', accept: [404] });
    expect(response.status).toBe(404);
  });

  it('counts every attempt as a request, writes once, evaluate and queries not at all, and by family', async () => {
    nock(BASE)
      .put('/w').reply(503).put('/w').reply(200, {})
      .post(`${R}/policies`).query({ _action: 'evaluate' }).reply(200, [])
      .get('/r').reply(200, {});
    const { http } = client();
    await http.request({ method: 'PUT', path: '/w', body: {}, family: 'scripts' });
    await http.request({ method: 'POST', path: `${R}/policies`, query: { _action: 'evaluate' }, body: { resources: [], application: 'x' }, family: 'policies' });
    await http.request({ method: 'GET', path: '/r', family: 'scripts' });
    expect(http.stats).toEqual({ requests: 4, writes: 1, retries: 1, byFamily: { scripts: 3, policies: 1 } });
  });
});
