/**
 * Policies. Accept-API-Version `resource=2.1`: the form recorded from AIC (AM-FACTS also lists
 * protocol=1.0,resource=2.1; AM accepts both). Evaluation is the scripts' business, not the tool's.
 */
import type { AmHttp } from './http.js';
import { queryAll } from './paging.js';
import { realmPath } from './paths.js';
import { createObject, deleteObject, updateObject, type PolicyObjectFamily } from './policy-objects.js';

const POLICIES: PolicyObjectFamily = {
  family: 'policies',
  apiVersion: 'resource=2.1',
  collection: (realm) => `${realmPath(realm)}/policies`,
  createPath: (realm) => `${realmPath(realm)}/policies`,
};

export const listPolicies = (http: AmHttp, realm: string, filter = 'true') =>
  queryAll<Record<string, unknown>>(http, { path: POLICIES.collection(realm), query: { _queryFilter: filter }, apiVersion: POLICIES.apiVersion, family: POLICIES.family });
export const createPolicy = (http: AmHttp, realm: string, body: Record<string, unknown>) => createObject(http, POLICIES, realm, body);
export const updatePolicy = (http: AmHttp, realm: string, name: string, body: Record<string, unknown>) => updateObject(http, POLICIES, realm, name, body);
export const deletePolicy = (http: AmHttp, realm: string, name: string) => deleteObject(http, POLICIES, realm, name);
