/**
 * Service-account login as AIC answers it (issue 12, issue 10 item 7): the assertion's audience
 * may name the token endpoint with the scheme's default port written out (what frodo-lib sends:
 * `https://<fqdn>:443/am/oauth2/access_token`); an unsupported scope gets AIC's text, which clients
 * parse to retry; an assertion is single use (its jti), and a repeated form parameter is refused.
 * Each fails against the lenient tenant (exact-string audience, its own message, replays and
 * repeats accepted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameEndpoint } from '../../../tenant/api/admin.js';
import { CoreTenant, JWT_BEARER_GRANT as GRANT } from './tenant-client.js';

let core: CoreTenant;
beforeAll(async () => {
  core = await CoreTenant.start();
});
afterAll(() => core.close());

const loginWith = (overrides: Parameters<CoreTenant['assertion']>[0] = {}, form: Record<string, string> = {}) => core.loginWithAssertion(overrides, form);

describe('assertion audience', () => {
  it.each([
    ['https://tenant.example.com:443/am/oauth2/access_token', 'https://tenant.example.com/am/oauth2/access_token'],
    ['https://tenant.example.com/am/oauth2/access_token', 'https://tenant.example.com:443/am/oauth2/access_token'],
    ['http://127.0.0.1:80/am/oauth2/access_token', 'http://127.0.0.1/am/oauth2/access_token'],
    ['https://Tenant.Example.com:443/am/oauth2/access_token', 'https://tenant.example.com/am/oauth2/access_token'],
  ])('%s names %s', (audience, endpoint) => {
    expect(sameEndpoint(audience, endpoint)).toBe(true);
  });

  it.each([
    ['another port', 'https://tenant.example.com:8443/am/oauth2/access_token'],
    ['the other scheme\'s default port', 'https://tenant.example.com:80/am/oauth2/access_token'],
    ['another scheme', 'http://tenant.example.com/am/oauth2/access_token'],
    ['another host', 'https://evil.example.com/am/oauth2/access_token'],
    ['a trailing slash', 'https://tenant.example.com/am/oauth2/access_token/'],
    ['a dot segment', 'https://tenant.example.com/am/oauth2/./access_token'],
    ['a query', 'https://tenant.example.com/am/oauth2/access_token?x=1'],
    ['user info', 'https://user@tenant.example.com/am/oauth2/access_token'],
  ])('refuses %s', (_label, audience) => {
    expect(sameEndpoint(audience, 'https://tenant.example.com/am/oauth2/access_token')).toBe(false);
  });

  it('logs in with the token URL as the tenant listens, and refuses another path or port over HTTP', async () => {
    expect((await loginWith({ audience: `${core.url}/am/oauth2/access_token` })).status).toBe(200);
    expect((await loginWith({ audience: `${core.url}/am/oauth2/realms/root/access_token` })).body.error).toBe('invalid_grant');
    const port = Number(new URL(core.url).port);
    expect((await loginWith({ audience: `http://127.0.0.1:${port + 1}/am/oauth2/access_token` })).body.error).toBe('invalid_grant');
  });

  it('over HTTP on port 80, accepts http://127.0.0.1:80/… and http://127.0.0.1/… (skipped where port 80 cannot be bound)', async (context) => {
    let on80: CoreTenant;
    try {
      on80 = await CoreTenant.start({ port: 80 });
    } catch (error) {
      return context.skip(`port 80 is not available here: ${(error as Error).message}`);
    }
    try {
      for (const audience of ['http://127.0.0.1:80/am/oauth2/access_token', 'http://127.0.0.1/am/oauth2/access_token']) {
        const answer = await on80.login({ client_id: 'service-account', grant_type: GRANT, assertion: await on80.assertion({ audience }), scope: 'fr:am:*' });
        expect({ audience, status: answer.status }).toEqual({ audience, status: 200 });
      }
    } finally {
      await on80.close();
    }
  });

  it('accepts an audience array naming the endpoint', async () => {
    const answer = await core.login({ client_id: 'service-account', grant_type: GRANT, assertion: await core.assertion({ audience: ['https://other.example.com', `${core.url}/am/oauth2/access_token`] as unknown as string }), scope: 'fr:am:*' });
    expect(answer.status).toBe(200);
  });
});

describe('unsupported scopes', () => {
  it("answers AIC's text with the comma-separated scopes, which a client can parse and retry without", async () => {
    const answer = await loginWith({}, { scope: 'fr:am:* fr:idm:* fr:idc:esv:* fr:idc:promotion:*' });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'invalid_scope', error_description: 'Unsupported scope for service account: fr:idm:*,fr:idc:promotion:*' });
    // frodo-lib's retry: substring(39).split(',') removed from the request.
    const unsupported = String(answer.body.error_description).substring(39).split(',');
    const retried = await loginWith({}, { scope: 'fr:am:* fr:idm:* fr:idc:esv:* fr:idc:promotion:*'.split(' ').filter((s) => !unsupported.includes(s)).join(' ') });
    expect(retried.status).toBe(200);
  });
});

describe('single-use assertions', () => {
  it('refuses a replayed jti with invalid_grant', async () => {
    const assertion = await core.assertion({ jti: 'replayed-jti-1' });
    const form = { client_id: 'service-account', grant_type: GRANT, assertion, scope: 'fr:am:*' };
    expect((await core.login(form)).status).toBe(200);
    const again = await core.login(form);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    // A new assertion reusing the jti is a replay too.
    expect((await loginWith({ jti: 'replayed-jti-1' })).body.error).toBe('invalid_grant');
  });

  it('refuses an assertion without jti', async () => {
    const answer = await loginWith({ jti: null });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_grant');
  });

  it('does not burn the jti of a request refused for its scope', async () => {
    const assertion = await core.assertion({ jti: 'retry-after-scope' });
    expect((await core.login({ client_id: 'service-account', grant_type: GRANT, assertion, scope: 'fr:idm:*' })).status).toBe(400);
    expect((await core.login({ client_id: 'service-account', grant_type: GRANT, assertion, scope: 'fr:am:*' })).status).toBe(200);
  });
});

describe('repeated parameters', () => {
  it.each(['scope', 'assertion', 'grant_type', 'client_id'])('refuses %s sent twice with 400 invalid_request', async (name) => {
    const assertion = await core.assertion();
    const values: Record<string, string> = { client_id: 'service-account', grant_type: GRANT, assertion, scope: 'fr:am:*' };
    const body = `${new URLSearchParams(values).toString()}&${new URLSearchParams({ [name]: values[name] }).toString()}`;
    const answer = await core.send('POST', '/am/oauth2/access_token', { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'invalid_request', error_description: `Invalid Request, duplicate request parameter found : ${name}` });
    // The assertion was not spent.
    expect((await core.login(values)).status).toBe(200);
  });
});
