/**
 * Every REST family module against the recorded AIC exchanges: the module must send the recorded
 * method, path, Accept-API-Version and body, and read the recorded answer correctly.
 */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmHttp } from '../../../tooling/rest/http.js';
import { bearerAuth } from '../../../tooling/rest/auth.js';
import * as esv from '../../../tooling/rest/esv.js';
import * as scripts from '../../../tooling/rest/scripts.js';
import * as journeys from '../../../tooling/rest/journeys.js';
import * as agents from '../../../tooling/rest/ig-agents.js';
import * as clients from '../../../tooling/rest/oauth2-clients.js';
import * as resourceTypes from '../../../tooling/rest/resource-types.js';
import * as policySets from '../../../tooling/rest/policy-sets.js';
import * as policies from '../../../tooling/rest/policies.js';
import { matchesRecorded, recording, type Exchange } from '../../helpers/recordings.js';

const BASE = 'https://tenant.example.com';
const http = () => new AmHttp({ baseUrl: BASE, auth: bearerAuth('test-bearer'), sleep: async () => {} });

interface Seen {
  path: string;
  headers: Record<string, string | string[]>;
  body: unknown;
}

/** Intercepts exactly the recorded request (method + path; query compared by the caller) and answers as recorded. */
function replay(exchange: Exchange, seen: Seen[], options: { exactQuery?: boolean } = {}) {
  const [pathname] = exchange.request.path.split('?');
  const scope = nock(BASE);
  scope.on('request', (req: { url?: string; path?: string; headers: Headers | Record<string, string> }, _interceptor: unknown, body: string) => {
    // nock 15 hands a Fetch-style request: header names are matched case-insensitively.
    const headers = typeof (req.headers as Headers).entries === 'function' ? Object.fromEntries((req.headers as Headers).entries()) : (req.headers as Record<string, string>);
    const target = req.url ? new URL(req.url) : new URL(String(req.path), BASE);
    seen.push({ path: target.pathname + target.search, headers, body: body ? JSON.parse(body) : null });
  });
  const interceptor = scope.intercept(options.exactQuery === false ? pathname : exchange.request.path, exchange.request.method);
  return (options.exactQuery === false ? interceptor.query(true) : interceptor).reply(exchange.response.status, exchange.response.body as nock.Body, { 'content-type': 'application/json' });
}

function expectSent(seen: Seen, exchange: Exchange) {
  expect(seen.headers['accept-api-version']).toBe(exchange.request.headers['accept-api-version']);
  expect(seen.headers.authorization).toBe('Bearer test-bearer');
  if (exchange.request.body !== null) expect(matchesRecorded(seen.body, exchange.request.body), `body sent to ${exchange.request.path}`).toBe(true);
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('REST modules replay the recorded AIC exchanges', () => {
  it('scripts: query by name and PUT (201 on create)', async () => {
    const seen: Seen[] = [];
    const [query] = recording('scripts.query-by-name');
    replay(query, seen);
    const name = /name%20eq%20%22(.+)%22/.exec(query.request.path)![1];
    const found = await scripts.queryScriptsByName(http(), 'alpha', [decodeURIComponent(name)]);
    expect(found.map((s) => s._id)).toEqual((query.response.body as { result: { _id: string }[] }).result.map((s) => s._id));
    expectSent(seen[0], query);

    const [put] = recording('scripts.put-create');
    replay(put, seen);
    expect(await scripts.putScript(http(), 'alpha', put.request.body as scripts.ScriptBody)).toBe('created');
    expectSent(seen[1], put);
  });

  it('ESV variables: create, missing, list', async () => {
    const seen: Seen[] = [];
    const [create] = recording('esv-variable.create');
    replay(create, seen);
    const id = create.request.path.split('/').pop()!;
    await esv.putVariable(http(), id, create.request.body as esv.VariableBody);
    expectSent(seen[0], create);

    const [missing] = recording('esv-variable.get-missing');
    replay(missing, seen);
    expect(await esv.getVariable(http(), missing.request.path.split('/').pop()!)).toBeNull();

    const [list] = recording('esv-variable.list');
    replay(list, seen);
    expect((await esv.listVariables(http())).length).toBe((list.response.body as { result: unknown[] }).result.length);
    expectSent(seen[2], list);
  });

  it('ESV secrets: create, new version, versions, missing, list', async () => {
    const seen: Seen[] = [];
    const [create] = recording('esv-secret.create');
    replay(create, seen);
    expect(await esv.createSecret(http(), create.request.path.split('/').pop()!, create.request.body as esv.SecretBody)).toEqual({ exists: false });
    expectSent(seen[0], create);

    const [version] = recording('esv-secret.new-version');
    replay(version, seen);
    await esv.createSecretVersion(http(), version.request.path.split('/')[3], (version.request.body as { valueBase64: string }).valueBase64);
    expectSent(seen[1], version);

    const [versions] = recording('esv-secret.versions');
    replay(versions, seen);
    expect(await esv.listSecretVersions(http(), versions.request.path.split('/')[3])).toEqual(versions.response.body);

    const [missing] = recording('esv-secret.get-missing');
    replay(missing, seen);
    expect(await esv.getSecret(http(), missing.request.path.split('/').pop()!)).toBeNull();

    const [list] = recording('esv-secret.list');
    replay(list, seen);
    expect((await esv.listSecrets(http())).map((s) => s._id)).toEqual((list.response.body as { result: { _id: string }[] }).result.map((s) => s._id));
  });

  it('ESV restart: status and restart action', async () => {
    const seen: Seen[] = [];
    const [status, restart] = recording('esv-restart.apply-and-wait');
    replay(status, seen);
    replay(restart, seen);
    expect(await esv.getStartup(http())).toEqual({ restartStatus: 'ready' });
    expect(await esv.restart(http())).toEqual({ restartStatus: 'restarting' });
    expectSent(seen[1], restart);
  });

  it('IG agents: GET (wrapped, unwrapped by the module), list (flat), PUT (201)', async () => {
    const seen: Seen[] = [];
    const [get] = recording('ig-agent.get');
    replay(get, seen);
    const agent = await agents.getAgent(http(), 'alpha', get.request.path.split('/').pop()!);
    expect(agents.unwrapAgent(agent!).status).toBe('Active');
    const [list] = recording('ig-agent.list');
    replay(list, seen, { exactQuery: false });
    expect((await agents.listAgents(http(), 'alpha')).length).toBe((list.response.body as { result: unknown[] }).result.length);
    const [put] = recording('ig-agent.put');
    replay(put, seen);
    expect(await agents.putAgent(http(), 'alpha', put.request.path.split('/').pop()!, put.request.body as Record<string, unknown>)).toBe('created');
    expectSent(seen[2], put);
  });

  it.each(['journey.import-legacy-nodes', 'journey.import-versioned-nodes'])('%s: nodes (inner first) then the tree', async (name) => {
    const seen: Seen[] = [];
    const exchanges = recording(name);
    for (const exchange of exchanges) replay(exchange, seen);
    for (const exchange of exchanges) {
      const parts = exchange.request.path.split('/');
      const body = exchange.request.body as Record<string, unknown>;
      if (exchange.request.path.includes('/trees/')) await journeys.putTree(http(), 'alpha', parts.pop()!, body);
      else if (name.includes('versioned')) await journeys.putNode(http(), 'alpha', parts[parts.length - 3], parts[parts.length - 1], body, parts[parts.length - 2]);
      else await journeys.putNode(http(), 'alpha', parts[parts.length - 2], parts[parts.length - 1], body);
    }
    exchanges.forEach((exchange, i) => expectSent(seen[i], exchange));
  });

  it('trees: PUT of a valid tree', async () => {
    const seen: Seen[] = [];
    const [put] = recording('tree.put-valid');
    replay(put, seen);
    await journeys.putTree(http(), 'alpha', put.request.path.split('/').pop()!, put.request.body as Record<string, unknown>);
    expectSent(seen[0], put);
  });

  it('OAuth2 clients: read, then scripts and a client PUT with scripted overrides', async () => {
    const seen: Seen[] = [];
    const [read] = recording('oauth2-client.read');
    replay(read, seen);
    const client = await clients.getClient(http(), 'alpha', read.request.path.split('/').pop()!);
    expect(client?.overrideOAuth2ClientConfig).toEqual((read.response.body as { overrideOAuth2ClientConfig: unknown }).overrideOAuth2ClientConfig);

    const exchanges = recording('oauth2-client.import-with-scripted-overrides');
    for (const exchange of exchanges) replay(exchange, seen);
    for (const exchange of exchanges) {
      const id = exchange.request.path.split('/').pop()!;
      if (exchange.request.path.includes('/scripts/')) await scripts.putScript(http(), 'alpha', exchange.request.body as scripts.ScriptBody);
      else await clients.putClient(http(), 'alpha', id, exchange.request.body as clients.ClientBody);
    }
    exchanges.forEach((exchange, i) => expectSent(seen[i + 1], exchange));
  });

  it('resource types: create with _action=create, list', async () => {
    const seen: Seen[] = [];
    const [create] = recording('resource-type.create');
    replay(create, seen);
    expect(await resourceTypes.createResourceType(http(), 'alpha', create.request.body as Record<string, unknown>)).toEqual({ exists: false });
    expectSent(seen[0], create);
    const [list] = recording('resource-type.list');
    replay(list, seen, { exactQuery: false });
    const filter = new URLSearchParams(list.request.path.split('?')[1]).get('_queryFilter')!;
    const rows = await resourceTypes.listResourceTypes(http(), 'alpha', filter);
    expect(rows.length).toBe((list.response.body as { result: unknown[] }).result.length);
    expect(new URL(seen[1].path, BASE).searchParams.get('_queryFilter')).toBe(filter);
  });

  it('policy sets: create', async () => {
    const seen: Seen[] = [];
    const [create] = recording('policy-set.create');
    replay(create, seen);
    expect(await policySets.createPolicySet(http(), 'alpha', create.request.body as Record<string, unknown>)).toEqual({ exists: false });
    expectSent(seen[0], create);
  });

  it('policies: PUT update, and import with dependencies (scripts first)', async () => {
    const seen: Seen[] = [];
    const [update] = recording('policy.put-update');
    replay(update, seen);
    expect(await policies.updatePolicy(http(), 'alpha', update.request.path.split('/').pop()!, update.request.body as Record<string, unknown>)).toBe('updated');
    expect(seen[0].body).toEqual(update.request.body);
    const exchanges = recording('policy.import-with-deps');
    for (const exchange of exchanges) replay(exchange, seen);
    for (const exchange of exchanges) {
      const id = decodeURIComponent(exchange.request.path.split('/').pop()!);
      if (exchange.request.path.includes('/scripts/')) await scripts.putScript(http(), 'alpha', exchange.request.body as scripts.ScriptBody);
      else await policies.updatePolicy(http(), 'alpha', id, exchange.request.body as Record<string, unknown>);
    }
    expect(seen.length).toBe(1 + exchanges.length);
  });
});
