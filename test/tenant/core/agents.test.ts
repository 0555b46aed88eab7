/** OAuth2 clients and Identity Gateway agents: wrapped shapes, whole-object PUT, attribute validation, write-only secrets. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreTenant, REALM, allStrings, b64 } from './tenant-client.js';

let core: CoreTenant;
beforeAll(async () => {
  core = await CoreTenant.start();
});
afterAll(() => core.close());

const API = { headers: { 'accept-api-version': 'protocol=2.1,resource=1.0' } };
const CLIENTS = `${REALM}/realm-config/agents/OAuth2Client`;
const AGENTS = `${REALM}/realm-config/agents/IdentityGatewayAgent`;
const wrapped = (value: unknown) => ({ inherited: false, value });
const storedClientSecret = (id: string) => (core.state.realms.alpha.oauth2Clients[id].coreOAuth2ClientConfig as { userpassword: unknown }).userpassword;

function clientBody(secret?: string | null) {
  return {
    coreOAuth2ClientConfig: { ...(secret === undefined ? {} : { userpassword: secret }), clientType: wrapped('Confidential'), scopes: wrapped(['openid']), status: wrapped('Active') },
    advancedOAuth2ClientConfig: { grantTypes: wrapped(['client_credentials']), responseTypes: wrapped(['token']) },
    overrideOAuth2ClientConfig: { providerOverridesEnabled: false, accessTokenModificationPluginType: 'PROVIDER', accessTokenModificationScript: '[Empty]' },
  };
}

describe('OAuth2 clients', () => {
  it('serves the seeded article clients in the wrapped group shape, without their secrets', async () => {
    const answer = await core.call('GET', `${CLIENTS}/scopeDrivenAPI1Client`, undefined, API);
    expect(answer.status).toBe(200);
    expect(answer.body.advancedOAuth2ClientConfig.grantTypes.value).toEqual(expect.arrayContaining(['client_credentials', 'authorization_code', 'refresh_token']));
    expect(answer.body.coreOAuth2ClientConfig.redirectionUris.value).toContain('http://localhost:3000/callback');
    expect(answer.body.overrideOAuth2ClientConfig.providerOverridesEnabled).toBe(false);
    expect(answer.body.coreOAuth2ClientConfig.userpassword).toBeNull();
    expect(typeof answer.body.coreOAuth2ClientConfig['userpassword-encrypted']).toBe('string');
    expect(allStrings(answer.body)).not.toContain(storedClientSecret('scopeDrivenAPI1Client'));
  });

  it('lists clients with _queryFilter=true, never with secrets', async () => {
    const answer = await core.call('GET', `${CLIENTS}?_queryFilter=true`, undefined, API);
    expect(answer.status).toBe(200);
    const ids = answer.body.result.map((c: { _id: string }) => c._id);
    expect(ids).toEqual(expect.arrayContaining(['scopeDrivenAPI1Client', 'scopeDrivenAPI2Client']));
    for (const id of ['scopeDrivenAPI1Client', 'scopeDrivenAPI2Client']) expect(allStrings(answer.body)).not.toContain(storedClientSecret(id));
  });

  it('creates with 201, replaces the whole client on PUT (200), and keeps the secret when the PUT has none', async () => {
    const id = `core-client-${randomUUID().slice(0, 8)}`;
    const secret = 'core-client-Secret-1';
    const created = await core.call('PUT', `${CLIENTS}/${id}`, clientBody(secret), API);
    expect(created.status).toBe(201);
    expect(allStrings(created.body)).not.toContain(secret);
    // Read, change the override block only, write back without the secret (as the deploy tool does).
    const read = (await core.call('GET', `${CLIENTS}/${id}`, undefined, API)).body;
    delete read._id, delete read._rev, delete read._type;
    delete read.coreOAuth2ClientConfig.userpassword, delete read.coreOAuth2ClientConfig['userpassword-encrypted'];
    delete read.advancedOAuth2ClientConfig;
    read.overrideOAuth2ClientConfig.providerOverridesEnabled = true;
    const updated = await core.call('PUT', `${CLIENTS}/${id}`, read, API);
    expect(updated.status).toBe(200);
    expect(updated.body.overrideOAuth2ClientConfig.providerOverridesEnabled).toBe(true);
    expect(updated.body).not.toHaveProperty('advancedOAuth2ClientConfig');
    expect(storedClientSecret(id)).toBe(secret);
    await core.call('PUT', `${CLIENTS}/${id}`, clientBody(null), API);
    expect(storedClientSecret(id)).toBe(secret);
    await core.call('PUT', `${CLIENTS}/${id}`, clientBody('core-client-Secret-2'), API);
    expect(storedClientSecret(id)).toBe('core-client-Secret-2');
  });

  it('answers 400 Invalid attribute specified for an unknown group, listing the valid ones', async () => {
    const answer = await core.call('PUT', `${CLIENTS}/core-bad-group`, { ...clientBody('x'), madeUpConfig: {} }, API);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 400, reason: 'Bad Request', message: 'Invalid attribute specified.' });
    expect(answer.body.detail.validAttributes).toEqual(expect.arrayContaining(['coreOAuth2ClientConfig', 'overrideOAuth2ClientConfig']));
    expect((await core.call('GET', `${CLIENTS}/core-bad-group`, undefined, API)).status).toBe(404);
  });

  it.each(['coreOAuth2ClientConfig', 'advancedOAuth2ClientConfig', 'overrideOAuth2ClientConfig'])('answers 400 for an unknown attribute inside %s', async (group) => {
    const body = clientBody('x') as Record<string, Record<string, unknown>>;
    body[group] = { ...body[group], notAnAttribute: true };
    const answer = await core.call('PUT', `${CLIENTS}/core-bad-attr`, body, API);
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('Invalid attribute specified.');
    expect(answer.body.detail.validAttributes).not.toContain('notAnAttribute');
    expect(answer.body.detail.validAttributes.length).toBeGreaterThan(0);
  });

  it('refuses overrides that point at a missing script, and accepts an existing one', async () => {
    const body = clientBody('x');
    const scriptId = randomUUID();
    body.overrideOAuth2ClientConfig = { providerOverridesEnabled: true, accessTokenModificationPluginType: 'SCRIPTED', accessTokenModificationScript: scriptId };
    expect((await core.call('PUT', `${CLIENTS}/core-scripted`, body, API)).status).toBe(400);
    await core.call('PUT', `${REALM}/scripts/${scriptId}`, { name: `core-mod-${scriptId}`, script: b64('1'), language: 'JAVASCRIPT', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', evaluatorVersion: '1.0', default: false });
    expect((await core.call('PUT', `${CLIENTS}/core-scripted`, body, API)).status).toBe(201);
  });

  it('answers 404 for a missing client', async () => {
    expect((await core.call('GET', `${CLIENTS}/nobody-${randomUUID()}`, undefined, API)).status).toBe(404);
  });
});

describe('Identity Gateway agents', () => {
  const agentBody = (password: string | null) => ({ userpassword: password, igTokenIntrospection: wrapped('Realm_Subs'), status: wrapped('Active'), igCdssoRedirectUrls: wrapped([]) });
  const storedPassword = (id: string) => core.state.realms.alpha.igAgents[id].userpassword;

  it('creates with 201 and updates with 200, GET wrapped, secret never returned and kept on a PUT without it', async () => {
    const id = `core-gateway-${randomUUID().slice(0, 8)}`;
    const created = await core.call('PUT', `${AGENTS}/${id}`, agentBody('gateway-Secret-1'), API);
    expect(created.status).toBe(201);
    expect(created.body.igTokenIntrospection).toEqual(wrapped('Realm_Subs'));
    expect(created.body.secretLabelIdentifier).toEqual({ inherited: false });
    const read = await core.call('GET', `${AGENTS}/${id}`, undefined, API);
    expect(read.body.status).toEqual(wrapped('Active'));
    expect(allStrings(read.body)).not.toContain('gateway-Secret-1');
    const updated = await core.call('PUT', `${AGENTS}/${id}`, { ...agentBody(null), igTokenIntrospection: wrapped('Realm') }, API);
    expect(updated.status).toBe(200);
    expect(storedPassword(id)).toBe('gateway-Secret-1');
    const withoutKey = agentBody(null) as Record<string, unknown>;
    delete withoutKey.userpassword;
    await core.call('PUT', `${AGENTS}/${id}`, withoutKey, API);
    expect(storedPassword(id)).toBe('gateway-Secret-1');
  });

  it('lists agents flattened', async () => {
    const id = `core-listed-${randomUUID().slice(0, 8)}`;
    await core.call('PUT', `${AGENTS}/${id}`, agentBody('gateway-Secret-2'), API);
    const answer = await core.call('GET', `${AGENTS}?_queryFilter=true`, undefined, API);
    const row = answer.body.result.find((a: { _id: string }) => a._id === id);
    expect(row).toMatchObject({ status: 'Active', igTokenIntrospection: 'Realm_Subs', igCdssoRedirectUrls: [] });
    expect(allStrings(answer.body)).not.toContain('gateway-Secret-2');
  });

  it('refuses unknown attributes and answers 404 for a missing agent', async () => {
    const bad = await core.call('PUT', `${AGENTS}/core-bad-agent`, { ...agentBody('x'), colour: wrapped('blue') }, API);
    expect(bad.status).toBe(400);
    expect(bad.body.detail.validAttributes).toContain('igTokenIntrospection');
    expect((await core.call('GET', `${AGENTS}/core-bad-agent`, undefined, API)).status).toBe(404);
  });
});
