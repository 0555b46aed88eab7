/**
 * The local tenant's persisted state: loaded from <stateDir>/state.json, or built from the seed on
 * first start (generating the service account's key pair: the private key goes to
 * <stateDir>/service-account.jwk.json for the deploy tool; no private key is ever checked in).
 */
import { exportJWK, generateKeyPair } from 'jose';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject, RealmState, TenantState } from './types.js';

export const DEFAULT_SEED = path.join(path.dirname(fileURLToPath(import.meta.url)), 'seed.json');
const STATE_FILE = 'state.json';
const KEY_FILE = 'service-account.jwk.json';

export function emptyRealm(): RealmState {
  return { scripts: {}, trees: {}, nodes: {}, oauth2Clients: {}, igAgents: {}, resourceTypes: {}, policySets: {}, policies: {}, users: {} };
}

interface Seed {
  amVersion: string;
  cookieName: string;
  serviceAccount: { id: string; name: string; scopes: string[] };
  realms: Record<string, Partial<RealmState>>;
}

export interface LoadedState {
  state: TenantState;
  serviceAccount: { id: string; privateJwk: JsonObject };
}

async function fromSeed(seedFile: string): Promise<LoadedState> {
  const seed = JSON.parse(await readFile(seedFile, 'utf8')) as Seed;
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = (await exportJWK(publicKey)) as JsonObject;
  const privateJwk = { ...(await exportJWK(privateKey)), alg: 'RS256' } as JsonObject;
  const realms: Record<string, RealmState> = {};
  for (const [name, realm] of Object.entries(seed.realms)) realms[name] = { ...emptyRealm(), ...realm };
  const state: TenantState = {
    amVersion: seed.amVersion,
    cookieName: seed.cookieName,
    realms,
    esv: { variables: {}, secrets: {}, restartStatus: 'ready' },
    serviceAccounts: { [seed.serviceAccount.id]: { ...seed.serviceAccount, publicJwk } },
  };
  return { state, serviceAccount: { id: seed.serviceAccount.id, privateJwk } };
}

export async function loadState(stateDir: string | undefined, seedFile = DEFAULT_SEED): Promise<LoadedState> {
  if (stateDir && existsSync(path.join(stateDir, STATE_FILE)) && existsSync(path.join(stateDir, KEY_FILE))) {
    const state = JSON.parse(await readFile(path.join(stateDir, STATE_FILE), 'utf8')) as TenantState;
    const key = JSON.parse(await readFile(path.join(stateDir, KEY_FILE), 'utf8')) as { id: string; privateJwk: JsonObject };
    state.esv.restartStatus = 'ready';
    return { state, serviceAccount: key };
  }
  const loaded = await fromSeed(seedFile);
  if (stateDir) {
    await mkdir(stateDir, { recursive: true });
    const keyFile = path.join(stateDir, KEY_FILE);
    await writeFile(keyFile, JSON.stringify(loaded.serviceAccount, null, 2) + '\n', { mode: 0o600 });
    await chmod(keyFile, 0o600);
    await saveState(stateDir, loaded.state);
  }
  return loaded;
}

/** Atomic write (temp file + rename), so a killed process never leaves half a state file. */
export async function saveState(stateDir: string, state: TenantState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const file = path.join(stateDir, STATE_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(state));
  await rename(temp, file);
}
