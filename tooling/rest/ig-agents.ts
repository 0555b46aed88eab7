/**
 * Identity Gateway agents (the policy evaluator). A single GET returns wrapped {inherited, value}
 * values, the list returns flat ones; userpassword is write-only. A PUT replaces the whole agent, so
 * writes merge the managed settings into the agent as read. Owns the wrapping: callers use flat values.
 */
import type { JsonObject, JsonValue } from '../../common/json.js';
import type { AmHttp } from './http.js';
import { realmPath, seg, stripForPut } from './paths.js';

const FAMILY = 'ig-agents';
const API = 'protocol=2.1,resource=1.0';
const base = (realm: string) => `${realmPath(realm)}/realm-config/agents/IdentityGatewayAgent`;
/** Fields of the wrapped body that are not settings. */
const META = new Set(['_id', '_rev', '_type']);

export interface Agent {
  /** Flat setting values as AM holds them (userpassword is never returned). */
  settings: Record<string, JsonValue>;
  /** The wrapped body as read: what a write merges into. */
  wrapped: JsonObject;
}

const isWrapped = (value: unknown): value is { inherited: boolean; value?: JsonValue } => !!value && typeof value === 'object' && !Array.isArray(value) && 'inherited' in value;

export async function getAgent(http: AmHttp, realm: string, id: string): Promise<Agent | null> {
  const response = await http.request<JsonObject>({ method: 'GET', path: `${base(realm)}/${seg(id)}`, apiVersion: API, family: FAMILY, accept: [404] });
  if (response.status === 404) return null;
  const settings: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(response.data)) if (!META.has(key)) settings[key] = isWrapped(value) ? value.value ?? null : value;
  return { settings, wrapped: response.data };
}

/**
 * Writes the agent: `settings` merged into `current` (the agent as read, or none for a create), every
 * value wrapped as AM expects, and the password when one is given (AM keeps the old one otherwise).
 */
export async function putAgent(http: AmHttp, realm: string, id: string, settings: Record<string, JsonValue>, options: { current?: JsonObject | null; password?: string } = {}): Promise<'created' | 'updated'> {
  const body: JsonObject = { ...(options.current ?? {}) };
  delete body.userpassword;
  for (const [key, value] of Object.entries(settings)) body[key] = { inherited: false, value };
  if (options.password !== undefined) body.userpassword = options.password;
  const response = await http.request({ method: 'PUT', path: `${base(realm)}/${seg(id)}`, body: stripForPut(body, ['_id']), apiVersion: API, family: FAMILY });
  return response.status === 201 ? 'created' : 'updated';
}

export async function deleteAgent(http: AmHttp, realm: string, id: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `${base(realm)}/${seg(id)}`, apiVersion: API, family: FAMILY, accept: [404] });
}
