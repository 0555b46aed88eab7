/**
 * Names AIC forbids in resource types, policy sets and policies (" + , < = > \ / ; and null — AIC
 * docs, "Policy set names") are refused with 400 on every write path (create action and PUT, name
 * in the body or in the path), and nothing is stored; allowed punctuation still passes. Also AIC's
 * recorded 404 texts for missing objects. The forbidden-name tests fail against a tenant that
 * stores such names — as the lenient one did, so `+ , ; =` in provider ids deployed locally and
 * failed on AIC.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recording } from '../../helpers/recordings.js';
import { CoreTenant, REALM } from './tenant-client.js';

let core: CoreTenant;
let typeUuid: string;
/** A tenant whose PUT creates policy sets (`putCreates`): the name check must still hold there. */
let lenient: CoreTenant;
let lenientType: string;
const TYPES_API = { headers: { 'accept-api-version': 'protocol=1.0,resource=1.0' } };
const POLICY_API = { headers: { 'accept-api-version': 'protocol=1.0,resource=2.1' } };
const FORBIDDEN = ['"', '+', ',', '<', '=', '>', '\\', '/', ';', '\u0000'];

beforeAll(async () => {
  core = await CoreTenant.start();
  typeUuid = (await core.call('POST', `${REALM}/resourcetypes?_action=create`, { name: 'NamesType', patterns: ['api://*/*'], actions: { GRANT: true } }, TYPES_API)).body.uuid;
  await core.call('POST', `${REALM}/applications/?_action=create`, { name: 'names-set', resourceTypeUuids: [typeUuid] }, POLICY_API);
  lenient = await CoreTenant.start({ putCreates: true });
  lenientType = (await lenient.call('POST', `${REALM}/resourcetypes?_action=create`, { name: 'NamesType', patterns: ['api://*/*'], actions: { GRANT: true } }, TYPES_API)).body.uuid;
});
afterAll(async () => {
  await core.close();
  await lenient.close();
});

const policy = (name: string) => ({ name, active: true, applicationName: 'names-set', resourceTypeUuid: typeUuid, resources: ['api://names/read'], actionValues: { GRANT: true }, subject: { type: 'JwtClaim', claimName: 'client', claimValue: 'c' } });
const label = (ch: string) => (ch === '\u0000' ? 'NUL' : ch);

describe.each(FORBIDDEN.map((ch) => [label(ch), ch]))('a name containing %s', (_label, ch) => {
  const name = `bad${ch}name`;

  it('is refused for a resource type (create and PUT), 400, nothing stored', async () => {
    const created = await core.call('POST', `${REALM}/resourcetypes?_action=create`, { name, patterns: ['api://*/*'], actions: { GRANT: true } }, TYPES_API);
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ code: 400, reason: 'Bad Request' });
    expect(created.body.message).toContain('must not contain');
    expect((await core.call('PUT', `${REALM}/resourcetypes/${typeUuid}`, { name, patterns: ['api://*/*'], actions: { GRANT: true } }, TYPES_API)).status).toBe(400);
    expect(Object.values(core.state.realms.alpha.resourceTypes).map((t) => t.name)).not.toContain(name);
  });

  it('is refused for a policy set (create, and PUT by a name in the path), 400, nothing stored', async () => {
    expect((await core.call('POST', `${REALM}/applications/?_action=create`, { name, resourceTypeUuids: [typeUuid] }, POLICY_API)).status).toBe(400);
    // A PUT by such a name finds no policy set (404, recorded for any missing one) — or, where PUT creates, is refused.
    expect([400, 404]).toContain((await core.call('PUT', `${REALM}/applications/${encodeURIComponent(name)}`, { name, resourceTypeUuids: [typeUuid] }, POLICY_API)).status);
    expect((await lenient.call('PUT', `${REALM}/applications/${encodeURIComponent(name)}`, { name, resourceTypeUuids: [lenientType] }, POLICY_API)).status).toBe(400);
    expect(Object.keys(core.state.realms.alpha.policySets)).not.toContain(name);
    expect(Object.keys(lenient.state.realms.alpha.policySets)).not.toContain(name);
  });

  it('is refused for a policy (create, and PUT — which would otherwise create it), 400, nothing stored', async () => {
    expect((await core.call('POST', `${REALM}/policies?_action=create`, policy(name), POLICY_API)).status).toBe(400);
    expect((await core.call('PUT', `${REALM}/policies/${encodeURIComponent(name)}`, policy(name), POLICY_API)).status).toBe(400);
    expect(Object.keys(core.state.realms.alpha.policies)).not.toContain(name);
  });
});

describe('allowed names', () => {
  it('still pass with spaces, dots, dashes, colons, @ and parentheses', async () => {
    const name = 'orders-api:v1@eu (read) x.y';
    expect((await core.call('POST', `${REALM}/policies?_action=create`, policy(name), POLICY_API)).status).toBe(201);
    expect((await core.call('POST', `${REALM}/applications/?_action=create`, { name: 'orders-api:v1@eu', resourceTypeUuids: [typeUuid] }, POLICY_API)).status).toBe(201);
  });
});

describe("AIC's texts for missing objects", () => {
  it('resource type PUT of a missing uuid: the recorded 404', async () => {
    const [exchange] = recording('resource-type.put-missing');
    const answer = await core.call('PUT', exchange.request.path, exchange.request.body, { headers: exchange.request.headers });
    expect({ status: answer.status, body: answer.body }).toEqual({ status: exchange.response.status, body: exchange.response.body });
  });

  it('policy set PUT of a missing name: the recorded 404', async () => {
    const [exchange] = recording('policy-set.put-missing');
    const body = { ...(exchange.request.body as Record<string, unknown>), resourceTypeUuids: [typeUuid] };
    const answer = await core.call('PUT', exchange.request.path, body, { headers: exchange.request.headers });
    expect({ status: answer.status, body: answer.body }).toEqual({ status: exchange.response.status, body: exchange.response.body });
  });

  it('missing policy, policy set and resource type reads and deletes', async () => {
    const missing = randomUUID();
    expect((await core.call('GET', `${REALM}/policies/DoesNotExist`, undefined, POLICY_API)).body.message).toBe('Policy DoesNotExist does not exist.');
    expect((await core.call('DELETE', `${REALM}/policies/DoesNotExist`, undefined, POLICY_API)).body.message).toBe('Policy DoesNotExist does not exist.');
    expect((await core.call('GET', `${REALM}/applications/DoesNotExist`, undefined, POLICY_API)).body.message).toBe('Unable to retrieve application under realm /alpha.');
    expect((await core.call('DELETE', `${REALM}/applications/DoesNotExist`, undefined, POLICY_API)).body.message).toBe('DoesNotExist application not found in realm.');
    expect((await core.call('GET', `${REALM}/resourcetypes/${missing}`, undefined, TYPES_API)).body.message).toBe(`Resource Type ${missing} does not exist in realm /alpha`);
  });
});
