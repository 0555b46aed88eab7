/**
 * Fidelity: every recorded AIC exchange, replayed against the local tenant (after preparing the
 * state it needs), gets the same status and a response of the same shape.
 */
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAccountAuth } from '../../tooling/rest/auth.js';
import { recording, recordingNames, type Exchange } from '../helpers/recordings.js';
import { startHarness, type Harness } from '../helpers/local-tenant.js';

let harness: Harness;
let bearer: string;

beforeAll(async () => {
  harness = await startHarness({ putCreates: true });
  bearer = await serviceAccountAuth({ tokenUrl: `${harness.tenant.url}/am/oauth2/access_token`, accountId: harness.tenant.serviceAccount.id, jwk: harness.tenant.serviceAccount.privateJwk }).header();
});
afterAll(() => harness.close());

/** Redacted values replaced by plausible ones for their key. */
function sanitize(value: unknown, key = ''): unknown {
  if (value === '<redacted>') {
    if (key.endsWith('PluginType')) return 'PROVIDER';
    if (key.endsWith('Script')) return '[Empty]';
    if (/password/i.test(key)) return 'fidelity-password';
    return 'redacted-value';
  }
  if (Array.isArray(value)) return value.map((item) => sanitize(item, key));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sanitize(v, k)]));
  return value;
}

async function send(method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return axios.request({ baseURL: harness.tenant.url, url: path, method, data: body === null || body === undefined ? undefined : sanitize(body), headers: { ...headers, authorization: bearer, 'content-type': 'application/json' }, validateStatus: () => true });
}

const R = '/am/json/realms/root/realms/alpha';

/** Creates what an exchange expects to exist. */
async function prepare(name: string, exchange: Exchange): Promise<void> {
  const { method, path, headers, body } = exchange.request;
  const b = (body ?? {}) as Record<string, unknown>;
  const responseBody = exchange.response.body as Record<string, unknown>;
  if (method === 'PUT' && exchange.response.status === 200 && !path.startsWith('/environment')) {
    await send(method, path, body, headers); // an update: the object exists already
  }
  if (name === 'scripts.query-by-name') {
    const wanted = decodeURIComponent(/name%20eq%20%22(.+?)%22/.exec(path)![1]);
    const sample = (responseBody.result as Record<string, unknown>[])[0];
    await send('PUT', `${R}/scripts/${String(sample._id)}`, { ...sample, name: wanted });
  }
  if (name === 'ig-agent.get' || name === 'oauth2-client.read') {
    const { _rev, ...rest } = responseBody;
    void _rev;
    await send('PUT', path, rest, headers);
  }
  if (name === 'ig-agent.list') await send('PUT', `${R}/realm-config/agents/IdentityGatewayAgent/fidelity-agent`, { status: { inherited: false, value: 'Active' } }, { 'accept-api-version': 'protocol=2.1,resource=1.0' });
  if (name === 'esv-secret.new-version' || name === 'esv-secret.versions') {
    const id = path.split('/')[3];
    await send('PUT', `/environment/secrets/${id}`, { valueBase64: 'dmFsdWU=', description: 'd', encoding: 'generic', useInPlaceholders: false });
    if (name === 'esv-secret.versions') {
      await send('POST', `/environment/secrets/${id}/versions?_action=create`, { valueBase64: 'dmFsdWUy' });
      await send('POST', `/environment/secrets/${id}/versions?_action=create`, { valueBase64: 'dmFsdWUz' });
    }
  }
  if (name === 'esv-secret.list') await send('PUT', '/environment/secrets/esv-fidelity', { valueBase64: 'dmFsdWU=', description: 'd', encoding: 'generic', useInPlaceholders: true });
  if (name === 'esv-variable.list') await send('PUT', '/environment/variables/esv-fidelity', { valueBase64: 'dmFsdWU=', description: 'd', expressionType: 'string' });
  if (name === 'resource-type.list') await send('POST', `${R}/resourcetypes?_action=create`, { name: 'FidelityType', patterns: ['a://*'], actions: { GO: true } });
  const resourceTypeUuids = (b.resourceTypeUuids as string[] | undefined) ?? (b.resourceTypeUuid ? [String(b.resourceTypeUuid)] : []);
  for (const uuid of resourceTypeUuids) {
    const actions = Object.fromEntries(Object.keys((b.actionValues as Record<string, boolean>) ?? { GET: true }).map((a) => [a, true]));
    await send('POST', `${R}/resourcetypes?_action=create`, { uuid, name: `type-${uuid}`, patterns: ['*://*:*/*', '*://*:*/*?*'], actions: { GET: true, POST: true, ...actions } });
  }
  if (typeof b.applicationName === 'string') await send('POST', `${R}/applications/?_action=create`, { name: b.applicationName, resourceTypeUuids });
}

/** Same JSON type for every top-level key of the recorded body (recorded nulls match anything); arrays compare their first element. */
function shapeProblems(actual: unknown, recorded: unknown, at = 'body'): string[] {
  if (recorded === null || recorded === '<redacted>') return [];
  const type = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (type(actual) !== type(recorded)) return [`${at}: expected ${type(recorded)}, got ${type(actual)}`];
  if (Array.isArray(recorded) && Array.isArray(actual) && recorded.length && actual.length && at === 'body') return shapeProblems(actual[0], recorded[0], `${at}[0]`);
  if (type(recorded) === 'object') {
    const problems: string[] = [];
    for (const [key, value] of Object.entries(recorded as Record<string, unknown>)) {
      const inner = (actual as Record<string, unknown>)[key];
      if (!(key in (actual as object))) problems.push(`${at}.${key}: missing`);
      else if (value !== null && value !== '<redacted>' && type(inner) !== type(value)) problems.push(`${at}.${key}: expected ${type(value)}, got ${type(inner)}`);
      else if (key === 'result' && Array.isArray(value) && value.length && Array.isArray(inner)) problems.push(...(inner.length ? shapeProblems(inner[0], value[0], `${at}.result[0]`) : [`${at}.result: empty`]));
    }
    return problems;
  }
  return [];
}

describe('the local tenant answers every recorded exchange as AIC did', () => {
  for (const name of recordingNames()) {
    it(name, async () => {
      for (const exchange of recording(name)) {
        await prepare(name, exchange);
        const { method, path, headers, body } = exchange.request;
        const response = await send(method, path, body, headers);
        expect({ exchange: `${method} ${path}`, status: response.status, problems: shapeProblems(response.data, exchange.response.body) }).toEqual({ exchange: `${method} ${path}`, status: exchange.response.status, problems: [] });
      }
    });
  }
});
