/**
 * Fidelity: every exchange of every recording in test/fixtures/am-recordings (recorded from a
 * real AIC tenant) is replayed against a fresh local tenant, after preparing the state it needs;
 * the status must be the same and the body the same shape (every recorded top-level key present
 * with the same JSON type; array elements compared the same way). Values are ignored.
 */
import { describe, expect, it } from 'vitest';
import { recording, recordingNames } from '../../helpers/recordings.js';
import { CoreTenant, b64 } from '../core/tenant-client.js';

const REDACTED = '<redacted>';

interface Exchange {
  request: { method: string; path: string; headers: Record<string, string>; body: unknown };
  response: { status: number; body: unknown };
}
type Json = Record<string, any>;

const recordingFiles = recordingNames();
const load = (name: string): Exchange[] => recording(name) as Exchange[];

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
const identity = (row: unknown) => (row && typeof row === 'object' ? ((row as Json)._id ?? (row as Json).uuid ?? (row as Json).version ?? (row as Json).name) : undefined);

/** Differences in shape between what the tenant answered and what AIC answered: the body's keys, and the keys of objects inside its arrays (list rows, versions). */
function shapeProblems(actual: unknown, recorded: unknown, at: string, depth = 0): string[] {
  if (recorded === REDACTED) return [];
  if (typeOf(actual) !== typeOf(recorded)) return [`${at}: expected ${typeOf(recorded)}, got ${typeOf(actual)}`];
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    if (recorded.length === 0) return [];
    if (actual.length === 0) return [`${at}: expected elements, got an empty array`];
    return recorded.flatMap((element, i) => {
      const counterpart = actual.find((candidate) => identity(candidate) !== undefined && identity(candidate) === identity(element)) ?? actual[Math.min(i, actual.length - 1)];
      return shapeProblems(counterpart, element, `${at}[${String(identity(element) ?? i)}]`, depth);
    });
  }
  if (typeOf(recorded) === 'object' && depth <= 1) {
    return Object.entries(recorded as Json).flatMap(([key, value]) => {
      if (!(key in (actual as Json))) return [`${at}.${key}: missing`];
      const inner = (actual as Json)[key];
      if (value === REDACTED) return [];
      if (typeOf(inner) !== typeOf(value)) return [`${at}.${key}: expected ${typeOf(value)}, got ${typeOf(inner)}`];
      return Array.isArray(value) ? shapeProblems(inner, value, `${at}.${key}`, depth + 1) : [];
    });
  }
  return [];
}

/** One replay: a fresh tenant, and what the recording's earlier exchanges told us about scripts. */
class Replay {
  private scriptsByContext: Record<string, string> = {};
  constructor(readonly core: CoreTenant) {}

  /** `<redacted>` values replaced by plausible ones for their key. */
  sanitize(value: unknown, key = ''): unknown {
    if (value === REDACTED) {
      const tokenScript = this.scriptsByContext.OAUTH2_ACCESS_TOKEN_MODIFICATION;
      if (key === 'accessTokenModificationScript') return tokenScript ?? '[Empty]';
      if (key === 'accessTokenModificationPluginType') return tokenScript ? 'SCRIPTED' : 'PROVIDER';
      if (key.endsWith('Script')) return '[Empty]';
      if (key.endsWith('PluginType')) return 'PROVIDER';
      if (key === 'valueBase64') return b64('fidelity value');
      if (/password/i.test(key)) return key === 'passwordAttribute' ? 'password' : 'fidelity-Password-1';
      return 'fidelity';
    }
    if (Array.isArray(value)) return value.map((item) => this.sanitize(item, key));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.sanitize(v, k)]));
    return value;
  }

  send(exchange: Exchange['request'], body: unknown = exchange.body) {
    return this.core.call(exchange.method, exchange.path, body === null || body === undefined ? undefined : this.sanitize(body), { headers: exchange.headers });
  }

  note(exchange: Exchange): void {
    const body = exchange.request.body as Json | null;
    if (/\/scripts\/[^/?]+$/.test(exchange.request.path) && body?.context) this.scriptsByContext[body.context] = exchange.request.path.split('/').pop()!;
  }

  private put(pathName: string, body: unknown, apiVersion: string) {
    return this.core.call('PUT', pathName, this.sanitize(body), { headers: { 'accept-api-version': apiVersion } });
  }

  /** Creates what the exchange expects to exist already. */
  async prepare(exchange: Exchange): Promise<void> {
    const { method, path: fullPath, headers } = exchange.request;
    const [pathName] = fullPath.split('?');
    const apiVersion = headers['accept-api-version'] ?? '';
    const recorded = exchange.response.body as Json;
    const requestBody = (exchange.request.body ?? {}) as Json;
    const R = pathName.replace(/\/(scripts|resourcetypes|applications|policies|realm-config)(\/.*)?$/, '');

    // Dependencies of policies and policy sets.
    const typeUuids: string[] = requestBody.resourceTypeUuids ?? (requestBody.resourceTypeUuid ? [requestBody.resourceTypeUuid] : []);
    if (pathName.includes('/policies') || pathName.includes('/applications')) {
      for (const uuid of typeUuids) {
        const actions = Object.fromEntries(Object.keys(requestBody.actionValues ?? { GRANT: true }).map((action) => [action, true]));
        await this.core.call('POST', `${R}/resourcetypes?_action=create`, { uuid, name: `fidelity-type-${uuid}`, patterns: ['*://*:*/*', '*://*:*/*?*'], actions }, { headers: { 'accept-api-version': 'protocol=1.0,resource=1.0' } });
      }
      if (typeof requestBody.applicationName === 'string') {
        await this.core.call('POST', `${R}/applications/?_action=create`, { name: requestBody.applicationName, resourceTypeUuids: typeUuids }, { headers: { 'accept-api-version': 'protocol=1.0,resource=2.1' } });
      }
    }
    // An update recorded as 200: the object existed before the recorded PUT (created through the
    // family's create action where it has one, as PUT may not create there).
    if (method === 'PUT' && exchange.response.status === 200 && !pathName.startsWith('/environment')) {
      const collection = /^(.*\/(policies|resourcetypes|applications))\/[^/]+$/.exec(pathName);
      if (collection) await this.core.call('POST', `${collection[1]}${collection[2] === 'applications' ? '/' : ''}?_action=create`, this.sanitize(requestBody), { headers });
      else await this.send(exchange.request);
    }
    if (method !== 'GET' && method !== 'POST') return;

    // Reads of one object: create it from the recorded answer.
    if (method === 'GET' && exchange.response.status === 200 && /\/realm-config\/agents\/[^/]+\/[^/]+$/.test(pathName)) {
      const { _rev, ...body } = recorded;
      void _rev;
      await this.put(pathName, body, apiVersion);
    }
    // Node reads (one node or a list of one type): create each node, a page node's children first,
    // through the API form the read used.
    const nodesBase = /^(.*\/authenticationtrees\/nodes)\//.exec(pathName)?.[1];
    if (method === 'GET' && exchange.response.status === 200 && nodesBase) {
      const versioned = /resource=3\.0/.test(apiVersion);
      const at = (type: string, version: string, id: string) => (versioned ? `${nodesBase}/${type}/${version}/${id}` : `${nodesBase}/${type}/${id}`);
      for (const row of (Array.isArray(recorded?.result) ? recorded.result : [recorded]) as Json[]) {
        for (const child of (row.nodes ?? []) as Json[]) await this.put(at(child.nodeType, child.nodeVersion ?? '1.0', child._id), {}, apiVersion);
        const { _rev, ...body } = row;
        void _rev;
        await this.put(at(row._type._id, row._type.version ?? '1.0', row._id), body, apiVersion);
      }
    }
    // Lists: create every recorded row.
    const rows: Json[] = Array.isArray(recorded?.result) && method === 'GET' ? recorded.result : [];
    for (const row of rows) {
      if (pathName.endsWith('/scripts')) await this.put(`${pathName}/${row._id}`, { ...row, _rev: undefined }, apiVersion);
      // The list shows agents flat; a PUT takes them wrapped, as a single GET shows them.
      else if (pathName.endsWith('/IdentityGatewayAgent')) await this.put(`${pathName}/${row._id}`, Object.fromEntries(Object.entries(row).filter(([key]) => !key.startsWith('_')).map(([key, value]) => [key, value === null ? { inherited: false } : { inherited: false, value }])), apiVersion);
      else if (pathName.endsWith('/resourcetypes')) await this.core.call('POST', `${pathName}?_action=create`, { uuid: row.uuid, name: row.name, description: row.description, patterns: row.patterns, actions: row.actions }, { headers: headers });
      else if (pathName === '/environment/variables') await this.put(`${pathName}/${row._id}`, { valueBase64: row.valueBase64, description: row.description, expressionType: row.expressionType }, apiVersion);
      else if (pathName === '/environment/secrets') await this.put(`${pathName}/${row._id}`, { valueBase64: b64('fidelity value'), description: row.description, encoding: row.encoding, useInPlaceholders: row.useInPlaceholders }, apiVersion);
    }
    // Secret versions: the secret, with as many versions as recorded.
    const versions = /^\/environment\/secrets\/([^/]+)\/versions$/.exec(pathName);
    if (versions) {
      await this.put(`/environment/secrets/${versions[1]}`, { valueBase64: b64('fidelity value 1'), description: 'fidelity', encoding: 'generic', useInPlaceholders: false }, apiVersion);
      const wanted = method === 'GET' && Array.isArray(recorded) ? recorded.length : 1;
      for (let n = 2; n <= wanted; n++) await this.core.call('POST', `${pathName}?_action=create`, { valueBase64: b64(`fidelity value ${n}`) }, { headers });
    }
  }
}


describe('the local tenant answers every recorded AIC exchange with the same status and shape', () => {
  it('finds the recordings', () => {
    expect(recordingFiles.length).toBeGreaterThan(0);
  });

  for (const file of recordingFiles) {
    it(file, async () => {
      const exchanges = load(file);
      // Default (strict) options: a PUT creates a missing policy as recorded, and nothing else.
      const core = await CoreTenant.start();
      const replay = new Replay(core);
      try {
        for (const exchange of exchanges) {
          await replay.prepare(exchange);
          const answer = await replay.send(exchange.request);
          replay.note(exchange);
          const label = `${exchange.request.method} ${exchange.request.path}`;
          expect({ label, status: answer.status, problems: shapeProblems(answer.body, exchange.response.body, 'body') }).toEqual({ label, status: exchange.response.status, problems: [] });
        }
      } finally {
        await core.close();
      }
    });
  }
});
