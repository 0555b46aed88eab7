/**
 * OAuth2 clients. A PUT replaces the whole client, so the tool reads it, changes only the override
 * block (flat values) and writes it back without _id, _type, _rev and *-encrypted values.
 */
import type { AmHttp } from './http.js';
import { queryAll } from './paging.js';
import { realmPath, seg, stripForPut } from './paths.js';

const FAMILY = 'oauth2-clients';
const API = 'protocol=2.1,resource=1.0';
const base = (realm: string) => `${realmPath(realm)}/realm-config/agents/OAuth2Client`;

export type ClientBody = Record<string, unknown> & { _id?: string; overrideOAuth2ClientConfig?: Record<string, unknown> };

export async function listClients(http: AmHttp, realm: string): Promise<ClientBody[]> {
  return queryAll<ClientBody>(http, { path: base(realm), query: { _queryFilter: 'true' }, apiVersion: API, family: FAMILY });
}

export async function getClient(http: AmHttp, realm: string, id: string): Promise<ClientBody | null> {
  const response = await http.request<ClientBody>({ method: 'GET', path: `${base(realm)}/${seg(id)}`, apiVersion: API, family: FAMILY, accept: [404] });
  return response.status === 404 ? null : response.data;
}

export async function putClient(http: AmHttp, realm: string, id: string, body: ClientBody): Promise<void> {
  await http.request({ method: 'PUT', path: `${base(realm)}/${seg(id)}`, body: stripForPut(body, ['_id', '_type']), apiVersion: API, family: FAMILY });
}

/** A copy of the client with only the given override values changed. */
export function setOverrides(client: ClientBody, overrides: Record<string, unknown>): ClientBody {
  // The override block holds flat values; a wrapped {inherited, value} given by mistake is unwrapped.
  const flat = Object.fromEntries(Object.entries(overrides).map(([key, value]) => [key, isWrapped(value) ? value.value : value]));
  return { ...client, overrideOAuth2ClientConfig: { ...(client.overrideOAuth2ClientConfig ?? {}), ...flat } };
}

/** The override fields that name a script (by id). */
const SCRIPT_OVERRIDE_FIELDS = ['accessTokenModificationScript', 'validateScopeScript'] as const;

/** The script ids a client's override block names ("[Empty]", AM's "no script", is none). */
export function overrideScriptIds(overrides: unknown): string[] {
  if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) return [];
  const block = overrides as Record<string, unknown>;
  // Flat values, as AM stores the block; a wrapped { value } one is read through all the same.
  const unwrap = (value: unknown) => (value && typeof value === 'object' && 'value' in value ? (value as { value: unknown }).value : value);
  return SCRIPT_OVERRIDE_FIELDS.map((field) => unwrap(block[field])).filter((id): id is string => typeof id === 'string' && id !== '[Empty]');
}

function isWrapped(value: unknown): value is { inherited: boolean; value?: unknown } {
  return !!value && typeof value === 'object' && !Array.isArray(value) && 'inherited' in value;
}
