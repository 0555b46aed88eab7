/**
 * Journeys, executed from the stored tree and nodes of the realm: Page Node, Platform Username and
 * Password (from X-OpenAM-Username / X-OpenAM-Password), Data Store Decision (users) and Agent Data
 * Store Decision (agents); and the root realm's administrator login (no journey named: the
 * X-OpenAM-Username / X-OpenAM-Password headers against the root realm's users, as AM's default
 * chain for amadmin). Callback-driven (interactive) login is out of scope: no headers, no login.
 * Creates sessions on success; changes nothing else.
 */
import { amError, ok, own, realmOf } from '../http-util.js';
import { ROOT_REALM } from '../root-realm.js';
import type { Handler, JsonObject, RealmState, TenantContext, TenantRequest, TenantResponse } from '../types.js';
import { createSession } from './sessions.js';

const SUCCESS = '70e691a5-1e33-4ac3-a356-e7b6d60d92e0';
const FAILURE = 'e301438c-0bd0-429c-ab0c-66126501069a';
const MAX_STEPS = 100;
const loginFailure = () => amError(401, 'Login failure');

interface JourneyState {
  username?: string;
  password?: string;
  principal?: { kind: 'user' | 'agent'; id: string };
}

function runNode(type: string, config: JsonObject, realm: RealmState, req: TenantRequest, state: JourneyState): string | TenantResponse {
  switch (type) {
    case 'PageNode': {
      for (const child of (config.nodes ?? []) as JsonObject[]) {
        const node = own(realm.nodes, String(child._id));
        if (!node) return amError(500, `Page node child ${String(child._id)} is missing`);
        const outcome = runNode(node.type, node.body, realm, req, state);
        if (typeof outcome !== 'string') return outcome;
      }
      return 'outcome';
    }
    case 'ValidatedUsernameNode':
      state.username = req.headers['x-openam-username'];
      return state.username ? 'outcome' : loginFailure();
    case 'ValidatedPasswordNode':
      state.password = req.headers['x-openam-password'];
      return state.password ? 'outcome' : loginFailure();
    case 'DataStoreDecisionNode': {
      const user = Object.values(realm.users).find((u) => u.username === state.username);
      if (user && user.password === state.password) {
        state.principal = { kind: 'user', id: user._id };
        return 'true';
      }
      return 'false';
    }
    case 'AgentDataStoreDecisionNode': {
      const agent = state.username ? own(realm.igAgents, state.username) : undefined;
      if (agent && agent.status === 'Active' && typeof agent.userpassword === 'string' && agent.userpassword === state.password) {
        state.principal = { kind: 'agent', id: state.username! };
        return 'true';
      }
      return 'false';
    }
    default:
      return amError(500, `Node type ${type} is not supported by the local tenant`);
  }
}

export const authenticate: Handler = (req, params, tenant) => {
  const realm = realmOf(tenant, params.realm);
  if (!realm) return amError(404, `Realm '${params.realm}' not found`);
  const treeName = req.query.authIndexValue;
  if (req.query.authIndexType !== 'service' || !treeName) return amError(400, 'authIndexType=service and authIndexValue=<journey> are required');
  const tree = own(realm.trees, treeName);
  if (!tree) return amError(400, `No configuration found or invalid realm/authentication index: journey ${treeName} does not exist in realm /${params.realm}`);
  if (tree.enabled === false) return amError(400, `Journey ${treeName} is disabled`);
  const state: JourneyState = {};
  let current = String(tree.entryNodeId);
  for (let step = 0; step < MAX_STEPS; step++) {
    if (current === SUCCESS) {
      if (!state.principal) return loginFailure();
      const session = createSession(tenant, `/${params.realm}`, state.principal.kind, state.principal.id);
      return ok({ tokenId: session.tokenId, successUrl: '/am/console', realm: `/${params.realm}` });
    }
    if (current === FAILURE) return loginFailure();
    const placement = own((tree.nodes ?? {}) as Record<string, JsonObject>, current);
    const node = own(realm.nodes, current);
    if (!placement || !node) return amError(500, `Journey ${treeName} refers to node ${current}, which does not exist`);
    const outcome = runNode(node.type, node.body, realm, req, state);
    if (typeof outcome !== 'string') return outcome;
    const next = ((placement.connections ?? {}) as Record<string, string>)[outcome];
    if (!next) return amError(500, `Journey ${treeName}: node ${current} has no connection for outcome ${outcome}`);
    current = next;
  }
  return amError(500, `Journey ${treeName} did not finish`);
};

/** The session cookie AM sets on a successful login (recorded: `Set-Cookie: iPlanetDirectoryPro=…; Path=/; HttpOnly`). */
const sessionCookie = (tenant: TenantContext, tokenId: string) => `${tenant.state.cookieName}=${tokenId}; Path=/; HttpOnly`;

/**
 * POST /am/json/realms/root/authenticate. With authIndexType=service the root realm's journey runs
 * (the seed has none: `400 "No Configuration found"`, recorded on AIC for a journey the root realm
 * lacks). Without it, an administrator login: X-OpenAM-Username / X-OpenAM-Password against the
 * root realm's users → `{tokenId, successUrl: "/am/console", realm: "/"}` (recorded, frodo-lib
 * AuthenticateOps getTokens) and the session cookie; anything else `401 Login failure`.
 */
export const rootAuthenticate: Handler = (req, _params, tenant) => {
  const root = realmOf(tenant, ROOT_REALM);
  if (!root) return amError(404, "Realm '/' not found");
  if (req.query.authIndexType !== undefined || req.query.authIndexValue !== undefined) {
    if (req.query.authIndexType !== 'service' || !req.query.authIndexValue || !own(root.trees, req.query.authIndexValue)) return amError(400, 'No Configuration found');
    return authenticate(req, { realm: ROOT_REALM }, tenant);
  }
  const username = req.headers['x-openam-username'];
  const password = req.headers['x-openam-password'];
  const admin = username ? Object.values(root.users).find((user) => user.username === username) : undefined;
  if (!admin || !password || admin.password !== password) return loginFailure();
  const session = createSession(tenant, '/', 'user', admin._id);
  return { status: 200, headers: { 'set-cookie': sessionCookie(tenant, session.tokenId) }, body: { tokenId: session.tokenId, successUrl: '/am/console', realm: '/' } };
};
