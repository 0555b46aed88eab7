/** Scripts: query by name, upsert by uuid (PUT), delete. Accept-API-Version protocol=2.0,resource=1.0. */
import type { AmHttp } from './http.js';
import { queryAll } from './paging.js';
import { quoted, realmPath, seg, stripForPut } from './paths.js';

const FAMILY = 'scripts';
const API = 'protocol=2.0,resource=1.0';

export interface ScriptBody {
  _id: string;
  name: string;
  description: string;
  script: string;
  language: string;
  context: string;
  evaluatorVersion: string;
  default: boolean;
  [key: string]: unknown;
}

export const encodeScript = (source: string) => Buffer.from(source, 'utf8').toString('base64');
export const decodeScript = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');

export async function queryScriptsByName(http: AmHttp, realm: string, names: string[]): Promise<ScriptBody[]> {
  if (names.length === 0) return [];
  const filter = names.map((name) => `name eq ${quoted(name)}`).join(' or ');
  return queryAll<ScriptBody>(http, { path: `${realmPath(realm)}/scripts`, query: { _queryFilter: filter }, apiVersion: API, family: FAMILY }, 'cookie');
}

export async function putScript(http: AmHttp, realm: string, script: ScriptBody): Promise<'created' | 'updated'> {
  const response = await http.request({ method: 'PUT', path: `${realmPath(realm)}/scripts/${seg(script._id)}`, body: stripForPut(script), apiVersion: API, family: FAMILY });
  return response.status === 201 ? 'created' : 'updated';
}

export async function deleteScript(http: AmHttp, realm: string, id: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `${realmPath(realm)}/scripts/${seg(id)}`, apiVersion: API, family: FAMILY, accept: [404] });
}
