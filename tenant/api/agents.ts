/**
 * Realm agents: OAuth2 clients (wrapped config groups, whole-object PUT, attribute validation) and
 * Identity Gateway agents (wrapped single GET, flat list). Secrets (`userpassword`) are write-only:
 * stored in clear for the runtime, never returned, kept when a PUT leaves them out.
 */
import { randomBytes } from 'node:crypto';
import { adminHandler } from '../admin-handler.js';
import { amError, clone, ok, own, revision } from '../http-util.js';
import { listAnswer } from '../query.js';
import type { JsonObject, JsonValue, Route, TenantResponse } from '../types.js';

const R = '^/am/json/realms/root/realms/(?<realm>[^/]+)';
const META_KEYS = ['_id', '_rev', '_type'];

// ---- OAuth2 clients ----
/** The attributes AM's OAuth2Client schema accepts in each group (its `validAttributes`). */
const CLIENT_SCHEMA: Record<string, string[]> = {
  coreOAuth2ClientConfig: ['userpassword', 'status', 'clientName', 'clientType', 'loopbackInterfaceRedirection', 'defaultScopes', 'refreshTokenLifetime', 'scopes', 'accessTokenLifetime', 'redirectionUris', 'authorizationCodeLifetime', 'agentgroup'],
  advancedOAuth2ClientConfig: [
    'logoUri', 'subjectType', 'clientUri', 'tokenExchangeAuthLevel', 'responseTypes', 'mixUpMitigation', 'customProperties', 'javascriptOrigins', 'policyUri', 'softwareVersion', 'tosURI',
    'sectorIdentifierUri', 'tokenEndpointAuthMethod', 'refreshTokenGracePeriod', 'isConsentImplied', 'softwareIdentity', 'grantTypes', 'require_pushed_authorization_requests', 'descriptions',
    'requestUris', 'name', 'contacts', 'updateAccessToken',
  ],
  signEncOAuth2ClientConfig: [
    'tokenEndpointAuthSigningAlgorithm', 'idTokenEncryptionEnabled', 'tokenIntrospectionEncryptedResponseEncryptionAlgorithm', 'requestParameterSignedAlg', 'authorizationResponseSigningAlgorithm',
    'clientJwtPublicKey', 'idTokenPublicEncryptionKey', 'mTLSSubjectDN', 'jwkStoreCacheMissCacheTime', 'jwkSet', 'idTokenEncryptionMethod', 'jwksUri', 'tokenIntrospectionEncryptedResponseAlg',
    'authorizationResponseEncryptionMethod', 'userinfoResponseFormat', 'mTLSCertificateBoundAccessTokens', 'publicKeyLocation', 'tokenIntrospectionResponseFormat',
    'requestParameterEncryptedEncryptionAlgorithm', 'userinfoSignedResponseAlg', 'idTokenEncryptionAlgorithm', 'requestParameterEncryptedAlg', 'authorizationResponseEncryptionAlgorithm',
    'mTLSTrustedCert', 'jwksCacheTimeout', 'userinfoEncryptedResponseAlg', 'idTokenSignedResponseAlg', 'tokenIntrospectionSignedResponseAlg', 'userinfoEncryptedResponseEncryptionAlgorithm',
  ],
  coreOpenIDClientConfig: ['claims', 'backchannel_logout_uri', 'defaultAcrValues', 'jwtTokenLifetime', 'defaultMaxAgeEnabled', 'clientSessionUri', 'defaultMaxAge', 'postLogoutRedirectUri', 'backchannel_logout_session_required'],
  coreUmaClientConfig: ['claimsRedirectionUris'],
  overrideOAuth2ClientConfig: [
    'providerOverridesEnabled', 'accessTokenModificationPluginType', 'accessTokenModificationScript', 'accessTokenModificationClass', 'validateScopePluginType', 'validateScopeScript', 'validateScopeClass',
    'usePolicyEngineForScope', 'scopesPolicySet', 'issueRefreshToken', 'issueRefreshTokenOnRefreshedToken', 'statelessTokensEnabled', 'tokenEncryptionEnabled', 'clientsCanSkipConsent',
    'enableRemoteConsent', 'remoteConsentServiceId', 'oidcClaimsPluginType', 'oidcClaimsScript', 'oidcClaimsClass', 'evaluateScopePluginType', 'evaluateScopeScript', 'evaluateScopeClass',
    'authorizeEndpointDataProviderPluginType', 'authorizeEndpointDataProviderScript', 'authorizeEndpointDataProviderClass', 'accessTokenMayActScript', 'oidcMayActScript', 'overrideableOIDCClaims', 'useForceAuthnForMaxAge',
  ],
};
const CLIENT_GROUPS = Object.keys(CLIENT_SCHEMA);
const PLUGIN_TYPES = new Set(['PROVIDER', 'SCRIPTED', 'JAVA']);
const CLIENT_TYPE: JsonObject = { _id: 'OAuth2Client', name: 'OAuth2 Clients', collection: true };

const invalidAttribute = (validAttributes: string[]): TenantResponse => amError(400, 'Invalid attribute specified.', { validAttributes });

function unwrap(value: JsonValue | undefined): JsonValue | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) && 'inherited' in value ? (value as JsonObject).value : value;
}

/** A fresh opaque stand-in for AM's encrypted copy of the secret (never the secret itself). */
const encryptedPlaceholder = () => 'AAAAA0FFUwIQ' + randomBytes(24).toString('base64');

/** What a GET shows: the secret is write-only. */
function clientView(client: JsonObject): JsonObject {
  const view = clone(client);
  view._rev = revision(client);
  const core = view.coreOAuth2ClientConfig as JsonObject | undefined;
  if (core && 'userpassword' in core) {
    const hasSecret = core.userpassword !== null;
    core.userpassword = null;
    if (hasSecret) core['userpassword-encrypted'] = encryptedPlaceholder();
  }
  return view;
}

function checkClientBody(body: JsonObject, scripts: Record<string, JsonObject>): TenantResponse | null {
  if (Object.keys(body).some((key) => !CLIENT_GROUPS.includes(key) && !META_KEYS.includes(key))) return invalidAttribute(CLIENT_GROUPS);
  for (const group of CLIENT_GROUPS) {
    const value = body[group];
    if (value === undefined) continue;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return amError(400, `${group} must be an object of attributes`);
    // `*-encrypted` is what a GET shows; clients that echo it back are tolerated (AM ignores it too).
    if (Object.keys(value).some((key) => !CLIENT_SCHEMA[group].includes(key) && !key.endsWith('-encrypted'))) return invalidAttribute(CLIENT_SCHEMA[group]);
  }
  const override = (body.overrideOAuth2ClientConfig ?? {}) as JsonObject;
  for (const key of ['accessTokenModificationPluginType', 'validateScopePluginType']) {
    if (key in override && !PLUGIN_TYPES.has(String(override[key]))) return amError(400, `Invalid value for ${key}: expected PROVIDER, SCRIPTED or JAVA`);
  }
  for (const key of ['accessTokenModificationScript', 'validateScopeScript']) {
    const scriptId = override[key];
    if (typeof scriptId === 'string' && scriptId !== '[Empty]' && !own(scripts, scriptId)) return amError(400, `Script ${scriptId} referenced by ${key} does not exist`);
  }
  return null;
}

const putClient = adminHandler((_req, { id }, realm, tenant, body) => {
  const invalid = checkClientBody(body, realm.scripts);
  if (invalid) return invalid;
  const existing = own(realm.oauth2Clients, id);
  const stored = clone(body) as JsonObject;
  delete stored._rev;
  stored._id = id;
  stored._type = CLIENT_TYPE;
  const core = (stored.coreOAuth2ClientConfig ?? {}) as JsonObject;
  stored.coreOAuth2ClientConfig = core;
  delete core['userpassword-encrypted'];
  const newSecret = unwrap(core.userpassword);
  // A PUT without a secret keeps the stored one (GET never returns it, so read-modify-write must work).
  core.userpassword = typeof newSecret === 'string' && newSecret ? newSecret : (((existing?.coreOAuth2ClientConfig as JsonObject | undefined)?.userpassword as JsonValue) ?? null);
  realm.oauth2Clients[id] = stored;
  tenant.changed();
  return ok(clientView(stored), existing ? 200 : 201);
});
const getClient = adminHandler((_req, { id }, realm) => {
  const client = own(realm.oauth2Clients, id);
  return client ? ok(clientView(client)) : amError(404, `OAuth2 client ${id} not found`);
});
const deleteClient = adminHandler((_req, { id }, realm, tenant) => {
  const client = own(realm.oauth2Clients, id);
  if (!client) return amError(404, `OAuth2 client ${id} not found`);
  delete realm.oauth2Clients[id];
  tenant.changed();
  return ok(clientView(client));
});
// Lists keep creation order (AM's order is unspecified; `_sortKeys` sorts).
const listClients = adminHandler((req, _params, realm) =>
  listAnswer(req, Object.values(realm.oauth2Clients).map(clientView)),
);

// ---- Identity Gateway agents ----
const AGENT_KEYS = ['status', 'igTokenIntrospection', 'igCdssoRedirectUrls', 'igCdssoLoginUrlTemplate', 'secretLabelIdentifier', 'agentgroup', 'userpassword'];
const AGENT_TYPE: JsonObject = { _id: 'IdentityGatewayAgent', name: 'Identity Gateway Agents', collection: true };

function agentWrapped(agent: JsonObject): JsonObject {
  const out: JsonObject = { _id: agent._id as string, _rev: revision(agent) };
  for (const key of AGENT_KEYS) if (key !== 'userpassword') out[key] = agent[key] === undefined || agent[key] === null ? { inherited: false } : { inherited: false, value: agent[key] as JsonValue };
  out._type = AGENT_TYPE;
  return out;
}

function agentFlat(agent: JsonObject): JsonObject {
  const out: JsonObject = { _id: agent._id as string, _rev: revision(agent) };
  for (const key of AGENT_KEYS) if (key !== 'userpassword') out[key] = (agent[key] as JsonValue) ?? null;
  out._type = AGENT_TYPE;
  return out;
}

/** AM's default for an agent setting a PUT leaves out: only the status has one (Active); the others are unset. */
const AGENT_DEFAULTS: JsonObject = { status: 'Active' };

/** `{inherited, value}` as AM's agent schema describes every setting but the password. */
const isWrapped = (value: JsonValue | undefined) => !!value && typeof value === 'object' && !Array.isArray(value) && typeof (value as JsonObject).inherited === 'boolean';

/**
 * PUT replaces the whole agent, as AM does (a PUT is not a merge): every setting the body leaves out
 * returns to its default — what someone set in the console is lost unless the client read the agent
 * and wrote it back whole. Settings must come wrapped `{inherited, value}` (AM's schema; what a
 * single GET shows): a flat value — the list's shape — is refused with 400 (AM's message for it is
 * not recorded; stricter than storing a value AM would not). The password is the exception: a plain
 * string, write-only, kept when the PUT has none (GET never shows it, so read-modify-write works).
 */
const putAgent = adminHandler((_req, { id }, realm, tenant, body) => {
  if (Object.keys(body).some((key) => !AGENT_KEYS.includes(key) && !META_KEYS.includes(key) && !key.endsWith('-encrypted'))) return invalidAttribute(AGENT_KEYS);
  const flat = AGENT_KEYS.find((key) => key !== 'userpassword' && key in body && !isWrapped(body[key]));
  if (flat) return amError(400, `Invalid value for attribute ${flat}: expected {"inherited": boolean, "value": ...}`);
  if (body.userpassword !== undefined && body.userpassword !== null && typeof body.userpassword !== 'string') return amError(400, 'Invalid value for attribute userpassword: expected a string');
  const existing = own(realm.igAgents, id);
  const stored: JsonObject = { _id: id };
  for (const key of AGENT_KEYS) stored[key] = (unwrap(body[key]) as JsonValue) ?? AGENT_DEFAULTS[key] ?? null;
  if (!stored.userpassword) stored.userpassword = (existing?.userpassword as JsonValue) ?? null;
  realm.igAgents[id] = stored;
  tenant.changed();
  return ok(agentWrapped(stored), existing ? 200 : 201);
});
const getAgent = adminHandler((_req, { id }, realm) => {
  const agent = own(realm.igAgents, id);
  return agent ? ok(agentWrapped(agent)) : amError(404, `Identity Gateway agent ${id} not found`);
});
const deleteAgent = adminHandler((_req, { id }, realm, tenant) => {
  const agent = own(realm.igAgents, id);
  if (!agent) return amError(404, `Identity Gateway agent ${id} not found`);
  delete realm.igAgents[id];
  tenant.changed();
  return ok(agentWrapped(agent));
});
const listAgents = adminHandler((req, _params, realm) =>
  listAnswer(req, Object.values(realm.igAgents).map(agentFlat)),
);

const re = (pattern: string) => new RegExp(`${pattern}$`);
const CLIENTS = `${R}/realm-config/agents/OAuth2Client`;
const AGENTS = `${R}/realm-config/agents/IdentityGatewayAgent`;
export const agentRoutes: Route[] = [
  { method: 'GET', pattern: re(CLIENTS), handle: listClients },
  { method: 'GET', pattern: re(`${CLIENTS}/(?<id>[^/]+)`), handle: getClient },
  { method: 'PUT', pattern: re(`${CLIENTS}/(?<id>[^/]+)`), handle: putClient },
  { method: 'DELETE', pattern: re(`${CLIENTS}/(?<id>[^/]+)`), handle: deleteClient },
  { method: 'GET', pattern: re(AGENTS), handle: listAgents },
  { method: 'GET', pattern: re(`${AGENTS}/(?<id>[^/]+)`), handle: getAgent },
  { method: 'PUT', pattern: re(`${AGENTS}/(?<id>[^/]+)`), handle: putAgent },
  { method: 'DELETE', pattern: re(`${AGENTS}/(?<id>[^/]+)`), handle: deleteAgent },
];
