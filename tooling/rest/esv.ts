/**
 * Environment secrets and variables (ESVs) and the tenant restart that loads them.
 * Accept-API-Version protocol=1.0,resource=1.0. Owns the wire encoding (values travel as base64);
 * callers pass and receive text. Secret values can never be read back.
 */
import { AmError, type AmHttp } from './http.js';
import { queryAll } from './paging.js';
import { seg } from './paths.js';

const FAMILY = 'esv';
const API = 'protocol=1.0,resource=1.0';

const encode = (value: string) => Buffer.from(value, 'utf8').toString('base64');
const decode = (base64: unknown) => (typeof base64 === 'string' ? Buffer.from(base64, 'base64').toString('utf8') : '');

export interface StoredVariable {
  id: string;
  value: string;
  description: string;
  expressionType: string;
  /** false while the value is pending: scripts see it only after the next restart. */
  loaded: boolean;
}

export interface StoredSecret {
  id: string;
  description: string;
  encoding: string;
  useInPlaceholders: boolean;
  activeVersion: string;
  /** The version scripts see ("" before the first restart). */
  loadedVersion: string;
  loaded: boolean;
}

export async function listVariables(http: AmHttp): Promise<StoredVariable[]> {
  const rows = await queryAll<Record<string, unknown>>(http, { path: '/environment/variables', apiVersion: API, family: FAMILY }, 'cookie');
  return rows.map((row) => ({ id: String(row._id), value: decode(row.valueBase64), description: String(row.description ?? ''), expressionType: String(row.expressionType ?? 'string'), loaded: row.loaded !== false }));
}

export async function putVariable(http: AmHttp, id: string, variable: { value: string; description: string; expressionType: string }): Promise<void> {
  await http.request({ method: 'PUT', path: `/environment/variables/${seg(id)}`, body: { valueBase64: encode(variable.value), description: variable.description, expressionType: variable.expressionType }, apiVersion: API, family: FAMILY });
}

export async function deleteVariable(http: AmHttp, id: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `/environment/variables/${seg(id)}`, apiVersion: API, family: FAMILY, accept: [404] });
}

export async function listSecrets(http: AmHttp): Promise<StoredSecret[]> {
  const rows = await queryAll<Record<string, unknown>>(http, { path: '/environment/secrets', apiVersion: API, family: FAMILY }, 'cookie');
  return rows.map((row) => ({
    id: String(row._id),
    description: String(row.description ?? ''),
    encoding: String(row.encoding ?? 'generic'),
    // Absent means the field predates the flag: treat it as unusable by scripts (the stricter reading).
    useInPlaceholders: row.useInPlaceholders === true,
    activeVersion: String(row.activeVersion ?? ''),
    loadedVersion: String(row.loadedVersion ?? ''),
    loaded: row.loaded !== false,
  }));
}

/** PUT creates only; an existing secret answers 400, reported as exists. Returns the version created. */
export async function createSecret(http: AmHttp, id: string, secret: { value: string; description: string; encoding: string; useInPlaceholders: boolean }): Promise<{ exists: boolean; activeVersion?: string }> {
  const path = `/environment/secrets/${seg(id)}`;
  const body = { valueBase64: encode(secret.value), description: secret.description, encoding: secret.encoding, useInPlaceholders: secret.useInPlaceholders };
  const response = await http.request<{ message?: string; activeVersion?: unknown }>({ method: 'PUT', path, body, apiVersion: API, family: FAMILY, accept: [400, 409] });
  const message = String(response.data?.message ?? '');
  if (response.status === 409 || (response.status === 400 && /exist/i.test(message) && !/not exist/i.test(message))) return { exists: true };
  if (response.status === 400) throw new AmError(http.redactor.text(`${FAMILY} PUT ${path}: HTTP 400 ${message}`.trim()), FAMILY, 'PUT', path, 400, http.redactor.text(message));
  return { exists: false, activeVersion: response.data?.activeVersion === undefined ? undefined : String(response.data.activeVersion) };
}

/** A new value; it becomes the active version (pending until the next restart). Returns the version. */
export async function createSecretVersion(http: AmHttp, id: string, value: string): Promise<string> {
  const response = await http.request<{ version?: unknown }>({ method: 'POST', path: `/environment/secrets/${seg(id)}/versions`, query: { _action: 'create' }, body: { valueBase64: encode(value) }, apiVersion: API, family: FAMILY });
  return String(response.data?.version ?? '');
}

export async function setSecretDescription(http: AmHttp, id: string, description: string): Promise<void> {
  await http.request({ method: 'POST', path: `/environment/secrets/${seg(id)}`, query: { _action: 'setDescription' }, body: { description }, apiVersion: API, family: FAMILY });
}

export async function deleteSecret(http: AmHttp, id: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `/environment/secrets/${seg(id)}`, apiVersion: API, family: FAMILY, accept: [404] });
}

/** Whether none of these ESVs still has a value pending (what a finished restart leaves; a missing one is not pending). */
export async function esvsLoaded(http: AmHttp, ids: readonly string[]): Promise<boolean> {
  const [variables, secrets] = await Promise.all([listVariables(http), listSecrets(http)]);
  const pending = new Set([...variables.filter((v) => !v.loaded).map((v) => v.id), ...secrets.filter((s) => !s.loaded || s.loadedVersion !== s.activeVersion).map((s) => s.id)]);
  return ids.every((id) => !pending.has(id));
}

export type RestartStatus = 'ready' | 'restarting' | string;

export async function getStartup(http: AmHttp): Promise<{ restartStatus: RestartStatus }> {
  const response = await http.request<{ restartStatus: string }>({ method: 'GET', path: '/environment/startup', apiVersion: API, family: FAMILY });
  return { restartStatus: String(response.data?.restartStatus ?? '') };
}

export async function restart(http: AmHttp): Promise<{ restartStatus: RestartStatus }> {
  const response = await http.request<{ restartStatus: string }>({ method: 'POST', path: '/environment/startup', query: { _action: 'restart' }, apiVersion: API, family: FAMILY });
  return { restartStatus: String(response.data?.restartStatus ?? '') };
}
