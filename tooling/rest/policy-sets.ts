/** Policy sets ("applications"), one per provider. Accept-API-Version protocol=1.0,resource=2.1. */
import type { AmHttp } from './http.js';
import { queryAll } from './paging.js';
import { realmPath } from './paths.js';
import { createObject, deleteObject, updateObject, type PolicyObjectFamily } from './policy-objects.js';

const POLICY_SETS: PolicyObjectFamily = {
  family: 'policy-sets',
  apiVersion: 'protocol=1.0,resource=2.1',
  collection: (realm) => `${realmPath(realm)}/applications`,
  createPath: (realm) => `${realmPath(realm)}/applications/`,
};

export const listPolicySets = (http: AmHttp, realm: string, filter = 'true') =>
  queryAll<Record<string, unknown>>(http, { path: POLICY_SETS.collection(realm), query: { _queryFilter: filter }, apiVersion: POLICY_SETS.apiVersion, family: POLICY_SETS.family });
export const createPolicySet = (http: AmHttp, realm: string, body: Record<string, unknown>) => createObject(http, POLICY_SETS, realm, body);
export const updatePolicySet = (http: AmHttp, realm: string, name: string, body: Record<string, unknown>) => updateObject(http, POLICY_SETS, realm, name, body);
export const deletePolicySet = (http: AmHttp, realm: string, name: string) => deleteObject(http, POLICY_SETS, realm, name);
