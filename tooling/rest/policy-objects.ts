/**
 * What resource types, policy sets and policies share: create with POST ?_action=create (409 when it
 * exists), update with PUT (some tenants answer 404 for a missing object, others create it with 201).
 */
import { AmError, type AmHttp } from './http.js';
import { seg } from './paths.js';

export interface PolicyObjectFamily {
  family: string;
  apiVersion: string;
  /** Collection path, e.g. R/resourcetypes */
  collection: (realm: string) => string;
  /** Path of the create action (AM spells policy sets' with a trailing slash). */
  createPath: (realm: string) => string;
}

export async function createObject(http: AmHttp, f: PolicyObjectFamily, realm: string, body: Record<string, unknown>): Promise<{ exists: boolean }> {
  const response = await http.request({ method: 'POST', path: f.createPath(realm), query: { _action: 'create' }, body, apiVersion: f.apiVersion, family: f.family, accept: [409] });
  return { exists: response.status === 409 };
}

export async function updateObject(http: AmHttp, f: PolicyObjectFamily, realm: string, id: string, body: Record<string, unknown>): Promise<'created' | 'updated'> {
  const response = await http.request({ method: 'PUT', path: `${f.collection(realm)}/${seg(id)}`, body, apiVersion: f.apiVersion, family: f.family, accept: [404] });
  if (response.status === 404) {
    const created = await createObject(http, f, realm, body);
    if (created.exists) {
      const message = `${f.family} PUT ${f.collection(realm)}/${seg(id)}: HTTP 404 on update, then 409 on create (expected one of them to succeed)`;
      throw new AmError(message, f.family, 'PUT', `${f.collection(realm)}/${seg(id)}`, 409, 'exists but cannot be updated');
    }
    return 'created';
  }
  return response.status === 201 ? 'created' : 'updated';
}

export async function deleteObject(http: AmHttp, f: PolicyObjectFamily, realm: string, id: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `${f.collection(realm)}/${seg(id)}`, apiVersion: f.apiVersion, family: f.family, accept: [404] });
}
