/** Resource types, policy sets (applications) and policies: create actions, PUT to missing, references, filters. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreTenant, REALM } from './tenant-client.js';

let core: CoreTenant;
beforeAll(async () => {
  core = await CoreTenant.start();
});
afterAll(() => core.close());

const TYPES_API = { headers: { 'accept-api-version': 'protocol=1.0,resource=1.0' } };
const POLICY_API = { headers: { 'accept-api-version': 'protocol=1.0,resource=2.1' } };
const resourceType = (name: string, uuid?: string) => ({ ...(uuid ? { uuid } : {}), name, description: '', patterns: ['api://*/*'], actions: { GRANT: true } });

async function createType(name: string, uuid?: string): Promise<string> {
  const answer = await core.call('POST', `${REALM}/resourcetypes?_action=create`, resourceType(name, uuid), TYPES_API);
  expect(answer.status).toBe(201);
  return answer.body.uuid as string;
}
async function createSet(name: string, typeUuid: string) {
  return core.call('POST', `${REALM}/applications/?_action=create`, { name, resourceTypeUuids: [typeUuid], applicationType: 'iPlanetAMWebAgentService', entitlementCombiner: 'DenyOverride', subjects: [], conditions: [] }, POLICY_API);
}
const policy = (name: string, applicationName: string, resourceTypeUuid: string, resources = ['api://provider/read']) => ({
  name, active: true, applicationName, resourceTypeUuid, resources, actionValues: { GRANT: true }, subject: { type: 'JwtClaim', claimName: 'client_id', claimValue: 'consumer' },
});

describe('resource types', () => {
  it('creates with the uuid of the body (201) or a generated one, and refuses an existing name (409)', async () => {
    const uuid = randomUUID();
    expect(await createType('CoreTypeA', uuid)).toBe(uuid);
    const generated = await createType('CoreTypeB');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const clash = await core.call('POST', `${REALM}/resourcetypes?_action=create`, resourceType('CoreTypeA'), TYPES_API);
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe(409);
  });

  it('lists with true, exact eq, and an anchored regex in eq (as the admin UI sends)', async () => {
    await createType('CoreTypeList (x)');
    await createType('Delegation Service');
    const names = async (filter: string) => (await core.call('GET', `${REALM}/resourcetypes?_queryFilter=${encodeURIComponent(filter)}`, undefined, TYPES_API)).body.result.map((t: { name: string }) => t.name);
    expect(await names('true')).toEqual(expect.arrayContaining(['CoreTypeList (x)', 'Delegation Service']));
    expect(await names('name eq "CoreTypeList (x)"')).toEqual(['CoreTypeList (x)']);
    const regex = await names('name eq "^(?!Delegation Service$).*"');
    expect(regex).toContain('CoreTypeList (x)');
    expect(regex).not.toContain('Delegation Service');
    expect(await names('name eq "CoreType"')).toEqual([]);
  });

  it('answers 404 to a PUT of a missing uuid by default, and updates an existing one (200)', async () => {
    const missing = randomUUID();
    expect((await core.call('PUT', `${REALM}/resourcetypes/${missing}`, resourceType('CoreTypeMissing'), TYPES_API)).status).toBe(404);
    expect((await core.call('GET', `${REALM}/resourcetypes/${missing}`, undefined, TYPES_API)).status).toBe(404);
    const uuid = await createType('CoreTypeUpdate');
    const updated = await core.call('PUT', `${REALM}/resourcetypes/${uuid}`, { ...resourceType('CoreTypeUpdate'), description: 'changed' }, TYPES_API);
    expect(updated.status).toBe(200);
    expect((await core.call('GET', `${REALM}/resourcetypes/${uuid}`, undefined, TYPES_API)).body.description).toBe('changed');
  });

  it('creates on PUT to a missing uuid when putCreates is set (201)', async () => {
    const lenient = await CoreTenant.start({ putCreates: true });
    try {
      const uuid = randomUUID();
      expect((await lenient.call('PUT', `${REALM}/resourcetypes/${uuid}`, resourceType('CoreTypePut'), TYPES_API)).status).toBe(201);
      expect((await lenient.call('GET', `${REALM}/resourcetypes/${uuid}`, undefined, TYPES_API)).body.name).toBe('CoreTypePut');
    } finally {
      await lenient.close();
    }
  });

  it('refuses to delete a resource type a policy set uses, and deletes an unused one', async () => {
    const used = await createType('CoreTypeUsed');
    expect((await createSet('core-set-uses-type', used)).status).toBe(201);
    const refused = await core.call('DELETE', `${REALM}/resourcetypes/${used}`, undefined, TYPES_API);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('core-set-uses-type');
    const unused = await createType('CoreTypeUnused');
    expect((await core.call('DELETE', `${REALM}/resourcetypes/${unused}`, undefined, TYPES_API)).status).toBe(200);
    expect((await core.call('GET', `${REALM}/resourcetypes/${unused}`, undefined, TYPES_API)).status).toBe(404);
  });
});

describe('policy sets', () => {
  it('creates (201), refuses a duplicate (409) and unknown resource types (400)', async () => {
    const type = await createType('CoreTypeForSets');
    const created = await createSet('core-set', type);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'core-set', resourceTypeUuids: [type] });
    expect((await createSet('core-set', type)).status).toBe(409);
    const unknown = await createSet('core-set-bad', randomUUID());
    expect(unknown.status).toBe(400);
    expect((await core.call('GET', `${REALM}/applications/core-set-bad`, undefined, POLICY_API)).status).toBe(404);
  });

  it('reads, lists, updates by name, and answers 404 to a PUT of a missing one', async () => {
    const type = await createType('CoreTypeForSets2');
    await createSet('core-set-2', type);
    expect((await core.call('GET', `${REALM}/applications/core-set-2`, undefined, POLICY_API)).body.resourceTypeUuids).toEqual([type]);
    const listed = await core.call('GET', `${REALM}/applications?_queryFilter=${encodeURIComponent('name eq "core-set-2"')}`, undefined, POLICY_API);
    expect(listed.body.result.map((s: { name: string }) => s.name)).toEqual(['core-set-2']);
    const updated = await core.call('PUT', `${REALM}/applications/core-set-2`, { name: 'core-set-2', resourceTypeUuids: [type], description: 'changed' }, POLICY_API);
    expect(updated.status).toBe(200);
    expect((await core.call('PUT', `${REALM}/applications/core-set-missing`, { name: 'core-set-missing', resourceTypeUuids: [type] }, POLICY_API)).status).toBe(404);
  });

  it('refuses to delete a policy set that still holds policies (409), then deletes it once empty', async () => {
    const type = await createType('CoreTypeForDelete');
    await createSet('core-set-delete', type);
    expect((await core.call('POST', `${REALM}/policies?_action=create`, policy('core-policy-in-set', 'core-set-delete', type), POLICY_API)).status).toBe(201);
    expect((await core.call('DELETE', `${REALM}/applications/core-set-delete`, undefined, POLICY_API)).status).toBe(409);
    expect((await core.call('DELETE', `${REALM}/policies/core-policy-in-set`, undefined, POLICY_API)).status).toBe(200);
    expect((await core.call('DELETE', `${REALM}/applications/core-set-delete`, undefined, POLICY_API)).status).toBe(200);
  });
});

describe('policies', () => {
  let type: string;
  beforeAll(async () => {
    type = await createType('CoreTypeForPolicies');
    await createSet('core-policies', type);
    const other = await createType('CoreTypeOther');
    await createSet('core-policies-other', other);
  });

  it('creates (201), refuses a duplicate (409), updates by name (200), deletes', async () => {
    expect((await core.call('POST', `${REALM}/policies?_action=create`, policy('core-p1', 'core-policies', type), POLICY_API)).status).toBe(201);
    expect((await core.call('POST', `${REALM}/policies?_action=create`, policy('core-p1', 'core-policies', type), POLICY_API)).status).toBe(409);
    const updated = await core.call('PUT', `${REALM}/policies/core-p1`, policy('core-p1', 'core-policies', type, ['api://provider/write']), POLICY_API);
    expect(updated.status).toBe(200);
    expect((await core.call('GET', `${REALM}/policies/core-p1`, undefined, POLICY_API)).body.resources).toEqual(['api://provider/write']);
    expect((await core.call('DELETE', `${REALM}/policies/core-p1`, undefined, POLICY_API)).status).toBe(200);
    expect((await core.call('GET', `${REALM}/policies/core-p1`, undefined, POLICY_API)).status).toBe(404);
  });

  it('creates a missing policy on PUT (201), as the recorded AIC tenant does, and updates it on the next PUT (200)', async () => {
    const created = await core.call('PUT', `${REALM}/policies/core-missing`, policy('core-missing', 'core-policies', type), POLICY_API);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ _id: 'core-missing', name: 'core-missing', applicationName: 'core-policies' });
    expect((await core.call('GET', `${REALM}/policies/core-missing`, undefined, POLICY_API)).status).toBe(200);
    expect((await core.call('PUT', `${REALM}/policies/core-missing`, policy('core-missing', 'core-policies', type), POLICY_API)).status).toBe(200);
  });

  it('still checks a PUT that creates: unknown policy set or resource outside the type (400), nothing stored', async () => {
    expect((await core.call('PUT', `${REALM}/policies/core-put-bad`, policy('core-put-bad', 'no-such-set', type), POLICY_API)).status).toBe(400);
    expect((await core.call('PUT', `${REALM}/policies/core-put-bad`, policy('core-put-bad', 'core-policies', type, ['https://example.com/x']), POLICY_API)).status).toBe(400);
    expect((await core.call('GET', `${REALM}/policies/core-put-bad`, undefined, POLICY_API)).status).toBe(404);
  });

  it.each([
    ['an unknown policy set', () => policy('core-bad', 'no-such-set', type)],
    ['an unknown resource type', () => policy('core-bad', 'core-policies', randomUUID())],
    ['a resource outside the type patterns', () => policy('core-bad', 'core-policies', type, ['https://example.com/x'])],
    ['an action the type does not define', () => ({ ...policy('core-bad', 'core-policies', type), actionValues: { DELETE: true } })],
  ])('refuses %s with 400', async (_label, body) => {
    const answer = await core.call('POST', `${REALM}/policies?_action=create`, body(), POLICY_API);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 400, reason: 'Bad Request' });
    expect((await core.call('GET', `${REALM}/policies/core-bad`, undefined, POLICY_API)).status).toBe(404);
  });

  it('lists by applicationName and pages', async () => {
    for (let i = 0; i < 3; i++) await core.call('POST', `${REALM}/policies?_action=create`, policy(`core-list-${i}`, 'core-policies', type), POLICY_API);
    const filter = encodeURIComponent('applicationName eq "core-policies"');
    const all = await core.call('GET', `${REALM}/policies?_queryFilter=${filter}`, undefined, POLICY_API);
    expect(all.body.result.map((p: { name: string }) => p.name).filter((n: string) => n.startsWith('core-list-'))).toEqual(['core-list-0', 'core-list-1', 'core-list-2']);
    expect(all.body.result.every((p: { applicationName: string }) => p.applicationName === 'core-policies')).toBe(true);
    const first = await core.call('GET', `${REALM}/policies?_queryFilter=${filter}&_pageSize=2`, undefined, POLICY_API);
    expect(first.body.result).toHaveLength(2);
    const second = await core.call('GET', `${REALM}/policies?_queryFilter=${filter}&_pageSize=2&_pagedResultsCookie=${first.body.pagedResultsCookie}`, undefined, POLICY_API);
    expect([...first.body.result, ...second.body.result].map((p: { name: string }) => p.name)).toEqual(all.body.result.map((p: { name: string }) => p.name).slice(0, 4));
    const other = await core.call('GET', `${REALM}/policies?_queryFilter=${encodeURIComponent('applicationName eq "core-policies-other"')}`, undefined, POLICY_API);
    expect(other.body.result).toEqual([]);
  });
});
