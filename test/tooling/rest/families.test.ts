/** Family modules: fallbacks (404 on PUT, 201, 409), paging, version parsing, filters, pure helpers, path encoding. */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmError, AmHttp } from '../../../tooling/rest/http.js';
import { bearerAuth } from '../../../tooling/rest/auth.js';
import { getServerInfo, getServerVersion } from '../../../tooling/rest/server-info.js';
import { putScript, queryScriptsByName } from '../../../tooling/rest/scripts.js';
import { createResourceType, deleteResourceType, updateResourceType } from '../../../tooling/rest/resource-types.js';
import { createPolicySet, deletePolicySet, listPolicySets, updatePolicySet } from '../../../tooling/rest/policy-sets.js';
import { createPolicy, listPolicies } from '../../../tooling/rest/policies.js';
import { listClients, putClient, setOverrides } from '../../../tooling/rest/oauth2-clients.js';
import { getAgent, putAgent } from '../../../tooling/rest/ig-agents.js';
import { createSecret, listSecrets, putVariable, setSecretDescription } from '../../../tooling/rest/esv.js';
import { getNode, nodeVersionFor } from '../../../tooling/rest/journeys.js';
import { realmPath } from '../../../tooling/rest/paths.js';

const BASE = 'https://tenant.example.com';
const R = '/am/json/realms/root/realms/alpha';
const http = () => new AmHttp({ baseUrl: BASE, auth: bearerAuth('tok'), sleep: async () => {} });

type NockRequest = { url?: string; path?: string };
/** Every request the scopes made by tenant() answered (nock 15 hands reply callbacks no usable uri). */
const requests: { query: URLSearchParams; body: unknown }[] = [];
function tenant() {
  const scope = nock(BASE);
  scope.on('request', (req: NockRequest, _interceptor: unknown, body: string) => {
    requests.push({ query: new URL(req.url ?? String(req.path), BASE).searchParams, body: body ? JSON.parse(body) : null });
  });
  return scope;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  requests.length = 0;
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('server info', () => {
  it.each([
    ['7.5.0', false],
    ['8.0.2', false],
    ['8.1.0-SNAPSHOT', true],
    ['8.1.2', true],
    ['8.10', true],
    ['9.0.0', true],
    ['7', false],
    ['not a version', false],
  ])('AM %s uses the versioned node API: %s', (version, expected) => {
    expect(nodeVersionFor('1.0', version) !== undefined).toBe(expected);
  });

  it('reads the version and the cookie name with their API versions', async () => {
    nock(BASE, { reqheaders: { 'accept-api-version': 'resource=1.0' } }).get('/am/json/serverinfo/version').reply(200, { _id: 'version', version: '8.1.0-SNAPSHOT' });
    nock(BASE, { reqheaders: { 'accept-api-version': 'resource=1.1' } }).get('/am/json/serverinfo/*').reply(200, { cookieName: 'c0ffee', domains: [] });
    expect(await getServerVersion(http())).toEqual({ version: '8.1.0-SNAPSHOT' });
    expect((await getServerInfo(http())).cookieName).toBe('c0ffee');
  });
});

describe('scripts', () => {
  it('queries several names in one filter, escaping quotes and backslashes', async () => {
    const names = ['plain', 'with "quote"', 'back\\slash'];
    let filter = '';
    nock(BASE)
      .get(`${R}/scripts`)
      .query((q) => ((filter = String(q._queryFilter)), true))
      .reply(200, { result: [], resultCount: 0, pagedResultsCookie: null, remainingPagedResults: 0 });
    await queryScriptsByName(http(), 'alpha', names);
    expect(filter).toBe('name eq "plain" or name eq "with \\"quote\\"" or name eq "back\\\\slash"');
  });

  it('asks nothing for no names, and round-trips UTF-8 sources through base64 on the wire', async () => {
    expect(await queryScriptsByName(http(), 'alpha', [])).toEqual([]);
    const source = 'var s = "Grüße → ok";';
    let sent: { script?: string; evaluatorVersion?: string } = {};
    nock(BASE)
      .put(`${R}/scripts/u-1`, (body) => ((sent = body), true)).reply(201, {})
      .get(`${R}/scripts`).query(true).reply(200, { result: [{ _id: 'u-1', name: 'n', script: Buffer.from(source, 'utf8').toString('base64'), context: 'X' }] });
    await putScript(http(), 'alpha', 'u-1', { name: 'n', description: '', source, language: 'JAVASCRIPT', context: 'X', evaluatorVersion: '1.0', default: false });
    expect(Buffer.from(String(sent.script), 'base64').toString('utf8')).toBe(source);
    expect(sent.evaluatorVersion).toBe('1.0');
    const [read] = await queryScriptsByName(http(), 'alpha', ['n']);
    expect(read.source).toBe(source);
    // A script stored without an evaluatorVersion is legacy.
    expect(read.evaluatorVersion).toBe('1.0');
  });
});

describe('policy engine fallbacks', () => {
  it('resource types: 404 on PUT creates instead, 201 on PUT is created, 409 on create is exists', async () => {
    nock(BASE)
      .put(`${R}/resourcetypes/u1`).reply(404, { code: 404, message: 'Not Found' })
      .post(`${R}/resourcetypes`, { uuid: 'u1', name: 'rt' }).query({ _action: 'create' }).reply(201, {})
      .put(`${R}/resourcetypes/u2`).reply(201, {})
      .put(`${R}/resourcetypes/u3`).reply(200, {})
      .post(`${R}/resourcetypes`).query({ _action: 'create' }).reply(409, { code: 409, message: 'Resource type already exists' })
      .delete(`${R}/resourcetypes/u4`).reply(404, { code: 404 });
    const client = http();
    expect(await updateResourceType(client, 'alpha', 'u1', { uuid: 'u1', name: 'rt' })).toBe('created');
    expect(await updateResourceType(client, 'alpha', 'u2', { uuid: 'u2' })).toBe('created');
    expect(await updateResourceType(client, 'alpha', 'u3', { uuid: 'u3' })).toBe('updated');
    expect(await createResourceType(client, 'alpha', { uuid: 'u5' })).toEqual({ exists: true });
    await deleteResourceType(client, 'alpha', 'u4'); // already gone is fine
  });

  it('policy sets: PUT applications/{name}, 404 falls back to POST applications/?_action=create; 409 = exists', async () => {
    nock(BASE, { reqheaders: { 'accept-api-version': 'protocol=1.0,resource=2.1' } })
      .put(`${R}/applications/api%3A%2F%2Fx`).reply(404, {})
      .post(`${R}/applications/`).query({ _action: 'create' }).reply(201, {})
      .post(`${R}/applications/`).query({ _action: 'create' }).reply(409, {});
    expect(await updatePolicySet(http(), 'alpha', 'api://x', { name: 'api://x' })).toBe('created');
    expect(await createPolicySet(http(), 'alpha', { name: 'dup' })).toEqual({ exists: true });
  });

  it('404 on update and then 409 on create is an error naming the object', async () => {
    nock(BASE).put(`${R}/applications/ps`).reply(404, {}).post(`${R}/applications/`).query({ _action: 'create' }).reply(409, {});
    const error = await updatePolicySet(http(), 'alpha', 'ps', { name: 'ps' }).catch((e) => e);
    expect(error).toBeInstanceOf(AmError);
    expect(error.message).toContain(`${R}/applications/ps`);
  });

  it('policies: 409 on create = exists; other errors are thrown', async () => {
    nock(BASE)
      .post(`${R}/policies`).query({ _action: 'create' }).reply(409, { code: 409 })
      .post(`${R}/policies`).query({ _action: 'create' }).reply(400, { code: 400, message: 'Invalid resource type' });
    expect(await createPolicy(http(), 'alpha', { name: 'p' })).toEqual({ exists: true });
    await expect(createPolicy(http(), 'alpha', { name: 'p2' })).rejects.toThrow('policies POST /am/json/realms/root/realms/alpha/policies: HTTP 400 Invalid resource type');
  });
});

describe('paging', () => {
  it('policies: _pageSize/_pagedResultsOffset until every row is read, even when the server caps pages', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ name: `p${i}` }));
    for (const offset of [0, 2, 4]) {
      const page = rows.slice(offset, offset + 2); // the server caps the page at 2
      tenant()
        .get(`${R}/policies`)
        .query((q) => q._pagedResultsOffset === String(offset) && q._queryFilter === 'applicationName eq "api"' && q._pageSize !== undefined)
        .reply(200, { result: page, resultCount: page.length, remainingPagedResults: rows.length - offset - page.length });
    }
    expect(await listPolicies(http(), 'alpha', 'applicationName eq "api"')).toEqual(rows);
    expect(requests.map((r) => r.query.get('_pagedResultsOffset'))).toEqual(['0', '2', '4']);
  });

  it('follows pagedResultsCookie (ESV list), sending only the cookie on later pages', async () => {
    tenant()
      .get('/environment/secrets').reply(200, { result: [{ _id: 'esv-a' }], pagedResultsCookie: 'next', remainingPagedResults: -1 })
      .get('/environment/secrets').query({ _pagedResultsCookie: 'next' }).reply(200, { result: [{ _id: 'esv-b' }], pagedResultsCookie: null, remainingPagedResults: -1 });
    expect((await listSecrets(http())).map((s) => s.id)).toEqual(['esv-a', 'esv-b']);
    expect(requests.map((r) => r.query.toString())).toEqual(['', '_pagedResultsCookie=next']);
  });

  it('OAuth2 clients and policy sets list all pages', async () => {
    nock(BASE)
      .get(`${R}/realm-config/agents/OAuth2Client`).query((q) => q._queryFilter === 'true' && q._pagedResultsOffset === '0').reply(200, { result: [{ _id: 'a' }], totalPagedResults: 2 })
      .get(`${R}/realm-config/agents/OAuth2Client`).query((q) => q._pagedResultsOffset === '1').reply(200, { result: [{ _id: 'b' }], totalPagedResults: 2 })
      .get(`${R}/applications`).query(true).reply(200, { result: [{ name: 'x' }], resultCount: 1, remainingPagedResults: 0 });
    expect((await listClients(http(), 'alpha')).map((c) => c._id)).toEqual(['a', 'b']);
    expect(await listPolicySets(http(), 'alpha')).toEqual([{ name: 'x' }]);
  });
});

describe('OAuth2 clients and IG agents', () => {
  it('putClient strips _id, _type, _rev, _provider and *-encrypted at any depth', async () => {
    tenant().put(`${R}/realm-config/agents/OAuth2Client/my%20client`).reply(200, {});
    await putClient(http(), 'alpha', 'my client', {
      _id: 'my client',
      _rev: '1',
      _type: { _id: 'OAuth2Client' },
      _provider: {},
      coreOAuth2ClientConfig: { 'userpassword-encrypted': 'AAE…', userpassword: null, clientName: { inherited: false, value: ['x'] } },
      overrideOAuth2ClientConfig: { providerOverridesEnabled: true },
    });
    expect(requests[0].body).toEqual({ coreOAuth2ClientConfig: { userpassword: null, clientName: { inherited: false, value: ['x'] } }, overrideOAuth2ClientConfig: { providerOverridesEnabled: true } });
  });

  it('setOverrides returns a copy changing only the override block, with flat values', () => {
    const client = { _id: 'c', coreOAuth2ClientConfig: { scopes: { inherited: false, value: ['a'] } }, overrideOAuth2ClientConfig: { providerOverridesEnabled: false, issueRefreshToken: true } };
    const frozen = JSON.stringify(client);
    const next = setOverrides(client, { providerOverridesEnabled: true, validateScopeScript: { inherited: false, value: 'uuid-1' } });
    expect(JSON.stringify(client)).toBe(frozen);
    expect(next.coreOAuth2ClientConfig).toBe(client.coreOAuth2ClientConfig);
    expect(next.overrideOAuth2ClientConfig).toEqual({ providerOverridesEnabled: true, issueRefreshToken: true, validateScopeScript: 'uuid-1' });
  });

  it('agents: a read flattens {inherited, value}; a write wraps every value and keeps what it read', async () => {
    let sent: Record<string, unknown> = {};
    nock(BASE)
      .get(`${R}/realm-config/agents/IdentityGatewayAgent/gw`).reply(200, { _id: 'gw', _rev: '7', status: { inherited: false, value: 'Active' }, secretLabelIdentifier: { inherited: false }, igCdssoLoginUrlTemplate: { inherited: false, value: 'https://ig/x' } })
      .put(`${R}/realm-config/agents/IdentityGatewayAgent/gw`, (body) => ((sent = body), true)).reply(200, {});
    const agent = (await getAgent(http(), 'alpha', 'gw'))!;
    expect(agent.settings).toEqual({ status: 'Active', secretLabelIdentifier: null, igCdssoLoginUrlTemplate: 'https://ig/x' });
    await putAgent(http(), 'alpha', 'gw', { status: 'Inactive' }, { current: agent.wrapped, password: 'pw-Not-Logged-0000-aaaa-Z' });
    // Whole object: a setting made in the console survives; _id and _rev are not sent.
    expect(sent).toEqual({ status: { inherited: false, value: 'Inactive' }, secretLabelIdentifier: { inherited: false }, igCdssoLoginUrlTemplate: { inherited: false, value: 'https://ig/x' }, userpassword: 'pw-Not-Logged-0000-aaaa-Z' });
  });
});

describe('ESV and paths', () => {
  it('secrets: 400 "already exists" is exists, other 400s are errors; setDescription is a POST action', async () => {
    nock(BASE)
      .put('/environment/secrets/esv-a').reply(400, { code: 400, message: 'Secret already exists' })
      .put('/environment/secrets/esv-b').reply(400, { code: 400, message: 'Invalid encoding' })
      .post('/environment/secrets/esv-a', { description: 'new' }).query({ _action: 'setDescription' }).reply(200, {});
    const body = { value: 'x', description: 'd', encoding: 'generic', useInPlaceholders: true };
    expect(await createSecret(http(), 'esv-a', body)).toEqual({ exists: true });
    await expect(createSecret(http(), 'esv-b', body)).rejects.toThrow('esv PUT /environment/secrets/esv-b: HTTP 400 Invalid encoding');
    await setSecretDescription(http(), 'esv-a', 'new');
  });

  it('URL-encodes ids in paths, and a missing object reads as null', async () => {
    nock(BASE)
      .put('/environment/variables/esv-a%2Fb').reply(200, {})
      .get(`${R}/realm-config/authentication/authenticationtrees/nodes/PageNode/2.0/id%20x`).reply(404, {});
    await putVariable(http(), 'esv-a/b', { value: 'v', description: '', expressionType: 'string' });
    expect(await getNode(http(), 'alpha', 'PageNode', 'id x', '2.0')).toBeNull();
  });

  it('refuses ids that URL normalisation would turn into another path, before sending anything', async () => {
    for (const id of ['.', '..', '']) {
      await expect(updatePolicySet(http(), 'alpha', id, {})).rejects.toThrow(/cannot address an object named/);
      await expect(deletePolicySet(http(), 'alpha', id)).rejects.toThrow(/cannot address an object named/);
    }
    expect(() => realmPath('..')).toThrow(/cannot address/);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('realm paths: root realm and sub-realms', () => {
    expect(realmPath('/')).toBe('/am/json/realms/root');
    expect(realmPath('root')).toBe('/am/json/realms/root');
    expect(realmPath('alpha')).toBe('/am/json/realms/root/realms/alpha');
    expect(realmPath('/alpha/sub')).toBe('/am/json/realms/root/realms/alpha/realms/sub');
  });
});
