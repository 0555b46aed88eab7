/** Scripts (upsert, unique names, queries, paging) and journeys (trees, nodes in both node-API forms). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreTenant, REALM, b64 } from './tenant-client.js';

let core: CoreTenant;
beforeAll(async () => {
  core = await CoreTenant.start();
});
afterAll(() => core.close());

const SCRIPTS_API = { 'accept-api-version': 'protocol=2.0,resource=1.0' };
const script = (name: string, source = 'var x = 1;') => ({ name, description: 'test script', script: b64(source), language: 'JAVASCRIPT', context: 'OAUTH2_VALIDATE_SCOPE', evaluatorVersion: '1.0', default: false });
const putScript = (id: string, body: unknown) => core.call('PUT', `${REALM}/scripts/${id}`, body, { headers: SCRIPTS_API });

describe('scripts', () => {
  it('creates with 201, updates with 200, and keeps the source as base64', async () => {
    const id = randomUUID();
    const created = await putScript(id, script('core-upsert'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ _id: id, name: 'core-upsert', script: b64('var x = 1;') });
    const updated = await putScript(id, script('core-upsert', 'var y = 2;'));
    expect(updated.status).toBe(200);
    const read = await core.call('GET', `${REALM}/scripts/${id}`);
    expect(read.status).toBe(200);
    expect(Buffer.from(read.body.script, 'base64').toString('utf8')).toBe('var y = 2;');
    expect(read.body._rev).not.toBe(created.body._rev);
  });

  it('refuses a second uuid with an existing name (409) and leaves the first alone', async () => {
    const first = randomUUID();
    await putScript(first, script('core-unique'));
    const clash = await putScript(randomUUID(), script('core-unique', 'var other;'));
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(clash.body.message).toContain('core-unique');
    expect((await core.call('GET', `${REALM}/scripts/${first}`)).body.script).toBe(b64('var x = 1;'));
  });

  it('refuses a body that is not a script (400)', async () => {
    expect((await putScript(randomUUID(), { ...script('core-bad'), script: 'not base64 !!' })).status).toBe(400);
    expect((await putScript(randomUUID(), { ...script('core-bad'), language: 'PYTHON' })).status).toBe(400);
    expect((await core.call('PUT', `${REALM}/scripts/${randomUUID()}`, undefined, { headers: { 'content-type': 'application/json' } })).status).toBe(400);
  });

  it('finds scripts by name, also with or', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await putScript(a, script('core-find-a'));
    await putScript(b, script('core-find (b)'));
    const one = await core.call('GET', `${REALM}/scripts?_queryFilter=${encodeURIComponent('name eq "core-find-a"')}`);
    expect(one.body.result.map((s: { _id: string }) => s._id)).toEqual([a]);
    // Names with regex characters are matched literally for scripts.
    const both = await core.call('GET', `${REALM}/scripts?_queryFilter=${encodeURIComponent('name eq "core-find-a" or name eq "core-find (b)"')}`);
    expect(both.body.result.map((s: { _id: string }) => s._id).sort()).toEqual([a, b].sort());
    expect(both.body.resultCount).toBe(2);
    const none = await core.call('GET', `${REALM}/scripts?_queryFilter=${encodeURIComponent('name eq "core-find"')}`);
    expect(none.body.result).toEqual([]);
  });

  it('answers 400 for a filter it cannot parse', async () => {
    const answer = await core.call('GET', `${REALM}/scripts?_queryFilter=${encodeURIComponent('name eq')}`);
    expect(answer.status).toBe(400);
  });

  it('pages with _pageSize and _pagedResultsCookie, and with _pagedResultsOffset', async () => {
    for (let i = 0; i < 5; i++) await putScript(randomUUID(), script(`core-page-${i}`));
    const filter = encodeURIComponent('name sw "core-page-"');
    const seen: string[] = [];
    let cookie = '';
    let pages = 0;
    do {
      const answer = await core.call('GET', `${REALM}/scripts?_queryFilter=${filter}&_pageSize=2${cookie ? `&_pagedResultsCookie=${cookie}` : ''}`);
      expect(answer.body).toMatchObject({ totalPagedResultsPolicy: 'NONE', totalPagedResults: -1, remainingPagedResults: -1 });
      expect(answer.body.result.length).toBeLessThanOrEqual(2);
      seen.push(...answer.body.result.map((s: { name: string }) => s.name));
      cookie = answer.body.pagedResultsCookie ?? '';
      pages += 1;
    } while (cookie);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `core-page-${i}`));
    const offset = await core.call('GET', `${REALM}/scripts?_queryFilter=${filter}&_pageSize=2&_pagedResultsOffset=4`);
    expect(offset.body.result).toHaveLength(1);
    expect(offset.body.pagedResultsCookie).toBeNull();
  });

  it('deletes by uuid, then answers 404', async () => {
    const id = randomUUID();
    await putScript(id, script('core-delete'));
    expect((await core.call('DELETE', `${REALM}/scripts/${id}`)).status).toBe(200);
    const gone = await core.call('GET', `${REALM}/scripts/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: 404, reason: 'Not Found' });
    expect((await core.call('DELETE', `${REALM}/scripts/${id}`)).status).toBe(404);
  });

  it('answers 404 for an unknown realm', async () => {
    expect((await core.call('GET', '/am/json/realms/root/realms/nowhere/scripts?_queryFilter=true')).status).toBe(404);
  });
});

const NODES = `${REALM}/realm-config/authentication/authenticationtrees/nodes`;
const TREES = `${REALM}/realm-config/authentication/authenticationtrees/trees`;
const LEGACY = { 'accept-api-version': 'protocol=2.1,resource=1.0' };
const VERSIONED = { 'accept-api-version': 'protocol=2.1,resource=3.0' };
const SUCCESS = '70e691a5-1e33-4ac3-a356-e7b6d60d92e0';
const FAILURE = 'e301438c-0bd0-429c-ab0c-66126501069a';

describe('journey nodes', () => {
  it('stores a node through the versioned form and reports its version in _type', async () => {
    const id = randomUUID();
    const put = await core.call('PUT', `${NODES}/ValidatedUsernameNode/2.0/${id}`, { usernameAttribute: 'userName', validateInput: false }, { headers: VERSIONED });
    expect(put.status).toBe(201);
    expect(put.body._type).toMatchObject({ _id: 'ValidatedUsernameNode', version: '2.0' });
    const read = await core.call('GET', `${NODES}/ValidatedUsernameNode/2.0/${id}`, undefined, { headers: VERSIONED });
    expect(read.body).toMatchObject({ _id: id, usernameAttribute: 'userName', _type: { _id: 'ValidatedUsernameNode', version: '2.0' } });
    expect(core.state.realms.alpha.nodes[id]).toMatchObject({ type: 'ValidatedUsernameNode', version: '2.0' });
    expect((await core.call('PUT', `${NODES}/ValidatedUsernameNode/2.0/${id}`, { usernameAttribute: 'mail' }, { headers: VERSIONED })).status).toBe(200);
  });

  it('stores a node through the legacy form: on AM ≥ 8.1 its reads carry _type.version 1.0 (recorded)', async () => {
    const id = randomUUID();
    const put = await core.call('PUT', `${NODES}/DataStoreDecisionNode/${id}`, {}, { headers: LEGACY });
    expect(put.status).toBe(201);
    expect(put.body._type).toMatchObject({ _id: 'DataStoreDecisionNode', version: '1.0' });
    const read = await core.call('GET', `${NODES}/DataStoreDecisionNode/${id}`, undefined, { headers: LEGACY });
    expect(read.body._type).toEqual({ _id: 'DataStoreDecisionNode', name: 'Data Store Decision', collection: true, version: '1.0' });
  });

  it('before AM 8.1: legacy reads carry no version, and the versioned form does not exist (404)', async () => {
    const legacy = await CoreTenant.start({ amVersion: '7.3.0' });
    try {
      const id = randomUUID();
      expect((await legacy.call('PUT', `${NODES}/DataStoreDecisionNode/${id}`, {}, { headers: LEGACY })).status).toBe(201);
      const read = await legacy.call('GET', `${NODES}/DataStoreDecisionNode/${id}`, undefined, { headers: LEGACY });
      expect(read.body._type).not.toHaveProperty('version');
      expect((await legacy.call('PUT', `${NODES}/DataStoreDecisionNode/1.0/${randomUUID()}`, {}, { headers: VERSIONED })).status).toBe(404);
      expect((await legacy.call('GET', `${NODES}/DataStoreDecisionNode/1.0/${id}`, undefined, { headers: VERSIONED })).status).toBe(404);
    } finally {
      await legacy.close();
    }
  });

  it('refuses the versioned form without resource=3.0, and a page node whose children do not exist', async () => {
    expect((await core.call('PUT', `${NODES}/DataStoreDecisionNode/1.0/${randomUUID()}`, {}, { headers: LEGACY })).status).toBe(400);
    const page = await core.call('PUT', `${NODES}/PageNode/1.0/${randomUUID()}`, { nodes: [{ _id: randomUUID(), nodeType: 'ValidatedUsernameNode', displayName: 'x' }] }, { headers: VERSIONED });
    expect(page.status).toBe(400);
  });

  it('deletes a node; a GET under another type is 404', async () => {
    const id = randomUUID();
    await core.call('PUT', `${NODES}/DataStoreDecisionNode/${id}`, {}, { headers: LEGACY });
    expect((await core.call('GET', `${NODES}/PageNode/${id}`, undefined, { headers: LEGACY })).status).toBe(404);
    expect((await core.call('DELETE', `${NODES}/DataStoreDecisionNode/${id}`, undefined, { headers: LEGACY })).status).toBe(200);
    expect((await core.call('GET', `${NODES}/DataStoreDecisionNode/${id}`, undefined, { headers: LEGACY })).status).toBe(404);
  });
});

describe('journey trees', () => {
  async function decisionNode(): Promise<string> {
    const id = randomUUID();
    await core.call('PUT', `${NODES}/DataStoreDecisionNode/1.0/${id}`, {}, { headers: VERSIONED });
    return id;
  }
  const tree = (nodeId: string, description = 'core tree') => ({
    entryNodeId: nodeId,
    description,
    identityResource: 'managed/alpha_user',
    nodes: { [nodeId]: { nodeType: 'DataStoreDecisionNode', displayName: 'Decide', connections: { true: SUCCESS, false: FAILURE }, x: 1, y: 1 } },
    staticNodes: {},
  });

  it('creates (201), updates (200) with a new _rev, reads and deletes a tree by name', async () => {
    const nodeId = await decisionNode();
    const created = await core.call('PUT', `${TREES}/CoreTree`, tree(nodeId), { headers: LEGACY });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ _id: 'CoreTree', entryNodeId: nodeId });
    expect(typeof created.body._rev).toBe('string');
    const updated = await core.call('PUT', `${TREES}/CoreTree`, tree(nodeId, 'changed'), { headers: LEGACY });
    expect(updated.status).toBe(200);
    expect(updated.body._rev).not.toBe(created.body._rev);
    expect((await core.call('GET', `${TREES}/CoreTree`, undefined, { headers: LEGACY })).body.description).toBe('changed');
    expect((await core.call('DELETE', `${TREES}/CoreTree`, undefined, { headers: LEGACY })).status).toBe(200);
    expect((await core.call('GET', `${TREES}/CoreTree`, undefined, { headers: LEGACY })).status).toBe(404);
  });

  it('refuses a tree whose nodes do not exist or whose connections lead nowhere', async () => {
    expect((await core.call('PUT', `${TREES}/CoreBroken`, tree(randomUUID()), { headers: LEGACY })).status).toBe(400);
    const nodeId = await decisionNode();
    const dangling = tree(nodeId);
    (dangling.nodes[nodeId].connections as Record<string, string>).true = randomUUID();
    expect((await core.call('PUT', `${TREES}/CoreBroken`, dangling, { headers: LEGACY })).status).toBe(400);
    expect((await core.call('GET', `${TREES}/CoreBroken`, undefined, { headers: LEGACY })).status).toBe(404);
  });

  it('serves the seeded PasswordGrant journey', async () => {
    const answer = await core.call('GET', `${TREES}/PasswordGrant`, undefined, { headers: LEGACY });
    expect(answer.status).toBe(200);
    const types = Object.values(answer.body.nodes as Record<string, { nodeType: string }>).map((n) => n.nodeType).sort();
    expect(types).toEqual(['DataStoreDecisionNode', 'PageNode']);
  });
});
