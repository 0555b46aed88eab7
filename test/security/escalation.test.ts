/**
 * Hostile requests against a deployed tenant: no scope name can widen a grant. AM's policy engine
 * matches resources case-insensitively and treats "*" as a wildcard that crosses "/"; the scripts
 * refuse pattern-like scopes before any evaluation and grant a scope only when the applying policy
 * names exactly it, so none of these yields another scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessConfig } from '../../tooling/config/access.js';
import { createPolicy } from '../../tooling/rest/policies.js';
import { SECRETS, startHarness, type Harness } from '../helpers/local-tenant.js';

const A = 'scopeDrivenAPI1Client';
const B = 'scopeDrivenAPI2Client';
const access: AccessConfig = {
  consumers: { [A]: {}, [B]: {} },
  identityClaims: [],
  providers: {
    wildApi: { scopes: { read: { grants: [{ client: A }] }, readwrite: { grants: [{ client: B }] }, admin: { grants: [{ client: B }] } } },
  },
};

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  expect((await harness.deploy(access)).ok).toBe(true);
});
afterAll(() => harness.close());

const tokenFor = (scope: string, clientId = A) => harness.token({ grant_type: 'client_credentials', client_id: clientId, client_secret: SECRETS[clientId as keyof typeof SECRETS], scope });

describe('no scope name widens a grant', () => {
  it('the grant itself works: A gets api://wildApi/read', async () => {
    const { status, body } = await tokenFor('api://wildApi/read');
    expect([status, body.scope]).toEqual([200, 'read']);
  });

  it.each(['api://wildApi/*', 'api://wildApi/read*', 'api://wildApi/-*-', 'api://*/admin'])('%s is refused as malformed (invalid_scope), never evaluated', async (scope) => {
    const before = harness.tenant.context.runtime.counters.scriptHttpCalls;
    const { status, body } = await tokenFor(scope);
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_scope');
    expect(String(body.error_description)).toContain(scope);
    expect(harness.tenant.context.runtime.counters.scriptHttpCalls).toBe(before);
  });

  it('a consumer granted read that asks for READ gets no audience scope (OAuth scopes are case-sensitive; AM matching is not)', async () => {
    const { status, body } = await tokenFor('api://wildApi/READ');
    expect(status).toBe(200);
    expect(body.scope).toBe('');
    const introspection = await harness.introspect(body.access_token as string, A, SECRETS[A]);
    expect(introspection).toMatchObject({ active: true, policyResult: false });
    expect(introspection.aud).toBeUndefined();
  });

  it('a provider named in another case gets no audience scope either', async () => {
    const { body } = await tokenFor('api://WILDAPI/read');
    expect(body.scope).toBe('');
  });

  it.each([
    ['api://wildApi/readwrite', ''],
    ['api://wildApi/admin', ''],
    ['api://wildApi/read api://wildApi/admin', 'read'],
  ])("A never gets B's scopes: %s gives %j", async (scope, expected) => {
    const { body } = await tokenFor(scope);
    expect(body.scope).toBe(expected);
  });

  it("a foreign wildcard policy in the provider's set (AM matches it to every scope) still grants nothing the access file does not", async () => {
    const realm = harness.tenant.context.state.realms.alpha;
    const resourceTypeUuid = String(Object.values(realm.resourceTypes).find((t) => t.name === 'wildApi')!.uuid);
    await createPolicy(harness.http, 'alpha', { name: 'added by hand', active: true, applicationName: 'wildApi', resourceTypeUuid, resources: ['api://wildApi/*'], actionValues: { GRANT: true }, subject: { type: 'JwtClaim', claimName: 'client', claimValue: A } });
    // AM's answer now says GRANT for admin (the wildcard matched) — but no policy names api://wildApi/admin for A.
    const { body } = await tokenFor('api://wildApi/admin');
    expect(body.scope).toBe('');
    // The plan sees it and removes it.
    const outcome = await harness.deploy(access);
    expect(outcome.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.kind}:${c.id}`)).toEqual(['delete policy:added by hand']);
    expect(realm.policies['added by hand']).toBeUndefined();
  });
});
