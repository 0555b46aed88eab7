/**
 * Opens the tenant a run talks to: the one described by the environment, or — when none is
 * configured — the local tenant (through tooling/local/tenant.ts). Owns credentials wiring and the
 * registration of every secret with the run's redactor. Must not plan or apply anything.
 */
import type { EnvConfig } from '../config/env.js';
import { EnvError } from '../config/env.js';
import { AmHttp, type AuthProvider } from '../rest/http.js';
import { bearerAuth, serviceAccountAuth } from '../rest/auth.js';
import { Redactor } from '../../common/redact.js';
import { localGatewaySecret, openLocalTenant, type LocalTenantHandle } from '../local/tenant.js';
import type { Secrets } from '../engine/model.js';

export interface Target {
  http: AmHttp;
  redactor: Redactor;
  baseUrl: string;
  realm: string;
  /** Value for esv-tenant-env-fqdn. */
  tenantEsvValue: string;
  gatewayId: string;
  journeyName: string;
  secrets: Secrets;
  /** Set when the local tenant is in use. */
  local?: LocalTenantHandle;
  /**
   * A client of the same tenant whose service-account login asks for these scopes (e.g. adding
   * fr:idc:promotion:* for promotions): deploys keep asking only for what they need, since AIC
   * refuses a login naming a scope the account lacks. A bearer token is used as it was minted.
   */
  scoped(scope: string): AmHttp;
  close(): Promise<void>;
}

export interface TargetOptions {
  concurrency?: number;
  verbose?: boolean;
  log: (line: string) => void;
  engine?: 'node' | 'rhino';
  /** false: the run needs no policy-evaluator password (next-generation scripts; verify). Default true. */
  gatewaySecretRequired?: boolean;
}

/** Registers every secret of a JWK (private parts) with the redactor. */
function registerJwk(redactor: Redactor, jwk: Record<string, unknown>): void {
  for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
    const value = jwk[part];
    if (typeof value === 'string') redactor.add(value);
  }
}

/** Tokens obtained at run time are secrets too: register each as it is issued. */
function redactingAuth(auth: AuthProvider, redactor: Redactor): AuthProvider {
  return {
    async header() {
      const header = await auth.header();
      redactor.add(header.replace(/^Bearer\s+/i, ''));
      return header;
    },
    invalidate: () => auth.invalidate(),
  };
}

function tenantAuth(env: EnvConfig, redactor: Redactor, scope?: string): AuthProvider {
  if (env.auth.kind === 'service-account') {
    registerJwk(redactor, env.auth.jwk as Record<string, unknown>);
    return serviceAccountAuth({ tokenUrl: `${env.baseUrl}/am/oauth2/access_token`, accountId: env.auth.accountId, jwk: env.auth.jwk, scope });
  }
  if (env.auth.kind === 'bearer') {
    redactor.add(env.auth.token);
    return bearerAuth(env.auth.token);
  }
  throw new EnvError(['AIC_TENANT is set but no credentials are: set AIC_SERVICE_ACCOUNT_ID with AIC_SERVICE_ACCOUNT_JWK(_FILE), or AIC_BEARER_TOKEN']);
}

export async function openTarget(env: EnvConfig, options: TargetOptions): Promise<Target> {
  const redactor = new Redactor();
  const httpOptions = { concurrency: options.concurrency ?? env.concurrency, verbose: options.verbose, log: options.log, redactor };
  const common = { redactor, realm: env.realm, gatewayId: env.gatewayId, journeyName: env.journeyName };
  if (!env.local) {
    const auth = tenantAuth(env, redactor);
    if (!env.gatewaySecret && options.gatewaySecretRequired !== false) throw new EnvError(['POLICY_GATEWAY_SECRET: not set; the policy-evaluator agent needs a password (set it in the environment or .env, never in the access file; npm run generate-secret prints one)']);
    if (env.gatewaySecret) redactor.add(env.gatewaySecret);
    const http = new AmHttp({ baseUrl: env.baseUrl, auth: redactingAuth(auth, redactor), ...httpOptions });
    const scoped = (scope: string) => new AmHttp({ baseUrl: env.baseUrl, auth: redactingAuth(tenantAuth(env, redactor, scope), redactor), ...httpOptions });
    return { ...common, http, baseUrl: env.baseUrl, tenantEsvValue: env.tenantEsvValue, secrets: { gatewaySecret: env.gatewaySecret }, scoped, close: async () => {} };
  }
  const local = await openLocalTenant(env.localTenant.stateDir, env.localTenant.port, options.engine ?? env.localTenant.engine, { group: env.localTenant.group, directConfiguration: env.localTenant.directConfiguration });
  registerJwk(redactor, local.serviceAccount.privateJwk);
  const gatewaySecret = env.gatewaySecret || (await localGatewaySecret(local.stateDir));
  redactor.add(gatewaySecret);
  const localAuth = (scope?: string) => serviceAccountAuth({ tokenUrl: `${local.url}/am/oauth2/access_token`, accountId: local.serviceAccount.id, jwk: local.serviceAccount.privateJwk, scope });
  const http = new AmHttp({ baseUrl: local.url, auth: redactingAuth(localAuth(), redactor), ...httpOptions });
  const scoped = (scope: string) => new AmHttp({ baseUrl: local.url, auth: redactingAuth(localAuth(scope), redactor), ...httpOptions });
  return { ...common, http, baseUrl: local.url, tenantEsvValue: local.url, secrets: { gatewaySecret }, local, scoped, close: () => local.close() };
}
