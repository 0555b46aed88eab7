/**
 * Identity Gateway agents (the policy evaluator). A single GET returns wrapped {inherited, value}
 * values, the list returns flat ones; userpassword is write-only.
 */
import type { AmHttp } from './http.js';
import { queryAll } from './paging.js';
import { realmPath, seg, stripForPut } from './paths.js';

const FAMILY = 'ig-agents';
const API = 'protocol=2.1,resource=1.0';
const base = (realm: string) => `${realmPath(realm)}/realm-config/agents/IdentityGatewayAgent`;

export async function getAgent(http: AmHttp, realm: string, id: string): Promise<Record<string, unknown> | null> {
  const response = await http.request<Record<string, unknown>>({ method: 'GET', path: `${base(realm)}/${seg(id)}`, apiVersion: API, family: FAMILY, accept: [404] });
  return response.status === 404 ? null : response.data;
}

export async function listAgents(http: AmHttp, realm: string): Promise<Record<string, unknown>[]> {
  return queryAll(http, { path: base(realm), query: { _queryFilter: 'true' }, apiVersion: API, family: FAMILY }, 'cookie');
}

export async function putAgent(http: AmHttp, realm: string, id: string, body: Record<string, unknown>): Promise<'created' | 'updated'> {
  const response = await http.request({ method: 'PUT', path: `${base(realm)}/${seg(id)}`, body: stripForPut(body), apiVersion: API, family: FAMILY });
  return response.status === 201 ? 'created' : 'updated';
}

/** Flat values from the wrapped single-object form. */
export function unwrapAgent(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    out[key] = value && typeof value === 'object' && !Array.isArray(value) && 'inherited' in value ? (value as { value?: unknown }).value ?? null : value;
  }
  return out;
}
