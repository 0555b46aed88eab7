/**
 * Policies and policy evaluation. Accept-API-Version `resource=2.1`: the form recorded from AIC
 * (AM-FACTS also lists protocol=1.0,resource=2.1; AM accepts both).
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

export interface PolicyDecision {
  resource: string;
  actions: Record<string, boolean>;
  attributes?: Record<string, unknown>;
  advices?: Record<string, unknown>;
  ttl?: number;
}

/** `ssoToken`: the caller's session, sent in the header named after the tenant cookie; masked in logs. */
export async function evaluatePolicies(http: AmHttp, realm: string, body: Record<string, unknown>, ssoToken?: { header: string; value: string }): Promise<PolicyDecision[]> {
  if (ssoToken) {
    http.redactor.addSecretHeader(ssoToken.header);
    http.redactor.add(ssoToken.value);
  }
  const response = await http.request<PolicyDecision[]>({
    method: 'POST',
    path: POLICIES.collection(realm),
    query: { _action: 'evaluate' },
    body,
    apiVersion: POLICIES.apiVersion,
    family: POLICIES.family,
    readOnly: true,
    headers: ssoToken ? { [ssoToken.header]: ssoToken.value } : undefined,
  });
  return response.data;
}
