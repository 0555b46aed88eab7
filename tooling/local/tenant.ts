/**
 * The one entry point through which the CLI reaches the local tenant: started in this process with
 * its state in a folder, or — when `npm run tenant` already listens on the port with that folder —
 * joined. Also the local gateway secret (generated once, kept beside the state, mode 0600).
 * Owns the local tenant's lifecycle for the tool; knows nothing of commands or output.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonObject } from '../../common/json.js';
import { startTenant } from '../../tenant/server.js';
import type { TenantState } from '../../tenant/types.js';
import { generateSecret } from '../config/secret-strength.js';

export interface LocalTenantHandle {
  url: string;
  stateDir: string;
  serviceAccount: { id: string; privateJwk: JsonObject };
  /** The tenant's state: in-process, or read from its folder when `npm run tenant` already serves it. */
  state(): Promise<TenantState>;
  /** True when this process started the tenant (false: an `npm run tenant` was already listening). */
  inProcess: boolean;
  close(): Promise<void>;
}

export async function openLocalTenant(stateDir: string, port: number, engine: 'node' | 'rhino'): Promise<LocalTenantHandle> {
  try {
    const running = await startTenant({ stateDir, port, engine, restartSeconds: 1 });
    return { url: running.url, stateDir, serviceAccount: running.serviceAccount, inProcess: true, state: async () => running.context.state, close: () => running.close() };
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
    return { url, stateDir, serviceAccount: key, inProcess: false, state, close: async () => {} };
  }
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
