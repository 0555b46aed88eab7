/**
 * Policy engine configuration: resource types, policy sets ("applications") and policies, with
 * AM's create action (409 when it exists), PUT semantics as recorded (a missing policy is created,
 * 201; a missing resource type or policy set is 404 unless `putCreates`), the names AIC forbids,
 * referential checks, and paging. Evaluation lives in runtime/.
 */
import { randomUUID } from 'node:crypto';
import { adminHandler } from '../admin-handler.js';
import { matchResource } from '../runtime/policy-engine.js';
import { amError, clone, ok, own } from '../http-util.js';
import { listAnswer } from '../query.js';
import type { Handler, JsonObject, RealmState, Route, TenantContext, TenantResponse } from '../types.js';

const R = '^/am/json/realms/root/realms/(?<realm>[^/]+)';
const AUDIT = 'id=local-deployer,ou=user,ou=am-config';


const byName = (a: JsonObject, b: JsonObject) => String(a.name).localeCompare(String(b.name));
// Recorded (frodo-lib PolicySetApi/ResourceTypesApi "Update non-existing …"): 404. Only as an option.
const putCreates = (tenant: TenantContext) => tenant.options.putCreates === true;

/**
 * "Don't use any of the following characters in policy, policy set, or resource type names:
 * " + , < = > \ / ; and null" (AIC docs, am-authorization/policy-sets-ui, "Policy set names"; the
 * LDAP DN specials of AM's configuration store). AIC's REST message for it is not recorded: 400,
 * naming the character, refused before anything is stored.
 */
const FORBIDDEN_NAME_CHARACTERS = /["+,<=>\\/;\u0000]/;
function forbiddenName(kind: string, name: unknown): TenantResponse | null {
  if (typeof name !== 'string') return null;
  const found = FORBIDDEN_NAME_CHARACTERS.exec(name);
  if (!found) return null;
  const shown = found[0] === '\u0000' ? 'null (\\u0000)' : found[0];
  return amError(400, `Invalid ${kind} name ${JSON.stringify(name)}: names must not contain any of " + , < = > \\ / ; or null (found ${shown})`);
}

/** AM's realm path for messages ("/alpha"). */
const realmName = (realm: RealmState, tenant: TenantContext) => `/${Object.keys(tenant.state.realms).find((name) => tenant.state.realms[name] === realm) ?? ''}`;

// The 404 texts below are AIC's, as recorded by frodo-lib (ResourceTypesApi, PolicySetApi/Ops, PoliciesApi).
const missingResourceType = (uuid: string, realm: string) => amError(404, `Resource Type ${uuid} does not exist in realm ${realm}`);

function stamp(body: JsonObject, existing: JsonObject | undefined): JsonObject {
  const now = Date.now();
  const stored: JsonObject = { ...(clone(body) as JsonObject), createdBy: existing?.createdBy ?? AUDIT, creationDate: existing?.creationDate ?? now, lastModifiedBy: AUDIT, lastModifiedDate: now };
  delete stored._rev;
  return stored;
}

// ---- resource types ----
function checkResourceType(body: JsonObject): TenantResponse | null {
  if (typeof body.name !== 'string' || !body.name) return amError(400, 'Resource type name is required');
  const badName = forbiddenName('resource type', body.name);
  if (badName) return badName;
  if (!Array.isArray(body.patterns) || body.patterns.length === 0) return amError(400, 'Resource type patterns are required');
  if (!body.actions || typeof body.actions !== 'object' || Array.isArray(body.actions)) return amError(400, 'Resource type actions are required');
  return null;
}

function saveResourceType(realm: RealmState, tenant: TenantContext, uuid: string, body: JsonObject): TenantResponse {
  const invalid = checkResourceType(body);
  if (invalid) return invalid;
  const clash = Object.values(realm.resourceTypes).find((t) => t.name === body.name && t.uuid !== uuid);
  if (clash) return amError(409, `Resource type ${String(body.name)} already exists`);
  const existing = own(realm.resourceTypes, uuid);
  realm.resourceTypes[uuid] = { description: '', ...stamp(body, existing), uuid };
  tenant.changed();
  return ok(realm.resourceTypes[uuid], existing ? 200 : 201);
}

const createResourceType = adminHandler((_req, _p, realm, tenant, body) => {
  const uuid = typeof body.uuid === 'string' && body.uuid ? body.uuid : randomUUID();
  // Recorded: 409 "Resource Type <uuid> already exists" (frodo-lib ResourceTypesApi createResourceType).
  if (own(realm.resourceTypes, uuid) || Object.values(realm.resourceTypes).some((t) => t.name === body.name)) return amError(409, `Resource Type ${uuid} already exists`);
  return saveResourceType(realm, tenant, uuid, body);
});
const updateResourceType = adminHandler((_req, { id }, realm, tenant, body) => {
  if (!own(realm.resourceTypes, id) && !putCreates(tenant)) return missingResourceType(id, realmName(realm, tenant));
  return saveResourceType(realm, tenant, id, body);
});
const getResourceType = adminHandler((_req, { id }, realm, tenant) => {
  const type = own(realm.resourceTypes, id);
  return type ? ok(type) : missingResourceType(id, realmName(realm, tenant));
});
const deleteResourceType = adminHandler((_req, { id }, realm, tenant) => {
  if (!own(realm.resourceTypes, id)) return missingResourceType(id, realmName(realm, tenant));
  const user = Object.values(realm.policySets).find((s) => (s.resourceTypeUuids as string[] | undefined)?.includes(id));
  if (user) return amError(409, `Resource type ${id} is used by policy set ${String(user.name)}`);
  delete realm.resourceTypes[id];
  tenant.changed();
  return ok({});
});
const listResourceTypes = adminHandler((req, _p, realm) => listAnswer(req, Object.values(realm.resourceTypes).sort(byName), { regexEq: true }));

// ---- policy sets ----
function savePolicySet(realm: RealmState, tenant: TenantContext, name: string, body: JsonObject): TenantResponse {
  const badName = forbiddenName('policy set', name) ?? forbiddenName('policy set', body.name);
  if (badName) return badName;
  const uuids = body.resourceTypeUuids;
  if (!Array.isArray(uuids) || uuids.length === 0) return amError(400, 'resourceTypeUuids must name at least one resource type');
  for (const uuid of uuids) if (!own(realm.resourceTypes, String(uuid))) return amError(400, `Resource type ${String(uuid)} does not exist`);
  const existing = own(realm.policySets, name);
  realm.policySets[name] = { applicationType: 'iPlanetAMWebAgentService', entitlementCombiner: 'DenyOverride', subjects: [], conditions: [], attributeNames: [], saveIndex: null, searchIndex: null, resourceComparator: null, description: '', ...stamp(body, existing), name, displayName: body.displayName ?? name };
  tenant.changed();
  return ok(realm.policySets[name], existing ? 200 : 201);
}
const createPolicySet = adminHandler((_req, _p, realm, tenant, body) => {
  if (typeof body.name !== 'string' || !body.name) return amError(400, 'Policy set name is required');
  if (own(realm.policySets, body.name)) return amError(409, 'Application already exists');
  return savePolicySet(realm, tenant, body.name, body);
});
const updatePolicySet = adminHandler((_req, { id }, realm, tenant, body) => {
  if (!own(realm.policySets, id) && !putCreates(tenant)) return amError(404, `${id} not found.`);
  return savePolicySet(realm, tenant, id, body);
});
const getPolicySet = adminHandler((_req, { id }, realm, tenant) => {
  const set = own(realm.policySets, id);
  return set ? ok(set) : amError(404, `Unable to retrieve application under realm ${realmName(realm, tenant)}.`);
});
const deletePolicySet = adminHandler((_req, { id }, realm, tenant) => {
  if (!own(realm.policySets, id)) return amError(404, `${id} application not found in realm.`);
  const inside = Object.values(realm.policies).filter((p) => p.applicationName === id).length;
  if (inside > 0) return amError(409, `Application ${id} still holds ${inside} policies; delete them first`);
  delete realm.policySets[id];
  tenant.changed();
  return ok({});
});
const listPolicySets = adminHandler((req, _p, realm) => listAnswer(req, Object.values(realm.policySets).sort(byName), { regexEq: true }));

// ---- policies ----
function savePolicy(realm: RealmState, tenant: TenantContext, name: string, body: JsonObject): TenantResponse {
  const badName = forbiddenName('policy', name) ?? forbiddenName('policy', body.name);
  if (badName) return badName;
  const set = own(realm.policySets, String(body.applicationName));
  if (!set) return amError(400, `Application ${String(body.applicationName)} does not exist`);
  const type = own(realm.resourceTypes, String(body.resourceTypeUuid));
  if (!type) return amError(400, `Resource type ${String(body.resourceTypeUuid)} does not exist`);
  if (!(set.resourceTypeUuids as string[]).includes(String(body.resourceTypeUuid))) return amError(400, `Resource type ${String(body.resourceTypeUuid)} is not part of application ${String(body.applicationName)}`);
  const resources = body.resources;
  if (!Array.isArray(resources) || resources.length === 0) return amError(400, 'Policy resources are required');
  for (const resource of resources) {
    if (!(type.patterns as string[]).some((pattern) => matchResource(pattern, String(resource)))) return amError(400, `Resource ${String(resource)} does not match the resource type's patterns`);
  }
  for (const action of Object.keys((body.actionValues ?? {}) as JsonObject)) {
    if (!(action in (type.actions as JsonObject))) return amError(400, `Action ${action} is not defined by the resource type`);
  }
  const existing = own(realm.policies, name);
  // AM dates policies with ISO strings (resource types and policy sets with epoch numbers).
  const stamped = stamp(body, existing);
  const iso = (value: unknown) => (typeof value === 'number' ? new Date(value).toISOString() : value) as string;
  realm.policies[name] = { active: true, ...stamped, creationDate: iso(stamped.creationDate), lastModifiedDate: iso(stamped.lastModifiedDate), _id: name, name };
  realm.policies[name]._rev = String(Date.now());
  tenant.changed();
  return ok(realm.policies[name], existing ? 200 : 201);
}
const createPolicy = adminHandler((_req, _p, realm, tenant, body) => {
  if (typeof body.name !== 'string' || !body.name) return amError(400, 'Policy name is required');
  if (own(realm.policies, body.name)) return amError(409, `Policy ${body.name} already exists`);
  return savePolicy(realm, tenant, body.name, body);
});
/** PUT by name: an update, or — as recorded on AIC (policy.import-with-deps, PoliciesApi putPolicy "Create non-existing policy") — a create (201). */
const updatePolicy = adminHandler((_req, { id }, realm, tenant, body) => savePolicy(realm, tenant, id, body));
const getPolicy = adminHandler((_req, { id }, realm) => {
  const policy = own(realm.policies, id);
  return policy ? ok(policy) : amError(404, `Policy ${id} does not exist.`);
});
const deletePolicy = adminHandler((_req, { id }, realm, tenant) => {
  if (!own(realm.policies, id)) return amError(404, `Policy ${id} does not exist.`);
  delete realm.policies[id];
  tenant.changed();
  return ok({ _id: id });
});
const listPolicies = adminHandler((req, _p, realm) => listAnswer(req, Object.values(realm.policies).sort(byName)));

/** POST collection?_action=… : create (and, for policies, evaluate — routed to the runtime). */
function action(create: Handler, others: Record<string, Handler> = {}): Handler {
  return (req, params, tenant) => {
    const name = req.query._action;
    if (name === 'create') return create(req, params, tenant);
    const other = name ? others[name] : undefined;
    return other ? other(req, params, tenant) : amError(400, `Unknown action ${String(name)}`);
  };
}

export function policyActionRoute(evaluate: Handler): Route {
  return { method: 'POST', pattern: new RegExp(`${R}/policies$`), handle: action(createPolicy, { evaluate }) };
}

const re = (pattern: string) => new RegExp(`${pattern}$`);
export const policyAdminRoutes: Route[] = [
  { method: 'POST', pattern: re(`${R}/resourcetypes`), handle: action(createResourceType) },
  { method: 'GET', pattern: re(`${R}/resourcetypes`), handle: listResourceTypes },
  { method: 'GET', pattern: re(`${R}/resourcetypes/(?<id>[^/]+)`), handle: getResourceType },
  { method: 'PUT', pattern: re(`${R}/resourcetypes/(?<id>[^/]+)`), handle: updateResourceType },
  { method: 'DELETE', pattern: re(`${R}/resourcetypes/(?<id>[^/]+)`), handle: deleteResourceType },
  { method: 'POST', pattern: re(`${R}/applications/?`), handle: action(createPolicySet) },
  { method: 'GET', pattern: re(`${R}/applications`), handle: listPolicySets },
  { method: 'GET', pattern: re(`${R}/applications/(?<id>[^/]+)`), handle: getPolicySet },
  { method: 'PUT', pattern: re(`${R}/applications/(?<id>[^/]+)`), handle: updatePolicySet },
  { method: 'DELETE', pattern: re(`${R}/applications/(?<id>[^/]+)`), handle: deletePolicySet },
  { method: 'GET', pattern: re(`${R}/policies`), handle: listPolicies },
  { method: 'GET', pattern: re(`${R}/policies/(?<id>[^/]+)`), handle: getPolicy },
  { method: 'PUT', pattern: re(`${R}/policies/(?<id>[^/]+)`), handle: updatePolicy },
  { method: 'DELETE', pattern: re(`${R}/policies/(?<id>[^/]+)`), handle: deletePolicy },
];
