/**
 * AM configuration APIs: scripts and journeys (trees and nodes in both node-API forms), with AM's
 * status codes and error bodies, and the server-side defaults AM ≥ 8.1 adds to stored nodes
 * (`_type.version` on every node read, `nodeVersion` on page-node children, computed `_outcomes`).
 * Agents (OAuth2 clients, IG agents) live in agents.ts.
 */
import { adminHandler } from '../admin-handler.js';
import { amError, clone, ok, own, revision, versionAtLeast } from '../http-util.js';
import { listAnswer } from '../query.js';
import type { Handler, JsonObject, JsonValue, Route, TenantRequest, TenantResponse } from '../types.js';

const R = '^/am/json/realms/root/realms/(?<realm>[^/]+)';
const TREES = `${R}/realm-config/authentication/authenticationtrees`;
const STATIC_NODES = new Set(['70e691a5-1e33-4ac3-a356-e7b6d60d92e0', 'e301438c-0bd0-429c-ab0c-66126501069a', 'startNode']);


// ---- scripts ----
const SCRIPT_LANGUAGES = new Set(['JAVASCRIPT', 'GROOVY']);

const putScript = adminHandler((_req, { id }, realm, tenant, body) => {
  if (typeof body.name !== 'string' || !body.name) return amError(400, 'Script name is required');
  if (typeof body.language !== 'string' || !SCRIPT_LANGUAGES.has(body.language)) return amError(400, 'Script language must be JAVASCRIPT or GROOVY');
  if (typeof body.context !== 'string' || !body.context) return amError(400, 'Script context is required');
  if (typeof body.script !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(body.script)) return amError(400, `Script ${id}: script must be the base64 of the source`);
  const clash = Object.values(realm.scripts).find((s) => s.name === body.name && s._id !== id);
  if (clash) return amError(409, `Script with name ${body.name} already exists`);
  const existing = own(realm.scripts, id);
  const now = Date.now();
  const stored: JsonObject = {
    ...(clone(body) as JsonObject),
    _id: id,
    evaluatorVersion: (body.evaluatorVersion as JsonValue) ?? '1.0',
    default: body.default === true,
    createdBy: (existing?.createdBy as JsonValue) ?? 'id=local-deployer,ou=user,ou=am-config',
    creationDate: (existing?.creationDate as JsonValue) ?? now,
    lastModifiedBy: 'id=local-deployer,ou=user,ou=am-config',
    lastModifiedDate: now,
  };
  delete stored._rev;
  stored._rev = revision({ ...stored, lastModifiedDate: 0, creationDate: 0 });
  realm.scripts[id] = stored;
  tenant.changed();
  return ok(stored, existing ? 200 : 201);
});

const getScript = adminHandler((_req, { id }, realm) => {
  const script = own(realm.scripts, id);
  return script ? ok(script) : amError(404, `Script ${id} not found`);
});
const deleteScript = adminHandler((_req, { id }, realm, tenant) => {
  const script = own(realm.scripts, id);
  if (!script) return amError(404, `Script ${id} not found`);
  delete realm.scripts[id];
  tenant.changed();
  return ok(script);
});
const queryScripts = adminHandler((req, _params, realm) => listAnswer(req, Object.values(realm.scripts).sort((a, b) => String(a.name).localeCompare(String(b.name)))));

// ---- journeys ----
const putTree = adminHandler((_req, { name }, realm, tenant, body) => {
  if (typeof body.entryNodeId !== 'string') return amError(400, 'entryNodeId is required');
  const nodes = (body.nodes ?? {}) as Record<string, JsonObject>;
  for (const [id, node] of Object.entries(nodes)) {
    // Recorded (frodo-lib JourneyOps, a tree whose node entry is not an object): AIC's text.
    if (!node || typeof node !== 'object' || Array.isArray(node)) return amError(400, 'Data validation failed for the attribute, Nodes');
    if (!own(realm.nodes, id)) return amError(400, `Node ${id} does not exist: create nodes before the tree`);
    for (const target of Object.values((node.connections ?? {}) as Record<string, string>)) {
      if (!nodes[target] && !STATIC_NODES.has(target)) return amError(400, `Node ${id} connects to ${target}, which is not in the tree`);
    }
  }
  const existing = own(realm.trees, name);
  const stored: JsonObject = { innerTreeOnly: false, noSession: false, mustRun: false, enabled: true, ...(clone(body) as JsonObject), _id: name };
  delete stored._rev;
  stored._rev = revision(stored);
  realm.trees[name] = stored;
  tenant.changed();
  return ok(stored, existing ? 200 : 201);
});
const listTrees = adminHandler((req, _params, realm) => listAnswer(req, Object.values(realm.trees).sort((a, b) => String(a._id).localeCompare(String(b._id)))));
const getTree = adminHandler((_req, { name }, realm) => {
  const tree = own(realm.trees, name);
  // Recorded for a missing journey (frodo-lib JourneyOps): the bare "Not Found".
  return tree ? ok(tree) : amError(404, 'Not Found');
});
const deleteTree = adminHandler((_req, { name }, realm, tenant) => {
  const tree = own(realm.trees, name);
  if (!tree) return amError(404, 'Not Found');
  delete realm.trees[name];
  tenant.changed();
  return ok(tree);
});

const NODE_NAMES: Record<string, string> = {
  PageNode: 'Page Node',
  ValidatedUsernameNode: 'Platform Username',
  ValidatedPasswordNode: 'Platform Password',
  DataStoreDecisionNode: 'Data Store Decision',
  AgentDataStoreDecisionNode: 'Agent Data Store Decision',
};

/** Defaults AM fills in for some node types when a PUT leaves them out. */
const NODE_DEFAULTS: Record<string, JsonObject> = {
  InnerTreeEvaluatorNode: { displayErrorOutcome: false },
  SocialProviderHandlerNode: { storeTokens: false },
  IdentityStoreDecisionNode: { mixedCaseForPasswordChangeMessages: false },
};

/**
 * Outcomes AM computes for the node types this project uses (frodo-lib NodeApi recordings: a PUT's
 * `_outcomes` is replaced by the server's). Other types keep what the PUT sent.
 */
const NODE_OUTCOMES: Record<string, JsonObject[]> = {
  ValidatedUsernameNode: [{ id: 'outcome', displayName: 'Outcome' }],
  ValidatedPasswordNode: [{ id: 'outcome', displayName: 'Outcome' }],
  DataStoreDecisionNode: [{ id: 'true', displayName: 'True' }, { id: 'false', displayName: 'False' }],
  AgentDataStoreDecisionNode: [{ id: 'true', displayName: 'True' }, { id: 'false', displayName: 'False' }],
};

/** AM ≥ 8.1 (AIC today) versions nodes: reads carry `_type.version` whatever API form was used. */
const versionedServer = (amVersion: string) => versionAtLeast(amVersion, 8, 1);

/**
 * A node as AM answers it. On AM ≥ 8.1 every read carries `_type.version` (the legacy form's too:
 * recorded `"version":"1.0"` on resource=1.0 GETs and PUTs) and every page-node child a
 * `nodeVersion` ("1.0" unless the PUT said otherwise; recorded NodeApi getNodesByType
 * "Get-all-page-nodes"). Older AM (recorded journey.import-legacy-nodes) adds neither.
 */
function nodeView(type: string, id: string, body: JsonObject, version: string | undefined, amVersion: string): JsonObject {
  const typeInfo: JsonObject = { _id: type, name: NODE_NAMES[type] ?? type, collection: true };
  const view: JsonObject = { ...body, _id: id };
  if (versionedServer(amVersion)) {
    typeInfo.version = version ?? '1.0';
    if (Array.isArray(view.nodes)) view.nodes = (view.nodes as JsonObject[]).map((child) => ({ _id: child._id, nodeType: child.nodeType, nodeVersion: (child.nodeVersion as string | undefined) ?? '1.0', ...child }));
  } else if (version) typeInfo.version = version;
  view._type = typeInfo;
  const outcomes = NODE_OUTCOMES[type];
  if (outcomes) view._outcomes = clone(outcomes);
  return view;
}

// Recorded for a missing node in both API forms (frodo-lib NodeApi getNode/deleteNode).
const missingNode = () => amError(404, 'Not Found');

/** The versioned form exists from AM 8.1 on (older AM: no such resource) and needs resource=3.0. */
function versionedApi(req: TenantRequest, wantsVersioned: boolean, amVersion: string): TenantResponse | null {
  if (!wantsVersioned) return null;
  if (!versionedServer(amVersion)) return amError(404, `Resource '${req.path}' not found`);
  const api = req.headers['accept-api-version'] ?? '';
  if (!/resource=3\.0/.test(api)) return amError(400, 'The versioned node API needs Accept-API-Version resource=3.0');
  return null;
}

function putNode(versioned: boolean): Handler {
  return adminHandler((req, { type, version, id }, realm, tenant, body) => {
    const wrongApi = versionedApi(req, versioned, tenant.state.amVersion);
    if (wrongApi) return wrongApi;
    if (type === 'PageNode') {
      for (const child of (body.nodes ?? []) as JsonObject[]) {
        if (!own(realm.nodes, String(child._id))) return amError(400, `Page node child ${String(child._id)} does not exist: create inner nodes before their page node`);
      }
    }
    const { _rev, _type, ...config } = clone(body) as JsonObject;
    void _rev;
    void _type;
    const existing = own(realm.nodes, id);
    if (existing && existing.type !== type) return amError(400, `Node ${id} exists with type ${existing.type}`);
    // The legacy form addresses a node's version 1.0 on AM ≥ 8.1; before 8.1 nodes had no version.
    const nodeVersion = versioned ? version : versionedServer(tenant.state.amVersion) ? '1.0' : existing?.version;
    realm.nodes[id] = { type, version: nodeVersion, body: { ...(NODE_DEFAULTS[type] ?? {}), ...config, _id: id } };
    tenant.changed();
    return ok({ ...nodeView(type, id, realm.nodes[id].body, nodeVersion, tenant.state.amVersion), _rev: revision(realm.nodes[id].body) }, existing ? 200 : 201);
  });
}

/**
 * The stored node a path names: same type, and through the versioned form the same version (a node
 * belongs to one version of its type; reading it as another is not found — AM's answer to that is
 * not recorded, so the stricter one).
 */
function nodeAt(realm: { nodes: Record<string, { type: string; version?: string; body: JsonObject }> }, type: string, id: string, version: string | undefined) {
  const node = own(realm.nodes, id);
  if (!node || node.type !== type) return undefined;
  if (version !== undefined && (node.version ?? '1.0') !== version) return undefined;
  return node;
}

function getNode(): Handler {
  return adminHandler((req, { type, version, id }, realm, tenant) => {
    if (version !== undefined && !versionedServer(tenant.state.amVersion)) return amError(404, `Resource '${req.path}' not found`);
    const node = nodeAt(realm, type, id, version);
    if (!node) return missingNode();
    return ok({ ...nodeView(type, id, node.body, node.version, tenant.state.amVersion), _rev: revision(node.body) });
  });
}

/** GET …/nodes/{type}[/{version}]?_queryFilter=…: the realm's nodes of one type (and version), as reads show them. */
function listNodes(): Handler {
  return adminHandler((req, { type, version }, realm, tenant) => {
    if (version !== undefined && !versionedServer(tenant.state.amVersion)) return amError(404, `Resource '${req.path}' not found`);
    const rows = Object.entries(realm.nodes)
      .filter(([, node]) => node.type === type && (version === undefined || (node.version ?? '1.0') === version))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, node]) => ({ ...nodeView(type, id, node.body, node.version, tenant.state.amVersion), _rev: revision(node.body) }));
    return listAnswer(req, rows);
  });
}

function deleteNode(): Handler {
  return adminHandler((req, { type, version, id }, realm, tenant) => {
    if (version !== undefined && !versionedServer(tenant.state.amVersion)) return amError(404, `Resource '${req.path}' not found`);
    const node = nodeAt(realm, type, id, version);
    if (!node) return missingNode();
    delete realm.nodes[id];
    tenant.changed();
    return ok({ _id: id });
  });
}

const re = (pattern: string) => new RegExp(`${pattern}$`);
export const configRoutes: Route[] = [
  { method: 'GET', pattern: re(`${R}/scripts`), handle: queryScripts },
  { method: 'GET', pattern: re(`${R}/scripts/(?<id>[^/]+)`), handle: getScript },
  { method: 'PUT', pattern: re(`${R}/scripts/(?<id>[^/]+)`), handle: putScript },
  { method: 'DELETE', pattern: re(`${R}/scripts/(?<id>[^/]+)`), handle: deleteScript },
  { method: 'GET', pattern: re(`${TREES}/trees`), handle: listTrees },
  { method: 'GET', pattern: re(`${TREES}/trees/(?<name>[^/]+)`), handle: getTree },
  { method: 'PUT', pattern: re(`${TREES}/trees/(?<name>[^/]+)`), handle: putTree },
  { method: 'DELETE', pattern: re(`${TREES}/trees/(?<name>[^/]+)`), handle: deleteTree },
  { method: 'GET', pattern: re(`${TREES}/nodes/(?<type>[^/]+)/(?<version>\\d+\\.\\d+)`), handle: listNodes() },
  { method: 'GET', pattern: re(`${TREES}/nodes/(?<type>[^/]+)`), handle: listNodes() },
  { method: 'GET', pattern: re(`${TREES}/nodes/(?<type>[^/]+)/(?<version>\\d+\\.\\d+)/(?<id>[^/]+)`), handle: getNode() },
  { method: 'PUT', pattern: re(`${TREES}/nodes/(?<type>[^/]+)/(?<version>\\d+\\.\\d+)/(?<id>[^/]+)`), handle: putNode(true) },
  { method: 'DELETE', pattern: re(`${TREES}/nodes/(?<type>[^/]+)/(?<version>\\d+\\.\\d+)/(?<id>[^/]+)`), handle: deleteNode() },
  { method: 'GET', pattern: re(`${TREES}/nodes/(?<type>[^/]+)/(?<id>[^/]+)`), handle: getNode() },
  { method: 'PUT', pattern: re(`${TREES}/nodes/(?<type>[^/]+)/(?<id>[^/]+)`), handle: putNode(false) },
  { method: 'DELETE', pattern: re(`${TREES}/nodes/(?<type>[^/]+)/(?<id>[^/]+)`), handle: deleteNode() },
];

