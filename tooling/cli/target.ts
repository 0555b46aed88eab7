/**
 * Opens the tenant a run talks to: the one described by the environment, or — when none is
 * configured — the local tenant, started in-process with its state in a local folder.
 * Owns: credentials wiring and secret registration. Must not plan or apply anything.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EnvConfig } from '../config/env.js';
import { AmHttp, type AuthProvider } from '../rest/http.js';
import { bearerAuth, serviceAccountAuth } from '../rest/auth.js';
import { Redactor } from '../../common/redact.js';
import { startTenant } from '../../tenant/server.js';
import type { JsonObject, TenantState } from '../../tenant/types.js';

export interface Target {
  http: AmHttp;
  redactor: Redactor;
  baseUrl: string;
  realm: string;
  /** Value for esv-tenant-env-fqdn. */
  tenantEsvValue: string;
  gatewayId: string;
  gatewaySecret: string;
  /** Set when the local tenant is in use. */
  local?: LocalTenant;
  close(): Promise<void>;
}

export interface LocalTenant {
  url: string;
  stateDir: string;
  /** The tenant's state: in-process, or read from its folder when `npm run tenant` already serves it. */
  state(): Promise<TenantState>;
  /** True when this process started the tenant (false: an `npm run tenant` was already listening). */
  inProcess: boolean;
}

export interface TargetOptions {
  concurrency?: number;
  verbose?: boolean;
  log: (line: string) => void;
  engine?: 'node' | 'rhino';
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

async function localGatewaySecret(stateDir: string): Promise<string> {
  const file = path.join(stateDir, 'gateway-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const secret = randomBytes(24).toString('base64url');
    await mkdir(stateDir, { recursive: true });
    await writeFile(file, secret + '\n', { mode: 0o600 });
    await chmod(file, 0o600);
    return secret;
  }
}

export async function openTarget(env: EnvConfig, options: TargetOptions): Promise<Target> {
  const redactor = new Redactor();
  const httpOptions = {
    concurrency: options.concurrency ?? env.concurrency,
    verbose: options.verbose,
    log: options.log,
    redactor,
  };
  if (!env.local) {
    const secret = env.gatewaySecret;
    if (secret) redactor.add(secret);
    let auth: AuthProvider;
    if (env.auth.kind === 'service-account') {
      registerJwk(redactor, env.auth.jwk as Record<string, unknown>);
      auth = serviceAccountAuth({ tokenUrl: `${env.baseUrl}/am/oauth2/access_token`, accountId: env.auth.accountId, jwk: env.auth.jwk });
    } else if (env.auth.kind === 'bearer') {
      redactor.add(env.auth.token);
      auth = bearerAuth(env.auth.token);
    } else {
      throw new Error('AIC_TENANT is set but no credentials are: set AIC_SERVICE_ACCOUNT_ID with AIC_SERVICE_ACCOUNT_JWK(_FILE), or AIC_BEARER_TOKEN');
    }
    if (!secret) throw new Error('POLICY_GATEWAY_SECRET is not set: the policy-evaluator agent needs a password (set it in the environment or .env, never in the access file)');
    const http = new AmHttp({ baseUrl: env.baseUrl, auth: redactingAuth(auth, redactor), ...httpOptions });
    return {
      http,
      redactor,
      baseUrl: env.baseUrl,
      realm: env.realm,
      tenantEsvValue: env.tenantEsvValue,
      gatewayId: env.gatewayId,
      gatewaySecret: secret,
      close: async () => {},
    };
  }

  const stateDir = path.resolve(env.localTenant.stateDir);
  const local = await startOrJoinLocalTenant(stateDir, env.localTenant.port, options.engine ?? env.localTenant.engine);
  const url = local.url;
  registerJwk(redactor, local.serviceAccount.privateJwk);
  const gatewaySecret = env.gatewaySecret || (await localGatewaySecret(stateDir));
  redactor.add(gatewaySecret);
  const auth = serviceAccountAuth({ tokenUrl: `${url}/am/oauth2/access_token`, accountId: local.serviceAccount.id, jwk: local.serviceAccount.privateJwk });
  const http = new AmHttp({ baseUrl: url, auth: redactingAuth(auth, redactor), ...httpOptions });
  return {
    http,
    redactor,
    baseUrl: url,
    realm: env.realm,
    tenantEsvValue: url,
    gatewayId: env.gatewayId,
    gatewaySecret,
    local: { url, stateDir, state: local.state, inProcess: local.inProcess },
    close: local.close,
  };
}

/**
 * Starts the local tenant in this process, or — when `npm run tenant` already listens on the port
 * with the same state folder — uses that one.
 */
async function startOrJoinLocalTenant(stateDir: string, port: number, engine: 'node' | 'rhino') {
  try {
    const running = await startTenant({ stateDir, port, engine, restartSeconds: 1 });
    return { url: running.url, serviceAccount: running.serviceAccount, inProcess: true, state: async () => running.context.state, close: () => running.close() };
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    const url = `http://127.0.0.1:${port}`;
    const probe = await fetch(`${url}/am/json/serverinfo/version`).catch(() => undefined);
    if (!probe?.ok) throw new Error(`LOCAL_TENANT_PORT ${port} is in use by something that is not a local tenant: set LOCAL_TENANT_PORT to a free port`);
    let key: { id: string; privateJwk: JsonObject };
    try {
      key = JSON.parse(await readFile(path.join(stateDir, 'service-account.jwk.json'), 'utf8'));
    } catch {
      throw new Error(`a local tenant already listens on port ${port}, but ${stateDir} holds no service-account key of it: start it with --state-dir ${stateDir}, or set LOCAL_TENANT_PORT`);
    }
    const state = async () => JSON.parse(await readFile(path.join(stateDir, 'state.json'), 'utf8')) as TenantState;
    return { url, serviceAccount: key, inProcess: false, state, close: async () => {} };
  }
}
