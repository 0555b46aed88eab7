/** Resource types (pattern api://<provider>/*, action GRANT). Accept-API-Version protocol=1.0,resource=1.0. */
import type { AmHttp } from './http.js';
import { queryAll } from './paging.js';
import { realmPath } from './paths.js';
import { createObject, deleteObject, updateObject, type PolicyObjectFamily } from './policy-objects.js';

const RESOURCE_TYPES: PolicyObjectFamily = {
  family: 'resource-types',
  apiVersion: 'protocol=1.0,resource=1.0',
  collection: (realm) => `${realmPath(realm)}/resourcetypes`,
  createPath: (realm) => `${realmPath(realm)}/resourcetypes`,
};

export const listResourceTypes = (http: AmHttp, realm: string, filter = 'true') =>
  queryAll<Record<string, unknown>>(http, { path: RESOURCE_TYPES.collection(realm), query: { _queryFilter: filter }, apiVersion: RESOURCE_TYPES.apiVersion, family: RESOURCE_TYPES.family });
export const createResourceType = (http: AmHttp, realm: string, body: Record<string, unknown>) => createObject(http, RESOURCE_TYPES, realm, body);
export const updateResourceType = (http: AmHttp, realm: string, uuid: string, body: Record<string, unknown>) => updateObject(http, RESOURCE_TYPES, realm, uuid, body);
export const deleteResourceType = (http: AmHttp, realm: string, uuid: string) => deleteObject(http, RESOURCE_TYPES, realm, uuid);
