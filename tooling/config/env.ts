/**
 * Environment specifics (tenant, realm, credentials, secrets) from `.env`, `.env.<name>` and the
 * process environment (which wins). Owns: reading and validating them. Never echoes a secret.
 */
import dotenv from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DiagnosticError, error } from '../diagnostics.js';
import { secretWeakness } from './secret-strength.js';
import { defaultLocalEngine } from '../../rhino/availability.js';
import { groupMember, isGroupEnvironment, type GroupEnvironmentName } from '../../tenant/promotion/layout.js';

export type AuthConfig =
  | { kind: 'service-account'; accountId: string; jwk: Record<string, unknown> }
  | { kind: 'bearer'; token: string }
  | { kind: 'none' };

export interface EnvConfig {
  /** No tenant configured: the local tenant is used. */
  local: boolean;
  baseUrl: string;
  realm: string;
  auth: AuthConfig;
  gatewayId: string;
  /** Non-enumerable: never serialised or inspected. */
  readonly gatewaySecret: string;
  /** Value written to esv-tenant-env-fqdn. */
  tenantEsvValue: string;
  accessPath: string;
  concurrency: number;
  journeyName: string;
  localTenant: {
    port: number;
    stateDir: string;
    engine: 'node' | 'rhino';
    /**
     * `--env dev|staging|prod` with no tenant configured: that member of the local promotion group
     * (its folder and port are the ones above; `root` holds the whole group).
     */
    group?: { name: GroupEnvironmentName; root: string };
    /** LOCAL_TENANT_DIRECT_CONFIGURATION=true: staging and production offer direct configuration sessions. */
    directConfiguration?: boolean;
  };
  /** SCRIPT_ENGINE: the AM script engine for this environment; wins over the access file's scriptEngine. */
  scriptEngine?: 'legacy' | 'next-gen';
  /** `npm run verify`'s probe (VERIFY_CLIENT_ID, VERIFY_CLIENT_SECRET — non-enumerable —, VERIFY_SCOPE); "" = not set. */
  verify: { clientId: string; readonly clientSecret: string; scope: string };
}

/** Problems with the environment (.env, process variables, flags): nothing is sent to a tenant. */
export class EnvError extends DiagnosticError {
  constructor(readonly problems: string[]) {
    super(problems.map((message) => error('input', 'env.invalid', message)));
    this.name = 'EnvError';
  }
}

export interface LoadEnvOptions {
  envName?: string;
  cwd?: string;
  processEnv?: NodeJS.ProcessEnv;
}

function readEnvFile(file: string): Record<string, string> {
  return existsSync(file) ? dotenv.parse(readFileSync(file)) : {};
}

type Get = (name: string) => string;

/** .env, then .env.<name>, then the process environment (non-empty values win). */
function readVariables(options: LoadEnvOptions, cwd: string): { get: Get; envFileVars: Record<string, string>; envFileMissing: boolean } {
  if (options.envName !== undefined && !/^[A-Za-z0-9_-]+$/.test(options.envName)) throw new EnvError([`--env: expected a name of letters, digits, _ or -, got ${JSON.stringify(options.envName)}`]);
  const envFileMissing = options.envName !== undefined && !existsSync(path.join(cwd, `.env.${options.envName}`));
  const envFileVars = options.envName ? readEnvFile(path.join(cwd, `.env.${options.envName}`)) : {};
  const vars: Record<string, string | undefined> = { ...readEnvFile(path.join(cwd, '.env')), ...envFileVars };
  for (const [key, value] of Object.entries(options.processEnv ?? process.env)) if (value !== undefined && value !== '') vars[key] = value;
  return { get: (name) => (vars[name] ?? '').trim(), envFileVars, envFileMissing };
}

function tenantBaseUrl(tenant: string, problems: string[]): string {
  const baseUrl = /^https?:\/\//i.test(tenant) ? tenant.replace(/\/+$/, '') : `https://${tenant}`;
  try {
    const url = new URL(baseUrl);
    if (url.pathname !== '/' && url.pathname !== '') problems.push(`AIC_TENANT: expected a host name or base URL without a path (e.g. openam-example.forgeblocks.com), got a path ${JSON.stringify(url.pathname)}`);
  } catch {
    problems.push(`AIC_TENANT: expected a host name or base URL, got ${JSON.stringify(tenant)}`);
  }
  return baseUrl;
}

function serviceAccountFrom(get: Get, cwd: string, problems: string[]): AuthConfig {
  const accountId = get('AIC_SERVICE_ACCOUNT_ID');
  const inlineJwk = get('AIC_SERVICE_ACCOUNT_JWK');
  const jwkFile = get('AIC_SERVICE_ACCOUNT_JWK_FILE');
  let jwkText = inlineJwk;
  const source = inlineJwk ? 'AIC_SERVICE_ACCOUNT_JWK' : 'AIC_SERVICE_ACCOUNT_JWK_FILE';
  if (!inlineJwk && jwkFile) {
    try {
      jwkText = readFileSync(path.resolve(cwd, jwkFile), 'utf8');
    } catch {
      problems.push(`AIC_SERVICE_ACCOUNT_JWK_FILE: cannot read ${jwkFile}`);
    }
  }
  if (!accountId) problems.push('AIC_SERVICE_ACCOUNT_ID: required with a service-account key (the account id from the AIC admin UI)');
  if (!jwkText && !problems.some((p) => p.startsWith('AIC_SERVICE_ACCOUNT_JWK_FILE'))) problems.push('AIC_SERVICE_ACCOUNT_JWK or AIC_SERVICE_ACCOUNT_JWK_FILE: required with AIC_SERVICE_ACCOUNT_ID');
  if (!jwkText) return { kind: 'none' };
  let jwk: Record<string, unknown> | undefined;
  try {
    jwk = JSON.parse(jwkText);
  } catch {
    problems.push(`${source}: expected a JSON Web Key (JSON), the value does not parse`);
  }
  if (jwk && (jwk.kty !== 'RSA' || typeof jwk.d !== 'string' || typeof jwk.n !== 'string')) problems.push(`${source}: expected an RSA private key (kty "RSA" with "n" and "d")`);
  else if (jwk && accountId) return { kind: 'service-account', accountId, jwk };
  return { kind: 'none' };
}

function authFrom(get: Get, cwd: string, problems: string[]): AuthConfig {
  if (get('AIC_SERVICE_ACCOUNT_ID') || get('AIC_SERVICE_ACCOUNT_JWK') || get('AIC_SERVICE_ACCOUNT_JWK_FILE')) return serviceAccountFrom(get, cwd, problems);
  const bearer = get('AIC_BEARER_TOKEN');
  return bearer ? { kind: 'bearer', token: bearer } : { kind: 'none' };
}

/** The settings that are not about the tenant's address or credentials, each checked. */
function settingsFrom(get: Get, local: boolean, problems: string[]) {
  const concurrencyText = get('DEPLOY_CONCURRENCY') || '8';
  const concurrency = Number(concurrencyText);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) problems.push(`DEPLOY_CONCURRENCY: expected an integer from 1 to 64, got ${JSON.stringify(concurrencyText)}`);
  const portText = get('LOCAL_TENANT_PORT') || '8780';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`LOCAL_TENANT_PORT: expected a port number, got ${JSON.stringify(portText)}`);
  const directText = get('LOCAL_TENANT_DIRECT_CONFIGURATION').toLowerCase();
  if (directText && directText !== 'true' && directText !== 'false') problems.push(`LOCAL_TENANT_DIRECT_CONFIGURATION: expected true or false, got ${JSON.stringify(directText)}`);
  // The real engine wherever Java and Rhino are installed; else the sandbox, with a one-line notice.
  const engine = get('LOCAL_TENANT_ENGINE') || (local ? defaultLocalEngine() : 'node');
  if (engine !== 'node' && engine !== 'rhino') problems.push(`LOCAL_TENANT_ENGINE: expected node or rhino, got ${JSON.stringify(engine)}`);
  const gatewayId = get('POLICY_GATEWAY_ID') || 'policy-evaluator';
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(gatewayId)) problems.push(`POLICY_GATEWAY_ID: expected 1-128 letters, digits, . _ or -, got ${JSON.stringify(gatewayId)}`);
  const gatewaySecret = get('POLICY_GATEWAY_SECRET');
  const weakness = gatewaySecret ? secretWeakness(gatewaySecret) : undefined;
  if (weakness) problems.push(`POLICY_GATEWAY_SECRET: ${weakness} (npm run generate-secret prints one)`);
  const scriptEngine = get('SCRIPT_ENGINE');
  if (scriptEngine && scriptEngine !== 'legacy' && scriptEngine !== 'next-gen') problems.push(`SCRIPT_ENGINE: expected legacy or next-gen, got ${JSON.stringify(scriptEngine)}`);
  return { concurrency, port, directConfiguration: directText === 'true', engine: engine as 'node' | 'rhino', gatewayId, gatewaySecret, scriptEngine: scriptEngine as '' | 'legacy' | 'next-gen' };
}

export function loadEnvironment(options: LoadEnvOptions = {}): EnvConfig {
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const { get, envFileVars, envFileMissing } = readVariables(options, cwd);
  const tenant = get('AIC_TENANT');
  const local = tenant === '';
  // No tenant configured and --env dev|staging|prod: that member of the local promotion group. A
  // .env.<name> that configures a real tenant still wins; a missing one is an error otherwise (a
  // tenant named in .env must never be deployed to under another environment's name).
  const groupName = local && isGroupEnvironment(options.envName) ? options.envName : undefined;
  if (envFileMissing && !groupName) problems.push(`--env ${options.envName}: no file .env.${options.envName} in ${cwd}`);
  const baseUrl = local ? '' : tenantBaseUrl(tenant, problems);
  const realm = get('AIC_REALM') || 'alpha';
  if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(realm.replace(/^\/+/, ''))) problems.push(`AIC_REALM: expected a realm name such as alpha, got ${JSON.stringify(realm)}`);
  const auth = authFrom(get, cwd, problems);
  const settings = settingsFrom(get, local, problems);
  if (problems.length) throw new EnvError(problems);

  const ownPort = envFileVars.LOCAL_TENANT_PORT !== undefined && envFileVars.LOCAL_TENANT_PORT.trim() !== '';
  const config = {
    local,
    baseUrl,
    realm: realm.replace(/^\/+/, ''),
    auth,
    gatewayId: settings.gatewayId,
    tenantEsvValue: get('ESV_TENANT_ENV_FQDN') || (local ? '' : new URL(baseUrl).protocol === 'https:' ? new URL(baseUrl).host : baseUrl),
    accessPath: path.resolve(cwd, get('AIC_ACCESS_FILE') || 'access'),
    concurrency: settings.concurrency,
    journeyName: get('AGENTLOGIN_JOURNEY') || 'AgentLogin',
    localTenant: localTenantOf(path.resolve(cwd, get('LOCAL_TENANT_DIR') || '.local-tenant'), settings.port, settings.engine, groupName, ownPort, settings.directConfiguration),
    ...(settings.scriptEngine ? { scriptEngine: settings.scriptEngine } : {}),
    verify: { clientId: get('VERIFY_CLIENT_ID'), scope: get('VERIFY_SCOPE') },
  } as EnvConfig;
  Object.defineProperty(config, 'gatewaySecret', { value: settings.gatewaySecret, enumerable: false });
  Object.defineProperty(config.verify, 'clientSecret', { value: get('VERIFY_CLIENT_SECRET'), enumerable: false });
  // Keep the key and token out of JSON.stringify / util.inspect of the config.
  if (auth.kind !== 'none') Object.defineProperty(config, 'auth', { value: auth, enumerable: false });
  return config;
}

/**
 * The local tenant a run uses: the one in LOCAL_TENANT_DIR on LOCAL_TENANT_PORT, or a member of the
 * group kept there (its own folder, and the base port plus its place in the chain — unless its own
 * .env.<name> sets LOCAL_TENANT_PORT, which is then its port).
 */
function localTenantOf(root: string, port: number, engine: 'node' | 'rhino', groupName: GroupEnvironmentName | undefined, ownPort: boolean, directConfiguration: boolean): EnvConfig['localTenant'] {
  const direct = directConfiguration ? { directConfiguration: true } : {};
  if (!groupName) return { port, stateDir: root, engine, ...direct };
  const member = groupMember(root, groupName, port);
  return { port: ownPort ? port : member.port, stateDir: member.stateDir, engine, group: { name: groupName, root }, ...direct };
}
