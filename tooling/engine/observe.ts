/**
 * Reads the part of a tenant the tool manages into plain data (ObservedState).
 * Owns: which REST reads are made and how their answers are normalised for the planner.
 * Reads with list queries where the API allows, so a no-op run costs a number of requests that
 * grows with REST families and pages, not with the number of objects.
 */
import type { AmHttp } from '../rest/http.js';
import { getServerInfo, getServerVersion } from '../rest/server-info.js';
import { listVariables, listSecrets } from '../rest/esv.js';
import { queryScriptsByName } from '../rest/scripts.js';
import { getAgent, unwrapAgent } from '../rest/ig-agents.js';
import { getNode, getTree } from '../rest/journeys.js';
import { listResourceTypes } from '../rest/resource-types.js';
import { listPolicySets } from '../rest/policy-sets.js';
import { listPolicies } from '../rest/policies.js';
import { listClients } from '../rest/oauth2-clients.js';
import type { DesiredState, JsonObject, ObservedObject, ObservedState } from './model.js';

function decodeBase64(value: unknown): string {
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : '';
}

/** Server facts needed before the desired state can be computed (the cookie name is an ESV value). */
export async function observeServer(http: AmHttp): Promise<{ amVersion: string; cookieName: string }> {
  const [version, info] = await Promise.all([getServerVersion(http), getServerInfo(http)]);
  return { amVersion: version.version, cookieName: info.cookieName };
}

export async function observeTenant(
  http: AmHttp,
  desired: DesiredState,
  server: { amVersion: string; cookieName: string },
): Promise<ObservedState> {
  const realm = desired.realm;
  const wanted = (kind: string) => desired.objects.filter((o) => o.kind === kind);
  const observed: ObservedObject[] = [];

  const esvIds = new Set(wanted('esv').map((o) => o.id));
  const scriptNames = wanted('script').map((o) => o.id);
  const agents = wanted('ig-agent');
  const nodes = wanted('journey-node');
  const trees = wanted('journey');
  const consumerIds = new Set(wanted('oauth2-client').map((o) => o.id));

  const [variables, secrets, scripts, agentBodies, nodeBodies, treeBodies, resourceTypes, policySets, policies, clients] = await Promise.all([
    esvIds.size ? listVariables(http) : Promise.resolve([]),
    esvIds.size ? listSecrets(http) : Promise.resolve([]),
    scriptNames.length ? queryScriptsByName(http, realm, scriptNames) : Promise.resolve([]),
    Promise.all(agents.map((a) => getAgent(http, realm, a.id))),
    Promise.all(nodes.map((n) => getNode(http, realm, String(n.meta?.nodeType), n.id, versionFor(n.meta?.version, server.amVersion)))),
    Promise.all(trees.map((t) => getTree(http, realm, t.id))),
    listResourceTypes(http, realm),
    listPolicySets(http, realm),
    listPolicies(http, realm),
    // Always read: a client may use a scopes policy set the plan deletes (see plan.ts).
    listClients(http, realm),
  ]);

  for (const variable of variables as JsonObject[]) {
    const id = String(variable._id);
    if (!esvIds.has(id)) continue;
    observed.push({
      kind: 'esv',
      id,
      body: { value: decodeBase64(variable.valueBase64), description: variable.description ?? '', expressionType: variable.expressionType ?? 'string' },
      meta: { esvType: 'variable', loaded: String(variable.loaded !== false) },
    });
  }
  for (const secret of secrets as JsonObject[]) {
    const id = String(secret._id);
    if (!esvIds.has(id)) continue;
    observed.push({
      kind: 'esv',
      id,
      body: { description: secret.description ?? '', encoding: secret.encoding ?? 'generic', useInPlaceholders: secret.useInPlaceholders ?? false },
      meta: { esvType: 'secret', loaded: String(secret.loaded !== false) },
    });
  }
  for (const script of scripts as JsonObject[]) observed.push({ kind: 'script', id: String(script.name), body: script });
  agents.forEach((agent, index) => {
    const body = agentBodies[index];
    if (body) observed.push({ kind: 'ig-agent', id: agent.id, body: unwrapAgent(body) as JsonObject });
  });
  nodes.forEach((node, index) => {
    const body = nodeBodies[index];
    if (body) observed.push({ kind: 'journey-node', id: node.id, body: body as JsonObject, meta: node.meta });
  });
  trees.forEach((tree, index) => {
    const body = treeBodies[index];
    if (body) observed.push({ kind: 'journey', id: tree.id, body: body as JsonObject });
  });
  for (const type of resourceTypes as JsonObject[]) observed.push({ kind: 'resource-type', id: String(type.name), body: type });
  for (const set of policySets as JsonObject[]) observed.push({ kind: 'policy-set', id: String(set.name), body: set });
  for (const policy of policies as JsonObject[]) observed.push({ kind: 'policy', id: String(policy.name ?? policy._id), body: policy });
  for (const client of clients as JsonObject[]) {
    const id = String(client._id);
    if (consumerIds.has(id) || usesScopesPolicySet(client)) observed.push({ kind: 'oauth2-client', id, body: client });
  }
  return { realm, objects: observed, amVersion: server.amVersion, cookieName: server.cookieName };
}

/** A client whose scope decisions go to a policy set: the planner must not delete that set under it. */
function usesScopesPolicySet(client: JsonObject): boolean {
  const overrides = client.overrideOAuth2ClientConfig;
  return !!overrides && typeof overrides === 'object' && !Array.isArray(overrides) && overrides.providerOverridesEnabled === true && overrides.usePolicyEngineForScope === true;
}

/** The versioned node API (AM >= 8.1) addresses nodes by type version; older AM has one form. */
export function versionFor(nodeVersion: string | undefined, amVersion: string): string | undefined {
  const [major, minor] = amVersion.split(/[.-]/).map((part) => Number.parseInt(part, 10));
  const versioned = major > 8 || (major === 8 && (minor ?? 0) >= 1);
  return versioned ? nodeVersion ?? '1.0' : undefined;
}
