/** Service-account login (JWT bearer grant), the admin guard, and the unauthenticated server info. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreTenant, REALM } from './tenant-client.js';

let core: CoreTenant;

beforeAll(async () => {
  core = await CoreTenant.start();
});
afterAll(() => core.close());

const loginWith = (overrides: Parameters<CoreTenant['assertion']>[0] = {}, form: Record<string, string> = {}) => core.loginWithAssertion(overrides, form);

describe('service-account login', () => {
  it('issues a bearer token for an assertion signed with the generated key', async () => {
    const answer = await loginWith();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ scope: 'fr:am:* fr:idc:esv:*', token_type: 'Bearer', expires_in: 899 });
    expect(typeof answer.body.access_token).toBe('string');
    const issued = core.tenant.context.runtime.tokens.get(answer.body.access_token);
    expect(issued?.kind).toBe('service-account');
    expect(issued?.scope).toEqual(['fr:am:*', 'fr:idc:esv:*']);
  });

  it('grants a narrower scope when asked', async () => {
    const answer = await loginWith({}, { scope: 'fr:idc:esv:*' });
    expect(answer.status).toBe(200);
    expect(answer.body.scope).toBe('fr:idc:esv:*');
  });

  it.each([
    ['signed with another key', { wrongKey: true }],
    ['expired', { expiresIn: -300 }],
    ['for another audience', { audience: 'https://elsewhere.example.com/am/oauth2/access_token' }],
    ['living longer than 180 s', { expiresIn: 3600 }],
    ['without exp', { omitExp: true }],
    ['from an unknown account', { accountId: '00000000-0000-4000-8000-000000000000' }],
  ])('refuses an assertion %s with 400 invalid_grant', async (_label, overrides) => {
    const answer = await loginWith(overrides);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_grant');
    expect(typeof answer.body.error_description).toBe('string');
  });

  it('refuses another client id with 400 invalid_client', async () => {
    const answer = await loginWith({}, { client_id: 'someone-else' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_client');
  });

  it('refuses a scope the account does not hold', async () => {
    const answer = await loginWith({}, { scope: 'fr:am:* fr:idm:*' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_scope');
  });
});

describe('admin guard', () => {
  const scripts = `${REALM}/scripts?_queryFilter=true`;

  it('answers 401 AM-shaped without a token', async () => {
    const answer = await core.call('GET', scripts, undefined, { token: null });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ code: 401, reason: 'Unauthorized' });
  });

  it('answers 401 for a token it never issued', async () => {
    const answer = await core.call('GET', scripts, undefined, { token: 'not-a-token' });
    expect(answer.status).toBe(401);
  });

  it('refuses an AM call with an ESV-only token, and an ESV call with an AM-only token', async () => {
    const esvOnly = await core.token('fr:idc:esv:*');
    const amOnly = await core.token('fr:am:*');
    expect((await core.call('GET', scripts, undefined, { token: esvOnly })).status).toBe(403);
    expect((await core.call('GET', '/environment/variables', undefined, { token: amOnly })).status).toBe(403);
    expect((await core.call('GET', scripts, undefined, { token: amOnly })).status).toBe(200);
    expect((await core.call('GET', '/environment/variables', undefined, { token: esvOnly })).status).toBe(200);
  });

  it('refuses an expired token', async () => {
    const token = await core.token();
    core.tenant.context.runtime.tokens.get(token)!.expiresAt = Date.now() - 1;
    expect((await core.call('GET', scripts, undefined, { token })).status).toBe(401);
  });
});

describe('server info (no authentication)', () => {
  it('reports the version from state', async () => {
    const answer = await core.call('GET', '/am/json/serverinfo/version', undefined, { token: null });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ _id: 'version', version: core.state.amVersion });
    expect(typeof answer.body.fullVersion).toBe('string');
    expect(typeof answer.body.revision).toBe('string');
    expect(typeof answer.body.date).toBe('string');
  });

  it('reports the cookie name', async () => {
    const answer = await core.call('GET', '/am/json/serverinfo/*', undefined, { token: null });
    expect(answer.status).toBe(200);
    expect(answer.body.cookieName).toBe(core.state.cookieName);
    expect(answer.body.cookieName).toMatch(/^[0-9a-f]{8,}$/);
  });

  it('reports an overridden AM version', async () => {
    const legacy = await CoreTenant.start({ amVersion: '7.3.0' });
    try {
      expect((await legacy.call('GET', '/am/json/serverinfo/version', undefined, { token: null })).body.version).toBe('7.3.0');
    } finally {
      await legacy.close();
    }
  });
});
