/**
 * Stored objects come back with the server-side defaults AIC adds (issue 12), checked against the
 * recorded AIC answers in test/fixtures/am-recordings: `_type.version` on every node read (the
 * legacy form's too), `nodeVersion` on every page-node child, outcomes computed by the server, and
 * the built-in OAuth2 Scope resource type's full pattern list. A client that compares what it sent
 * with what it reads back without normalising these sees a change on every plan — these tests make
 * the tenant show them, so that mistake cannot pass.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recording } from '../../helpers/recordings.js';
import { CoreTenant, REALM } from './tenant-client.js';

let core: CoreTenant;
beforeAll(async () => {
  core = await CoreTenant.start();
});
afterAll(() => core.close());

const NODES = `${REALM}/realm-config/authentication/authenticationtrees/nodes`;
const LEGACY = { headers: { 'accept-api-version': 'protocol=2.1,resource=1.0' } };
const VERSIONED = { headers: { 'accept-api-version': 'protocol=2.1,resource=3.0' } };
type Json = Record<string, any>;
const withoutRev = ({ _rev, ...rest }: Json) => (void _rev, rest);

describe('journey nodes on AM ≥ 8.1', () => {
  it('answers a legacy-form PUT exactly as recorded: _type.version added, server outcomes', async () => {
    const [exchange] = recording('node.legacy-put-on-aic');
    const answer = await core.call('PUT', exchange.request.path, exchange.request.body, LEGACY);
    expect(answer.status).toBe(201);
    expect(withoutRev(answer.body)).toEqual(withoutRev(exchange.response.body as Json));
  });

  it('answers a legacy-form read with _type.version, and a missing node with the recorded 404', async () => {
    const [read, missing] = recording('node.legacy-read-on-aic');
    const { _type, _outcomes, _rev, _id, ...config } = read.response.body as Json;
    void _outcomes, _rev, _id;
    await core.call('PUT', read.request.path, { ...config, _type: { _id: _type._id, name: _type.name, collection: true } }, LEGACY);
    const answer = await core.call('GET', read.request.path, undefined, LEGACY);
    expect(withoutRev(answer.body)).toEqual(withoutRev(read.response.body as Json));
    const gone = await core.call('GET', missing.request.path, undefined, LEGACY);
    expect({ status: gone.status, body: gone.body }).toEqual({ status: missing.response.status, body: missing.response.body });
  });

  it('gives page-node children nodeVersion "1.0" when the PUT left it out (recorded page-node list)', async () => {
    const [list] = recording('node.page-nodes-legacy-list');
    const recorded = (list.response.body as Json).result as Json[];
    for (const page of recorded) {
      for (const child of page.nodes) await core.call('PUT', `${NODES}/${child.nodeType}/${child._id}`, {}, LEGACY);
      // What a client sends: the children without nodeVersion.
      const sent = { ...withoutRev(page), nodes: page.nodes.map(({ nodeVersion, ...child }: Json) => (void nodeVersion, child)) };
      await core.call('PUT', `${NODES}/PageNode/${page._id}`, sent, LEGACY);
    }
    const answer = await core.call('GET', `${NODES}/PageNode?_queryFilter=true`, undefined, LEGACY);
    const byId = Object.fromEntries((answer.body.result as Json[]).map((row) => [row._id, row]));
    for (const page of recorded) {
      expect(byId[page._id].nodes).toEqual(page.nodes);
      expect(byId[page._id]._type).toEqual(page._type);
    }
  });

  it('keeps a page-node child nodeVersion the PUT gave, and the versioned form reports the path version', async () => {
    const [read] = recording('node.page-node-versioned-read');
    const page = read.response.body as Json;
    for (const child of page.nodes) await core.call('PUT', `${NODES}/${child.nodeType}/${child.nodeVersion}/${child._id}`, {}, VERSIONED);
    await core.call('PUT', read.request.path, withoutRev(page), VERSIONED);
    const answer = await core.call('GET', read.request.path, undefined, VERSIONED);
    expect(withoutRev(answer.body)).toEqual(withoutRev(page));
  });

  it('does not find a node through the versioned form under another version (404)', async () => {
    const id = randomUUID();
    await core.call('PUT', `${NODES}/ValidatedUsernameNode/2.0/${id}`, { usernameAttribute: 'userName' }, VERSIONED);
    expect((await core.call('GET', `${NODES}/ValidatedUsernameNode/1.0/${id}`, undefined, VERSIONED)).status).toBe(404);
    expect((await core.call('GET', `${NODES}/ValidatedUsernameNode/2.0/${id}`, undefined, VERSIONED)).status).toBe(200);
    expect((await core.call('GET', `${NODES}/ValidatedUsernameNode/${id}`, undefined, LEGACY)).body._type.version).toBe('2.0');
  });

  it('computes the outcomes of the node types this project uses, whatever the PUT sent', async () => {
    const id = randomUUID();
    const answer = await core.call('PUT', `${NODES}/AgentDataStoreDecisionNode/1.0/${id}`, { _outcomes: [{ id: 'yes', displayName: 'Yes' }] }, VERSIONED);
    expect(answer.body._outcomes).toEqual([{ id: 'true', displayName: 'True' }, { id: 'false', displayName: 'False' }]);
  });
});

describe('the built-in OAuth2 Scope resource type', () => {
  it('has the recorded pattern list', async () => {
    const [list] = recording('resource-type.oauth2-scope');
    const recorded = ((list.response.body as Json).result as Json[])[0];
    const answer = await core.call('GET', `${REALM}/resourcetypes/${recorded.uuid}`, undefined, { headers: { 'accept-api-version': 'protocol=1.0,resource=1.0' } });
    expect(answer.body).toMatchObject({ uuid: recorded.uuid, name: recorded.name, patterns: recorded.patterns, actions: recorded.actions });
  });
});
