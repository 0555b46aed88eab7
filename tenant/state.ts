/**
 * The local tenant's persisted state: loaded from <stateDir>/state.json, or built from the seed on
 * first start (generating the service account's key pair: the private key goes to
 * <stateDir>/service-account.jwk.json, mode 0600, for the deploy tool; no private key is ever
 * checked in or kept in state.json). state.json holds client, agent and user passwords and ESV
 * secret values in plain text, so it is written with mode 0600 too, in a folder others cannot
 * read. Every lookup table is built without a prototype, so an id like `__proto__` is a plain key.
 * Owns files under stateDir only.
 */
import { exportJWK, generateKeyPair } from 'jose';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { settleRestart } from './esv-properties.js';
import { ROOT_REALM } from './root-realm.js';
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
  serviceAccount: { id: string; name: string; scopes: string[]; description?: string; accountStatus?: string };
  environmentInfo?: JsonObject;
  realms: Record<string, Partial<RealmState>>;
}

const TABLES = ['services', 'scripts', 'trees', 'nodes', 'oauth2Clients', 'igAgents', 'resourceTypes', 'policySets', 'policies', 'users', 'consents'] as const;

/** The same entries in an object without a prototype. */
function table<T>(record: Record<string, T> | undefined): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, record ?? {});
}

/**
 * Every id-keyed table of the state as a null-prototype object: `realm.scripts['__proto__']` is then
 * an ordinary (absent) entry instead of Object.prototype, and assigning it cannot change a prototype.
 */
export function withPlainTables(state: TenantState): TenantState {
  state.realms = table(state.realms);
  for (const name of Object.keys(state.realms)) {
    const realm = table(state.realms[name] as unknown as Record<string, unknown>) as unknown as RealmState;
    for (const key of TABLES) if (realm[key] !== undefined || key !== 'consents') (realm as unknown as Record<string, unknown>)[key] = table(realm[key] as Record<string, unknown> | undefined);
    if (realm.consents) for (const user of Object.keys(realm.consents)) realm.consents[user] = table(realm.consents[user]);
    state.realms[name] = realm;
  }
  state.esv.variables = table(state.esv.variables);
  state.esv.secrets = table(state.esv.secrets);
  state.serviceAccounts = table(state.serviceAccounts);
  return state;
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
    ...(seed.environmentInfo ? { environmentInfo: seed.environmentInfo } : {}),
    esv: { variables: {}, secrets: {}, restartStatus: 'ready' },
    serviceAccounts: { [seed.serviceAccount.id]: { ...seed.serviceAccount, publicJwk } },
  };
  return { state: withPlainTables(state), serviceAccount: { id: seed.serviceAccount.id, privateJwk } };
}

/** What a state saved by an earlier version lacks (the root realm, the environment info), from the seed. */
async function completeFromSeed(state: TenantState, seedFile: string): Promise<void> {
  if (Object.prototype.hasOwnProperty.call(state.realms, ROOT_REALM) && state.environmentInfo) return;
  const seed = JSON.parse(await readFile(seedFile, 'utf8')) as Seed;
  const root = seed.realms[ROOT_REALM];
  if (root && !Object.prototype.hasOwnProperty.call(state.realms, ROOT_REALM)) state.realms[ROOT_REALM] = { ...emptyRealm(), ...(JSON.parse(JSON.stringify(root)) as Partial<RealmState>) };
  if (seed.environmentInfo && !state.environmentInfo) state.environmentInfo = seed.environmentInfo;
}

/** The state folder: created private (0700); an existing one loses its permissions for others. */
async function privateFolder(stateDir: string): Promise<void> {
  if (!existsSync(stateDir)) {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await chmod(stateDir, 0o700); // mkdir's mode is reduced by the umask, never widened; make it exact
    return;
  }
  const { mode } = await stat(stateDir);
  if (mode & 0o007) await chmod(stateDir, mode & 0o770);
}

async function writeKeyFile(stateDir: string, key: ServiceAccountKey): Promise<void> {
  const keyFile = path.join(stateDir, KEY_FILE);
  await privateFolder(stateDir);
  await writeFile(keyFile, JSON.stringify(key, null, 2) + '\n', { mode: 0o600 });
  await chmod(keyFile, 0o600); // mode is ignored when the file already existed
}

export async function loadState(stateDir: string | undefined, seedFile = DEFAULT_SEED): Promise<LoadedState> {
  if (stateDir && existsSync(path.join(stateDir, STATE_FILE))) {
    const state = withPlainTables(JSON.parse(await readFile(path.join(stateDir, STATE_FILE), 'utf8')) as TenantState);
    await completeFromSeed(state, seedFile);
    withPlainTables(state);
    // A restart in progress when the process stopped has completed by now: its values are loaded.
    settleRestart(state, Number.POSITIVE_INFINITY);
    await privateFolder(stateDir);
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
    await privateFolder(stateDir);
    await writeKeyFile(stateDir, loaded.serviceAccount);
    await saveState(stateDir, loaded.state);
  }
  return loaded;
}

/**
 * Atomic write (temp file + rename), so a killed process never leaves half a state file. The temp
 * file is created 0600 and the rename keeps that mode, so the secrets inside are never readable by
 * others, not even for a moment, and an older state.json with wider permissions is replaced.
 */
export async function saveState(stateDir: string, state: TenantState): Promise<void> {
  await privateFolder(stateDir);
  const file = path.join(stateDir, STATE_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(state), { mode: 0o600 });
  await chmod(temp, 0o600); // a temp file left by a killed run keeps its old mode otherwise
  await rename(temp, file);
}
