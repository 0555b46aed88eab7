/** Test harness: a fresh in-memory local tenant and the real deploy pipeline pointed at it. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import { startTenant, type LocalTenant, type LocalTenantOptions } from '../../tenant/server.js';
import { AmHttp } from '../../tooling/rest/http.js';
import { serviceAccountAuth } from '../../tooling/rest/auth.js';
import { ALL_ENGINES, buildScripts } from '../../tooling/build/build-scripts.js';
import { runDeploy, type DeployOutcome } from '../../tooling/engine/deploy.js';
import type { AccessConfig } from '../../tooling/config/access.js';
import { bundleSource, type BundleSource } from '../../tooling/engine/desired/index.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const GATEWAY_SECRET = 'gateway-Secret-for-tests-9f3b-Kq7';
export const USER_ID = 'd7a5c2b1-3e4f-4a6b-8c9d-0e1f2a3b4c5d';

let bundles: BundleSource[] | undefined;
export async function scriptBundles(): Promise<BundleSource[]> {
  // Both engines' bundles, as the CLI builds them: the access configuration's scriptEngine picks.
  bundles ??= (await buildScripts(null, { engines: ALL_ENGINES })).map(bundleSource);
  return bundles;
}

export async function agentJourney(): Promise<unknown> {
  return JSON.parse(await readFile(path.join(ROOT, 'journeys', 'AgentLogin.json'), 'utf8'));
}

export interface Harness {
  tenant: LocalTenant;
  http: AmHttp;
  deploy(access: AccessConfig, options?: { concurrency?: number; gatewaySecret?: string; keepForeignPolicies?: boolean; restart?: boolean }): Promise<DeployOutcome>;
  token(form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  introspect(token: string, clientId: string, secret: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export const SECRETS = { scopeDrivenAPI1Client: 'demo-consumer-secret', scopeDrivenAPI2Client: 'demo-provider-secret' };

export async function startHarness(options: LocalTenantOptions = {}): Promise<Harness> {
  const tenant = await startTenant({ port: 0, restartSeconds: 0.05, ...options });
  const makeHttp = (concurrency = 8) =>
    new AmHttp({ baseUrl: tenant.url, concurrency, auth: serviceAccountAuth({ tokenUrl: `${tenant.url}/am/oauth2/access_token`, accountId: tenant.serviceAccount.id, jwk: tenant.serviceAccount.privateJwk }), sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))) });
  const http = makeHttp();
  const client = axios.create({ baseURL: `${tenant.url}/am/oauth2/realms/root/realms/alpha`, validateStatus: () => true, maxRedirects: 0 });
  const form = (values: Record<string, string>) => new URLSearchParams(values).toString();
  return {
    tenant,
    http,
    async deploy(access, deployOptions = {}) {
      const target = deployOptions.concurrency ? makeHttp(deployOptions.concurrency) : http;
      return runDeploy(target, { access, realm: 'alpha', tenantEsvValue: tenant.url, gatewayId: 'policy-evaluator', secrets: { gatewaySecret: deployOptions.gatewaySecret ?? GATEWAY_SECRET }, scripts: await scriptBundles(), journey: await agentJourney(), options: { keepForeignPolicies: deployOptions.keepForeignPolicies } }, { restartPollSeconds: 0.02, restart: deployOptions.restart });
    },
    async token(values) {
      const response = await client.post('/access_token', form(values), { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      return { status: response.status, body: response.data };
    },
    async introspect(token, clientId, secret) {
      const response = await client.post('/introspect', form({ token, client_id: clientId, client_secret: secret }), { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      return response.data;
    },
    close: () => tenant.close(),
  };
}

/** The article's configuration plus a user-only grant, a consumer with no grant and an attribute grant. */
export function articleAccess(): AccessConfig {
  return {
    consumers: { scopeDrivenAPI1Client: {}, scopeDrivenAPI2Client: {} },
    identityClaims: ['isMemberOf'],
    providers: {
      scopeDrivenAPI2Client: {
        scopes: {
          read: { grants: [{ client: 'scopeDrivenAPI1Client' }, { user: USER_ID, client: 'scopeDrivenAPI1Client' }] },
          write: { grants: [{ allOf: [{ client: 'scopeDrivenAPI1Client' }, { claim: 'isMemberOf', value: 'cn=api-writers,ou=groups,o=alpha' }] }] },
          admin: { grants: [] },
        },
      },
      billingApi: { scopes: { read: { grants: [{ user: USER_ID }] } } },
    },
  };
}
