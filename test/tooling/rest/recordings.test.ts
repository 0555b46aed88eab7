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
import type { JsonValue } from '../../../common/json.js';

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

/** A recorded script PUT as the domain value the module takes (the source decoded). */
function definitionOf(body: unknown): scripts.ScriptDefinition {
  const recorded = body as Record<string, unknown>;
  return {
    name: String(recorded.name),
    description: String(recorded.description),
    source: Buffer.from(String(recorded.script), 'base64').toString('utf8'),
    language: 'JAVASCRIPT',
    context: String(recorded.context),
    evaluatorVersion: String(recorded.evaluatorVersion ?? '1.0'),
    default: recorded.default === true,
  };
}

/** A script PUT sends the recorded fields the tool manages, re-encoded, and always an evaluatorVersion. */
function expectSentScript(seen: Seen | undefined, exchange: Exchange) {
  const sent = seen!.body as Record<string, unknown>;
  const recorded = exchange.request.body as Record<string, unknown>;
  expect(sent.evaluatorVersion).toBe(recorded.evaluatorVersion ?? '1.0');
  const managed = Object.fromEntries(Object.keys(sent).filter((key) => key !== 'evaluatorVersion').map((key) => [key, recorded[key]]));
  expectSent(seen, { ...exchange, request: { ...exchange.request, body: { ...managed, evaluatorVersion: sent.evaluatorVersion } } });
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
    expect(found.map((s) => s._id)).toEqual(resultOf<{ _id: string }>(query).map((s) => s._id));
    expect(found[0]).toMatchObject(definitionOf(resultOf(query)[0]));
    expectSent(seen[0], query);
    expect(found[0].source).toContain('sharedState');

    const [put] = recording('scripts.put-create');
    replay(put, seen);
    expect(await scripts.putScript(http(), 'alpha', lastSegment(put), definitionOf(put.request.body))).toBe('created');
    expectSentScript(seen[1], put);
  });

  const decoded = (base64: unknown) => Buffer.from(String(base64), 'base64').toString('utf8');

  it('ESV variables: create (the value encoded by the module), list (decoded)', async () => {
    const seen: Seen[] = [];
    const [create] = recording('esv-variable.create');
    replay(create, seen);
    const body = create.request.body as { valueBase64: string; description: string; expressionType: string };
    await esv.putVariable(http(), lastSegment(create), { value: decoded(body.valueBase64), description: body.description, expressionType: body.expressionType });
    expectSent(seen[0], create);

    const [list] = recording('esv-variable.list');
    replay(list, seen);
    const rows = resultOf<{ _id: string; valueBase64: string; loaded: boolean }>(list);
    expect(await esv.listVariables(http())).toEqual(rows.map((row) => expect.objectContaining({ id: row._id, value: decoded(row.valueBase64), loaded: row.loaded })));
    expectSent(seen[1], list);
  });

  it('ESV secrets: create (the version it made), new version (its number), list (versions and flags)', async () => {
    const seen: Seen[] = [];
    const [create] = recording('esv-secret.create');
    replay(create, seen);
    const body = create.request.body as { valueBase64: string; description: string; encoding: string; useInPlaceholders: boolean };
    expect(await esv.createSecret(http(), lastSegment(create), { value: decoded(body.valueBase64), description: body.description, encoding: body.encoding, useInPlaceholders: body.useInPlaceholders })).toEqual({ exists: false, activeVersion: '1' });
    expectSent(seen[0], create);

    const [version] = recording('esv-secret.new-version');
    replay(version, seen);
    const versionedId = version.request.path.split('/')[3];
    expect(await esv.createSecretVersion(http(), versionedId, decoded((version.request.body as { valueBase64: string }).valueBase64))).toBe((version.response.body as { version: string }).version);
    expectSent(seen[1], version);

    const [list] = recording('esv-secret.list');
    replay(list, seen);
    const rows = resultOf<{ _id: string; activeVersion: string; loadedVersion: string; useInPlaceholders: boolean; loaded: boolean }>(list);
    expect(await esv.listSecrets(http())).toEqual(rows.map((row) => expect.objectContaining({ id: row._id, activeVersion: row.activeVersion, loadedVersion: row.loadedVersion, useInPlaceholders: row.useInPlaceholders, loaded: row.loaded })));
    expectSent(seen[2], list);
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

  it('IG agents: GET (wrapped, read as flat settings), PUT (values wrapped by the module, 201)', async () => {
    const seen: Seen[] = [];
    const [get] = recording('ig-agent.get');
    replay(get, seen);
    const agent = await agents.getAgent(http(), 'alpha', lastSegment(get));
    expect(agent!.wrapped).toEqual(get.response.body);
    const recordedStatus = (get.response.body as { status: { value: unknown } }).status.value;
    expect(agent!.settings.status).toBe(recordedStatus);
    expectSent(seen[0], get);

    const [put] = recording('ig-agent.put');
    replay(put, seen);
    const recorded = put.request.body as Record<string, { value?: JsonValue } | JsonValue>;
    const settings = Object.fromEntries(Object.entries(recorded).filter(([key]) => !['_type', 'userpassword'].includes(key)).map(([key, value]) => [key, (value as { value: JsonValue }).value]));
    expect(await agents.putAgent(http(), 'alpha', lastSegment(put), settings, { current: { _type: recorded._type as JsonValue } })).toBe('created');
    // The recording sent userpassword null (no password); the module leaves it out, which AM reads the same way.
    expectSent(seen[1], put, ['userpassword']);
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
      if (exchange.request.path.includes('/scripts/')) await scripts.putScript(http(), 'alpha', lastSegment(exchange), definitionOf(exchange.request.body));
      else await clients.putClient(http(), 'alpha', lastSegment(exchange), exchange.request.body as clients.ClientBody);
    }
    exchanges.forEach((exchange, i) => (exchange.request.path.includes('/scripts/') ? expectSentScript(seen[i + 1], exchange) : expectSent(seen[i + 1], exchange, ['_id', '_type'])));
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
        expect(await scripts.putScript(http(), 'alpha', lastSegment(exchange), definitionOf(exchange.request.body))).toBe(exchange.response.status === 201 ? 'created' : 'updated');
      } else {
        expect(await policies.updatePolicy(http(), 'alpha', lastSegment(exchange), exchange.request.body as Record<string, unknown>)).toBe(exchange.response.status === 201 ? 'created' : 'updated');
      }
    }
    exchanges.forEach((exchange, i) => (exchange.request.path.includes('/scripts/') ? expectSentScript(seen[i + 1], exchange) : expectSent(seen[i + 1], exchange)));
  });
});
