/**
 * Every REST family module against the recorded AIC exchanges: the module must send the recorded
 * method, path (with query), Accept-API-Version and body (minus what the contract strips before a
 * PUT; "<redacted>" matches anything), and read the recorded answer correctly.
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
const BEARER = 'replay-bearer-token';
const PAGING_PARAMS = new Set(['_pageSize', '_pagedResultsOffset', '_pagedResultsCookie']);
const http = () => new AmHttp({ baseUrl: BASE, auth: bearerAuth(BEARER), sleep: async () => {} });

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

function headersOf(req: { headers: Headers | Record<string, string> }): Record<string, string> {
  // nock 15 hands a Fetch-style request; older shapes are plain objects.
  const raw = typeof (req.headers as Headers).entries === 'function' ? Object.fromEntries((req.headers as Headers).entries()) : (req.headers as Record<string, string>);
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

/** Answers the recorded request as recorded; `anyQuery` lets list calls add paging parameters. */
function replay(exchange: Exchange, seen: Seen[], options: { anyQuery?: boolean } = {}) {
  const [pathname] = exchange.request.path.split('?');
  const scope = nock(BASE);
  scope.on('request', (req: { method?: string; url?: string; path?: string; headers: Headers | Record<string, string> }, _interceptor: unknown, body: string) => {
    const target = req.url ? new URL(req.url) : new URL(String(req.path), BASE);
    seen.push({ method: String(req.method ?? exchange.request.method).toUpperCase(), path: target.pathname + target.search, headers: headersOf(req), body: body ? JSON.parse(body) : null });
  });
  const interceptor = scope.intercept(options.anyQuery ? pathname : exchange.request.path, exchange.request.method);
  (options.anyQuery ? interceptor.query(true) : interceptor).reply(exchange.response.status, exchange.response.body as nock.Body, { 'content-type': 'application/json' });
}

/** The recorded body without what the contract strips before a PUT. */
function withoutStripped(value: unknown, topLevel: string[], top = true): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutStripped(item, topLevel, false));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== '_rev' && key !== '_provider' && !key.endsWith('-encrypted') && !(top && topLevel.includes(key)))
        .map(([key, inner]) => [key, withoutStripped(inner, topLevel, false)]),
    );
  }
  return value;
}

function queryMap(path: string): Record<string, string> {
  const search = path.includes('?') ? path.slice(path.indexOf('?') + 1) : '';
  return Object.fromEntries([...new URLSearchParams(search)].filter(([key]) => !PAGING_PARAMS.has(key)));
}

function expectSent(seen: Seen | undefined, exchange: Exchange, stripped: string[] = []) {
  expect(seen, `a request for ${exchange.request.path}`).toBeDefined();
  expect(seen!.method).toBe(exchange.request.method);
  expect(seen!.path.split('?')[0]).toBe(exchange.request.path.split('?')[0]);
  expect(queryMap(seen!.path)).toEqual(queryMap(exchange.request.path));
  expect(seen!.headers['accept-api-version']).toBe(exchange.request.headers['accept-api-version']);
  expect(seen!.headers.authorization).toBe(`Bearer ${BEARER}`);
  if (exchange.request.body !== null && exchange.request.body !== undefined) {
    expect(seen!.headers['content-type']).toMatch(/^application\/json/);
    const expected = withoutStripped(exchange.request.body, stripped);
    expect(matchesRecorded(seen!.body, expected), `body sent to ${exchange.request.path}: ${JSON.stringify(seen!.body).slice(0, 300)}`).toBe(true);
  } else {
    expect(seen!.body).toBeNull();
  }
}

const lastSegment = (exchange: Exchange) => decodeURIComponent(exchange.request.path.split('?')[0].split('/').pop()!);
const resultOf = <T>(exchange: Exchange) => (exchange.response.body as { result: T[] }).result;

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('REST modules replay the recorded AIC exchanges', () => {
  it('scripts: query by name, PUT (201 = created)', async () => {
    const seen: Seen[] = [];
    const [query] = recording('scripts.query-by-name');
    replay(query, seen);
    const filter = new URLSearchParams(query.request.path.split('?')[1]).get('_queryFilter')!;
    const name = /^name eq "(.*)"$/.exec(filter)![1];
    const found = await scripts.queryScriptsByName(http(), 'alpha', [name]);
    expect(found).toEqual(resultOf(query));
    expectSent(seen[0], query);
    expect(scripts.decodeScript(found[0].script)).toContain('sharedState');

    const [put] = recording('scripts.put-create');
    replay(put, seen);
    expect(await scripts.putScript(http(), 'alpha', put.request.body as scripts.ScriptBody)).toBe('created');
    expectSent(seen[1], put);
  });

  it('ESV variables: create, missing (null), list', async () => {
    const seen: Seen[] = [];
    const [create] = recording('esv-variable.create');
    replay(create, seen);
    await esv.putVariable(http(), lastSegment(create), create.request.body as esv.VariableBody);
    expectSent(seen[0], create);

    const [missing] = recording('esv-variable.get-missing');
    replay(missing, seen);
    expect(await esv.getVariable(http(), lastSegment(missing))).toBeNull();
    expectSent(seen[1], missing);

    const [list] = recording('esv-variable.list');
    replay(list, seen);
    expect(await esv.listVariables(http())).toEqual(resultOf(list));
    expectSent(seen[2], list);
  });

  it('ESV secrets: create, new version, versions, missing, list', async () => {
    const seen: Seen[] = [];
    const [create] = recording('esv-secret.create');
    replay(create, seen);
    expect(await esv.createSecret(http(), lastSegment(create), create.request.body as esv.SecretBody)).toEqual({ exists: false });
    expectSent(seen[0], create);

    const [version] = recording('esv-secret.new-version');
    replay(version, seen);
    const versionedId = version.request.path.split('/')[3];
    await esv.createSecretVersion(http(), versionedId, (version.request.body as { valueBase64: string }).valueBase64);
    expectSent(seen[1], version);

    const [versions] = recording('esv-secret.versions');
    replay(versions, seen);
    expect(await esv.listSecretVersions(http(), versions.request.path.split('/')[3])).toEqual(versions.response.body);
    expectSent(seen[2], versions);

    const [missing] = recording('esv-secret.get-missing');
    replay(missing, seen);
    expect(await esv.getSecret(http(), lastSegment(missing))).toBeNull();
    expectSent(seen[3], missing);

    const [list] = recording('esv-secret.list');
    replay(list, seen);
    expect(await esv.listSecrets(http())).toEqual(resultOf(list));
    expectSent(seen[4], list);
  });

  it.each(['esv-restart.apply-and-wait', 'esv-restart.status'])('ESV restart: %s', async (name) => {
    const seen: Seen[] = [];
    const exchanges = recording(name);
    for (const exchange of exchanges) replay(exchange, seen);
    for (const exchange of exchanges) {
      const answer = exchange.request.method === 'GET' ? await esv.getStartup(http()) : await esv.restart(http());
      expect(answer).toEqual(exchange.response.body);
    }
    exchanges.forEach((exchange, i) => expectSent(seen[i], exchange));
  });

  it('IG agents: GET (wrapped), list (flat), PUT (201)', async () => {
    const seen: Seen[] = [];
    const [get] = recording('ig-agent.get');
    replay(get, seen);
    const agent = await agents.getAgent(http(), 'alpha', lastSegment(get));
    expect(agent).toEqual(get.response.body);
    const recordedStatus = (get.response.body as { status: { value: unknown } }).status.value;
    expect(agents.unwrapAgent(agent!).status).toBe(recordedStatus);
    expectSent(seen[0], get);

    const [list] = recording('ig-agent.list');
    replay(list, seen, { anyQuery: true });
    expect(await agents.listAgents(http(), 'alpha')).toEqual(resultOf(list));
    expectSent(seen[1], list);

    const [put] = recording('ig-agent.put');
    replay(put, seen);
    expect(await agents.putAgent(http(), 'alpha', lastSegment(put), put.request.body as Record<string, unknown>)).toBe('created');
    expectSent(seen[2], put);
  });

  it.each(['journey.import-legacy-nodes', 'journey.import-versioned-nodes', 'tree.put-valid'])('%s: node PUTs in both API forms, then the tree', async (name) => {
    const seen: Seen[] = [];
    const exchanges = recording(name);
    for (const exchange of exchanges) replay(exchange, seen);
    for (const exchange of exchanges) {
      const parts = exchange.request.path.split('/');
      const body = exchange.request.body as Record<string, unknown>;
      const afterNodes = parts.slice(parts.indexOf('nodes') + 1);
      if (exchange.request.path.includes('/trees/')) await journeys.putTree(http(), 'alpha', lastSegment(exchange), body);
      else if (afterNodes.length === 3) await journeys.putNode(http(), 'alpha', afterNodes[0], afterNodes[2], body, afterNodes[1]);
      else await journeys.putNode(http(), 'alpha', afterNodes[0], afterNodes[1], body);
    }
    exchanges.forEach((exchange, i) => expectSent(seen[i], exchange));
  });

  it('OAuth2 clients: read, then scripts and a client PUT with scripted overrides (_id/_type stripped)', async () => {
    const seen: Seen[] = [];
    const [read] = recording('oauth2-client.read');
    replay(read, seen);
    const client = await clients.getClient(http(), 'alpha', lastSegment(read));
    expect(client).toEqual(read.response.body);
    expectSent(seen[0], read);

    const exchanges = recording('oauth2-client.import-with-scripted-overrides');
    for (const exchange of exchanges) replay(exchange, seen);
    for (const exchange of exchanges) {
      if (exchange.request.path.includes('/scripts/')) await scripts.putScript(http(), 'alpha', exchange.request.body as scripts.ScriptBody);
      else await clients.putClient(http(), 'alpha', lastSegment(exchange), exchange.request.body as clients.ClientBody);
    }
    exchanges.forEach((exchange, i) => expectSent(seen[i + 1], exchange, exchange.request.path.includes('/OAuth2Client/') ? ['_id', '_type'] : []));
    expect(seen[3].body).not.toHaveProperty('_type');
  });

  it('resource types: create (201), list with the recorded filter', async () => {
    const seen: Seen[] = [];
    const [create] = recording('resource-type.create');
    replay(create, seen);
    expect(await resourceTypes.createResourceType(http(), 'alpha', create.request.body as Record<string, unknown>)).toEqual({ exists: false });
    expectSent(seen[0], create);

    const [list] = recording('resource-type.list');
    replay(list, seen, { anyQuery: true });
    const filter = new URLSearchParams(list.request.path.split('?')[1]).get('_queryFilter')!;
    expect(await resourceTypes.listResourceTypes(http(), 'alpha', filter)).toEqual(resultOf(list));
    // The recording also sorted by name; the module does not need to.
    const sent = queryMap(seen[1].path);
    expect(sent._queryFilter).toBe(filter);
    expect(seen[1].headers['accept-api-version']).toBe(list.request.headers['accept-api-version']);
  });

  it('policy sets: create (POST applications/?_action=create)', async () => {
    const seen: Seen[] = [];
    const [create] = recording('policy-set.create');
    replay(create, seen);
    expect(await policySets.createPolicySet(http(), 'alpha', create.request.body as Record<string, unknown>)).toEqual({ exists: false });
    expectSent(seen[0], create);
  });

  it('policies: PUT update (200 = updated), and import with dependencies (201 = created)', async () => {
    const seen: Seen[] = [];
    const [update] = recording('policy.put-update');
    replay(update, seen);
    expect(await policies.updatePolicy(http(), 'alpha', lastSegment(update), update.request.body as Record<string, unknown>)).toBe('updated');
    expectSent(seen[0], update);

    const exchanges = recording('policy.import-with-deps');
    for (const exchange of exchanges) replay(exchange, seen);
    for (const exchange of exchanges) {
      if (exchange.request.path.includes('/scripts/')) {
        expect(await scripts.putScript(http(), 'alpha', exchange.request.body as scripts.ScriptBody)).toBe(exchange.response.status === 201 ? 'created' : 'updated');
      } else {
        expect(await policies.updatePolicy(http(), 'alpha', lastSegment(exchange), exchange.request.body as Record<string, unknown>)).toBe(exchange.response.status === 201 ? 'created' : 'updated');
      }
    }
    exchanges.forEach((exchange, i) => expectSent(seen[i + 1], exchange));
  });
});
