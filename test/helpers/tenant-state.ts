/**
 * Helpers for tests and the benchmark that set up a local tenant directly (no REST): consumer
 * clients cloned from a seeded one, and an invariant check of what clients point at.
 */
import type { JsonObject, TenantContext } from '../../tenant/types.js';

/** Adds OAuth2 clients cloned from an existing one (its secret included), as an admin would create them. */
export function addClients(context: TenantContext, realm: string, ids: string[], templateId = 'scopeDrivenAPI1Client'): void {
  const clients = context.state.realms[realm].oauth2Clients;
  const template = clients[templateId];
  if (!template) throw new Error(`no client ${templateId} to copy`);
  for (const id of ids) clients[id] = { ...(JSON.parse(JSON.stringify(template)) as JsonObject), _id: id };
  context.changed();
}

/** Clients that point at a script that does not exist: must never happen, even mid-deploy. */
export function danglingClientReferences(context: TenantContext, realm: string): string[] {
  const state = context.state.realms[realm];
  const problems: string[] = [];
  for (const [id, client] of Object.entries(state.oauth2Clients)) {
    const overrides = (client.overrideOAuth2ClientConfig ?? {}) as JsonObject;
    for (const key of ['accessTokenModificationScript', 'validateScopeScript']) {
      const scriptId = overrides[key];
      if (typeof scriptId === 'string' && scriptId !== '[Empty]' && !state.scripts[scriptId]) problems.push(`${id}.${key} -> missing script ${scriptId}`);
    }
    const policySet = overrides.scopesPolicySet;
    if (overrides.usePolicyEngineForScope === true && typeof policySet === 'string' && !state.policySets[policySet]) problems.push(`${id}.scopesPolicySet -> missing policy set ${policySet}`);
  }
  return problems;
}

/** The configuration objects of a realm, without volatile fields: for comparing two tenants' states. */
export function comparableRealm(context: TenantContext, realm: string): unknown {
  const state = context.state.realms[realm];
  const strip = (object: JsonObject) => {
    const { _rev, creationDate, lastModifiedDate, createdBy, lastModifiedBy, ...rest } = object;
    void _rev, creationDate, lastModifiedDate, createdBy, lastModifiedBy;
    return rest;
  };
  const byKey = (record: Record<string, JsonObject>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, strip(v)]));
  const esv = context.state.esv;
  return {
    scripts: byKey(state.scripts),
    trees: byKey(state.trees),
    nodes: Object.fromEntries(Object.entries(state.nodes).sort(([a], [b]) => a.localeCompare(b))),
    clients: Object.fromEntries(Object.entries(state.oauth2Clients).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.overrideOAuth2ClientConfig])),
    agents: byKey(state.igAgents),
    resourceTypes: byKey(state.resourceTypes),
    policySets: byKey(state.policySets),
    policies: byKey(state.policies),
    variables: Object.fromEntries(Object.entries(esv.variables).map(([k, v]) => [k, v.valueBase64])),
    secrets: Object.fromEntries(Object.entries(esv.secrets).map(([k, v]) => [k, v.versions.find((x) => x.version === v.activeVersion)?.valueBase64])),
  };
}
