/**
 * Prepares a fresh in-memory local tenant for the runtime tests, writing the state directly (no
 * deploy tool): the built bundles as scripts, the AgentLogin journey, the policy-evaluator agent,
 * the ESVs, one resource type, policy set and policy for scopeDrivenAPI2Client, and the consumer
 * client's scripted overrides. Also small HTTP helpers.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTenant, type LocalTenant } from '../../../tenant/server.js';
import type { JsonObject, TenantOptions } from '../../../tenant/types.js';
import { buildScripts } from '../../../tooling/build/build-scripts.js';

export const REALM = 'alpha';
export const CONSUMER = 'scopeDrivenAPI1Client';
export const PROVIDER = 'scopeDrivenAPI2Client';
export const AGENT_ID = 'policy-evaluator';
export const AGENT_SECRET = 'Agent-Secret-4242!';
export const SCOPE_SCRIPT_ID = '11111111-2222-4333-8444-555555555501';
export const MOD_SCRIPT_ID = '11111111-2222-4333-8444-555555555502';
export const REDIRECT_URI = 'http://localhost:3000/callback';

let bundles: Promise<Record<string, string>> | undefined;
/** Builds the bundles once per test file into a temp folder (dist/ belongs to the build). */
export function builtBundles(): Promise<Record<string, string>> {
  bundles ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runtime-bundles-'));
    try {
      return Object.fromEntries((await buildScripts(dir)).map((b) => [b.name, b.source]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return bundles;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export function putScript(tenant: LocalTenant, id: string, name: string, context: string, source: string): void {
  tenant.context.state.realms[REALM].scripts[id] = { _id: id, name, description: '', script: b64(source), language: 'JAVASCRIPT', context, evaluatorVersion: '1.0', default: false };
}

async function installAgentLogin(tenant: LocalTenant): Promise<void> {
  const realm = tenant.context.state.realms[REALM];
  const file = JSON.parse(await readFile(path.resolve('journeys/AgentLogin.json'), 'utf8')) as { trees: Record<string, { tree: JsonObject; nodes: Record<string, JsonObject>; innerNodes: Record<string, JsonObject> }> };
  const journey = file.trees.AgentLogin;
  for (const node of [...Object.values(journey.innerNodes), ...Object.values(journey.nodes)]) {
    const type = node._type as JsonObject;
    realm.nodes[String(node._id)] = { type: String(type._id), version: String(type.version ?? '1.0'), body: node };
  }
  realm.trees.AgentLogin = journey.tree;
}

export interface Started {
  tenant: LocalTenant;
  userId: string;
  username: string;
  userPassword: string;
  consumerSecret: string;
  providerSecret: string;
  close(): Promise<void>;
}

export async function startPreparedTenant(options: TenantOptions = {}): Promise<Started> {
  const sources = await builtBundles();
  const tenant = await startTenant({ port: 0, ...options });
  const state = tenant.context.state;
  const realm = state.realms[REALM];
  putScript(tenant, SCOPE_SCRIPT_ID, 'scopeDrivenConsumerClient Scope Validation', 'OAUTH2_VALIDATE_SCOPE', sources['scope-validation']);
  putScript(tenant, MOD_SCRIPT_ID, 'PolicyEvalMod', 'OAUTH2_ACCESS_TOKEN_MODIFICATION', sources['policy-eval-mod']);
  await installAgentLogin(tenant);
  realm.igAgents[AGENT_ID] = { _id: AGENT_ID, status: 'Active', userpassword: AGENT_SECRET, igTokenIntrospection: 'None', agentgroup: null };

  const now = new Date().toISOString();
  const variable = (id: string, value: string) => (state.esv.variables[id] = { _id: id, valueBase64: b64(value), description: '', expressionType: 'string', lastChangeDate: now, loaded: true });
  variable('esv-tenant-env-fqdn', tenant.url);
  variable('esv-cookie', state.cookieName);
  variable('esv-policy-gateway-id', AGENT_ID);
  state.esv.secrets['esv-policy-gateway-secret'] = {
    _id: 'esv-policy-gateway-secret', description: '', encoding: 'generic', useInPlaceholders: true, lastChangeDate: now, loaded: true, activeVersion: '1', loadedVersion: '1',
    versions: [{ version: '1', valueBase64: b64(AGENT_SECRET), createDate: now, status: 'ENABLED', loaded: true }],
  };

  const user = Object.values(realm.users)[0];
  realm.resourceTypes['rt-api2'] = { uuid: 'rt-api2', name: PROVIDER, patterns: [`api://${PROVIDER}/*`], actions: { GRANT: true } };
  realm.policySets[PROVIDER] = { name: PROVIDER, displayName: `${PROVIDER} Policies`, resourceTypeUuids: ['rt-api2'], applicationType: 'iPlanetAMWebAgentService', entitlementCombiner: 'DenyOverride', subjects: [], conditions: [] };
  realm.policies.read = {
    name: 'read', active: true, applicationName: PROVIDER, resourceTypeUuid: 'rt-api2', resources: [`api://${PROVIDER}/read`], actionValues: { GRANT: true },
    resourceAttributes: [{ type: 'Static', propertyName: 'aicApiToApiScope', propertyValues: [`api://${PROVIDER}/read`] }],
    subject: { type: 'OR', subjects: [{ type: 'JwtClaim', claimName: 'subject', claimValue: CONSUMER }, { type: 'JwtClaim', claimName: 'subject', claimValue: user._id }] },
  };
  const consumer = realm.oauth2Clients[CONSUMER];
  consumer.overrideOAuth2ClientConfig = {
    ...(consumer.overrideOAuth2ClientConfig as JsonObject),
    providerOverridesEnabled: true, accessTokenModificationPluginType: 'SCRIPTED', accessTokenModificationScript: MOD_SCRIPT_ID, validateScopePluginType: 'SCRIPTED', validateScopeScript: SCOPE_SCRIPT_ID,
  };
  const secretOf = (id: string) => String((realm.oauth2Clients[id].coreOAuth2ClientConfig as JsonObject).userpassword);
  return { tenant, userId: user._id, username: user.username, userPassword: user.password, consumerSecret: secretOf(CONSUMER), providerSecret: secretOf(PROVIDER), close: () => tenant.close() };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

export async function call(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (HTML consent page, empty redirect body)
  }
  return { status: response.status, headers: response.headers, text, json };
}

export const form = (fields: Record<string, string>): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
export const oauth2 = (tenant: LocalTenant, endpoint: string) => `${tenant.url}/am/oauth2/realms/root/realms/${REALM}/${endpoint}`;
export const amJson = (tenant: LocalTenant, endpoint: string) => `${tenant.url}/am/json/realms/root/realms/${REALM}/${endpoint}`;
