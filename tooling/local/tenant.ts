/**
 * The one entry point through which the CLI reaches the local tenant: started in this process with
 * its state in a folder, or — when `npm run tenant` already listens on the port with that folder —
 * joined. With `--env dev|staging|prod` it is that member of the local promotion group, started
 * with its place in the chain (tenant/promotion/layout.ts), and a joined one must answer for that
 * tier. Also the local gateway secret (generated once, kept beside the state, mode 0600).
 * Owns the local tenant's lifecycle for the tool; knows nothing of commands or output.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonObject } from '../../common/json.js';
import { startTenant } from '../../tenant/server.js';
import { groupMember, type GroupEnvironmentName } from '../../tenant/promotion/layout.js';
import type { TenantState, Tier } from '../../tenant/types.js';
import { generateSecret } from '../config/secret-strength.js';
import { serviceAccountAuth } from '../rest/auth.js';

export interface LocalTenantHandle {
  url: string;
  stateDir: string;
  serviceAccount: { id: string; privateJwk: JsonObject };
  /** The tenant's state: in-process, or read from its folder when `npm run tenant` already serves it. */
  state(): Promise<TenantState>;
  /** True when this process started the tenant (false: an `npm run tenant` was already listening). */
  inProcess: boolean;
  /** The tier it answers for: development, or a group member's. */
  tier: Tier;
  close(): Promise<void>;
}

/** Where in the local promotion group the tenant sits (absent: the standalone development tenant). */
export interface LocalPlace {
  group?: { name: GroupEnvironmentName; root: string };
  /** Staging and production offer direct configuration sessions. */
  directConfiguration?: boolean;
}

export async function openLocalTenant(stateDir: string, port: number, engine: 'node' | 'rhino', place: LocalPlace = {}): Promise<LocalTenantHandle> {
  const member = place.group ? groupMember(place.group.root, place.group.name, 0) : undefined;
  const tier: Tier = member?.tier ?? 'development';
  try {
    const running = await startTenant({ stateDir, port, engine, restartSeconds: 1, ...(member ? { environment: member.environment } : {}), ...(place.directConfiguration ? { directConfiguration: true } : {}) });
    return { url: running.url, stateDir, serviceAccount: running.serviceAccount, inProcess: true, tier, state: async () => running.context.state, close: () => running.close() };
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
    await checkJoined(url, port, stateDir, key, member ? tier : undefined);
    const state = async () => JSON.parse(await readFile(path.join(stateDir, 'state.json'), 'utf8')) as TenantState;
    return { url, stateDir, serviceAccount: key, inProcess: false, tier, state, close: async () => {} };
  }
}

/**
 * The tenant already listening is the one whose state is in `stateDir` (its service account takes
 * that folder's key) and, for a group member, answers for the expected tier: another member, or
 * the standalone tenant, on that port must never be deployed to under this one's name.
 */
async function checkJoined(url: string, port: number, stateDir: string, key: { id: string; privateJwk: JsonObject }, tier: Tier | undefined): Promise<void> {
  let header: string;
  try {
    header = await serviceAccountAuth({ tokenUrl: `${url}/am/oauth2/access_token`, accountId: key.id, jwk: key.privateJwk, http: { maxRetries: 1 } }).header();
  } catch {
    throw new Error(`a local tenant already listens on port ${port}, but it is not the one whose state is in ${stateDir} (its service account refuses that folder's key): stop it, or set LOCAL_TENANT_PORT`);
  }
  if (!tier) return;
  const info = await fetch(`${url}/environment/info`, { headers: { authorization: header, 'accept-api-version': 'protocol=1.0,resource=1.0' } }).catch(() => undefined);
  const answered = info?.ok ? String(((await info.json()) as { tier?: unknown }).tier) : 'no answer';
  if (answered !== tier) throw new Error(`the local tenant on port ${port} answers for ${answered}, not ${tier}: start it with npm run tenant -- --env <name>, or set LOCAL_TENANT_PORT`);
}

/** The local tenant's gateway secret: generated on first use and kept (mode 0600) beside its state. */
export async function localGatewaySecret(stateDir: string): Promise<string> {
  const file = path.join(stateDir, 'gateway-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const secret = generateSecret();
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await writeFile(file, secret + '\n', { mode: 0o600 });
    await chmod(file, 0o600);
    return secret;
  }
}
