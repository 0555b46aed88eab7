/**
 * The local tenant's persisted state: loaded from <stateDir>/state.json, or built from the seed on
 * first start (generating the service account's key pair: the private key goes to
 * <stateDir>/service-account.jwk.json, mode 0600, for the deploy tool; no private key is ever
 * checked in or kept in state.json). Owns files under stateDir only.
 */
import { exportJWK, generateKeyPair } from 'jose';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject, RealmState, TenantState } from './types.js';

export const DEFAULT_SEED = path.join(path.dirname(fileURLToPath(import.meta.url)), 'seed.json');
export const STATE_FILE = 'state.json';
export const KEY_FILE = 'service-account.jwk.json';

export function emptyRealm(): RealmState {
  return { scripts: {}, trees: {}, nodes: {}, oauth2Clients: {}, igAgents: {}, resourceTypes: {}, policySets: {}, policies: {}, users: {} };
}

interface Seed {
  amVersion: string;
  cookieName: string;
  serviceAccount: { id: string; name: string; scopes: string[] };
  realms: Record<string, Partial<RealmState>>;
}

export interface ServiceAccountKey {
  id: string;
  privateJwk: JsonObject;
}

export interface LoadedState {
  state: TenantState;
  serviceAccount: ServiceAccountKey;
}

async function newKeyPair(): Promise<{ publicJwk: JsonObject; privateJwk: JsonObject }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { publicJwk: { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig' } as JsonObject, privateJwk: { ...(await exportJWK(privateKey)), alg: 'RS256' } as JsonObject };
}

async function fromSeed(seedFile: string): Promise<LoadedState> {
  const seed = JSON.parse(await readFile(seedFile, 'utf8')) as Seed;
  const { publicJwk, privateJwk } = await newKeyPair();
  const realms: Record<string, RealmState> = {};
  for (const [name, realm] of Object.entries(seed.realms)) realms[name] = { ...emptyRealm(), ...(JSON.parse(JSON.stringify(realm)) as Partial<RealmState>) };
  const state: TenantState = {
    amVersion: seed.amVersion,
    cookieName: seed.cookieName,
    realms,
    esv: { variables: {}, secrets: {}, restartStatus: 'ready' },
    serviceAccounts: { [seed.serviceAccount.id]: { ...seed.serviceAccount, publicJwk } },
  };
  return { state, serviceAccount: { id: seed.serviceAccount.id, privateJwk } };
}

async function writeKeyFile(stateDir: string, key: ServiceAccountKey): Promise<void> {
  const keyFile = path.join(stateDir, KEY_FILE);
  await writeFile(keyFile, JSON.stringify(key, null, 2) + '\n', { mode: 0o600 });
  await chmod(keyFile, 0o600); // mode is ignored when the file already existed
}

export async function loadState(stateDir: string | undefined, seedFile = DEFAULT_SEED): Promise<LoadedState> {
  if (stateDir && existsSync(path.join(stateDir, STATE_FILE))) {
    const state = JSON.parse(await readFile(path.join(stateDir, STATE_FILE), 'utf8')) as TenantState;
    // A restart in progress when the process stopped has completed by now.
    state.esv.restartStatus = 'ready';
    delete state.esv.restartReadyAt;
    const keyPath = path.join(stateDir, KEY_FILE);
    if (existsSync(keyPath)) return { state, serviceAccount: JSON.parse(await readFile(keyPath, 'utf8')) as ServiceAccountKey };
    // The key file was lost: keep the configuration, give the account a new key pair.
    const account = Object.values(state.serviceAccounts)[0];
    if (!account) throw new Error(`${path.join(stateDir, STATE_FILE)} has no service account; start with --reset`);
    const { publicJwk, privateJwk } = await newKeyPair();
    account.publicJwk = publicJwk;
    const key = { id: account.id, privateJwk };
    await writeKeyFile(stateDir, key);
    await saveState(stateDir, state);
    return { state, serviceAccount: key };
  }
  const loaded = await fromSeed(seedFile);
  if (stateDir) {
    await mkdir(stateDir, { recursive: true });
    await writeKeyFile(stateDir, loaded.serviceAccount);
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
