/**
 * Scripts: query by name, upsert by uuid (PUT), delete. Accept-API-Version protocol=2.0,resource=1.0.
 * Owns the wire encoding: callers pass and receive the source as text; the body carries its base64.
 */
import type { AmHttp } from './http.js';
import { queryAll } from './paging.js';
import { quoted, realmPath, seg } from './paths.js';

const FAMILY = 'scripts';
const API = 'protocol=2.0,resource=1.0';

/** A script as the tool manages it (domain values). */
export interface ScriptDefinition {
  name: string;
  description: string;
  source: string;
  language: 'JAVASCRIPT';
  context: string;
  evaluatorVersion: string;
  default: boolean;
}

export interface StoredScript extends ScriptDefinition {
  _id: string;
}

const encode = (source: string) => Buffer.from(source, 'utf8').toString('base64');
const decode = (base64: unknown) => (typeof base64 === 'string' ? Buffer.from(base64, 'base64').toString('utf8') : '');

function fromBody(body: Record<string, unknown>): StoredScript {
  return {
    _id: String(body._id),
    name: String(body.name ?? ''),
    description: String(body.description ?? ''),
    source: decode(body.script),
    language: 'JAVASCRIPT',
    context: String(body.context ?? ''),
    // AM stores scripts created without one as legacy.
    evaluatorVersion: String(body.evaluatorVersion ?? '1.0'),
    default: body.default === true,
  };
}

/** Scripts by exact name, and (one request) every script whose name starts with one of `prefixes` (AM compares case-sensitively). */
export async function queryScriptsByName(http: AmHttp, realm: string, names: string[], prefixes: string[] = []): Promise<StoredScript[]> {
  if (names.length === 0 && prefixes.length === 0) return [];
  const filter = [...names.map((name) => `name eq ${quoted(name)}`), ...prefixes.map((prefix) => `name sw ${quoted(prefix)}`)].join(' or ');
  const rows = await queryAll<Record<string, unknown>>(http, { path: `${realmPath(realm)}/scripts`, query: { _queryFilter: filter }, apiVersion: API, family: FAMILY }, 'cookie');
  return rows.map(fromBody);
}

/** PUT is an upsert by uuid; the name must be unique in the realm (409 otherwise). */
export async function putScript(http: AmHttp, realm: string, id: string, script: ScriptDefinition): Promise<'created' | 'updated'> {
  const { source, ...rest } = script;
  const response = await http.request({ method: 'PUT', path: `${realmPath(realm)}/scripts/${seg(id)}`, body: { _id: id, ...rest, script: encode(source) }, apiVersion: API, family: FAMILY });
  return response.status === 201 ? 'created' : 'updated';
}

export async function deleteScript(http: AmHttp, realm: string, id: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `${realmPath(realm)}/scripts/${seg(id)}`, apiVersion: API, family: FAMILY, accept: [404] });
}
