/**
 * Environment secrets and variables (ESVs) and the tenant restart that loads them.
 * Secret values can never be read back. Accept-API-Version protocol=1.0,resource=1.0.
 */
import { AmError, type AmHttp } from './http.js';
import { queryAll } from './paging.js';
import { seg } from './paths.js';

const FAMILY = 'esv';
const API = 'protocol=1.0,resource=1.0';

export interface VariableBody {
  valueBase64: string;
  description: string;
  expressionType: string;
}
export interface SecretBody {
  valueBase64: string;
  description: string;
  encoding: string;
  useInPlaceholders: boolean;
}

export const listVariables = (http: AmHttp) => queryAll<Record<string, unknown>>(http, { path: '/environment/variables', apiVersion: API, family: FAMILY }, 'cookie');

export async function getVariable(http: AmHttp, id: string): Promise<Record<string, unknown> | null> {
  const response = await http.request<Record<string, unknown>>({ method: 'GET', path: `/environment/variables/${seg(id)}`, apiVersion: API, family: FAMILY, accept: [404] });
  return response.status === 404 ? null : response.data;
}

export async function putVariable(http: AmHttp, id: string, body: VariableBody): Promise<void> {
  await http.request({ method: 'PUT', path: `/environment/variables/${seg(id)}`, body, apiVersion: API, family: FAMILY });
}

export async function deleteVariable(http: AmHttp, id: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `/environment/variables/${seg(id)}`, apiVersion: API, family: FAMILY, accept: [404] });
}

export const listSecrets = (http: AmHttp) => queryAll<Record<string, unknown>>(http, { path: '/environment/secrets', apiVersion: API, family: FAMILY }, 'cookie');

export async function getSecret(http: AmHttp, id: string): Promise<Record<string, unknown> | null> {
  const response = await http.request<Record<string, unknown>>({ method: 'GET', path: `/environment/secrets/${seg(id)}`, apiVersion: API, family: FAMILY, accept: [404] });
  return response.status === 404 ? null : response.data;
}

/** PUT creates only; an existing secret answers 400, reported as exists. */
export async function createSecret(http: AmHttp, id: string, body: SecretBody): Promise<{ exists: boolean }> {
  const response = await http.request<{ message?: string }>({ method: 'PUT', path: `/environment/secrets/${seg(id)}`, body, apiVersion: API, family: FAMILY, accept: [400, 409] });
  const message = String(response.data?.message ?? '');
  if (response.status === 409 || (response.status === 400 && /exist/i.test(message) && !/not exist/i.test(message))) return { exists: true };
  if (response.status === 400) {
    const path = `/environment/secrets/${seg(id)}`;
    throw new AmError(http.redactor.text(`${FAMILY} PUT ${path}: HTTP 400 ${message}`.trim()), FAMILY, 'PUT', path, 400, http.redactor.text(message));
  }
  return { exists: false };
}

export async function createSecretVersion(http: AmHttp, id: string, valueBase64: string): Promise<void> {
  await http.request({ method: 'POST', path: `/environment/secrets/${seg(id)}/versions`, query: { _action: 'create' }, body: { valueBase64 }, apiVersion: API, family: FAMILY });
}

export async function listSecretVersions(http: AmHttp, id: string): Promise<Record<string, unknown>[]> {
  // The recorded answer is a bare array; accept a CREST page as well.
  const response = await http.request<Record<string, unknown>[] | { result?: Record<string, unknown>[] }>({ method: 'GET', path: `/environment/secrets/${seg(id)}/versions`, apiVersion: API, family: FAMILY });
  return Array.isArray(response.data) ? response.data : response.data?.result ?? [];
}

export async function setSecretDescription(http: AmHttp, id: string, description: string): Promise<void> {
  await http.request({ method: 'POST', path: `/environment/secrets/${seg(id)}`, query: { _action: 'setDescription' }, body: { description }, apiVersion: API, family: FAMILY });
}

export async function deleteSecret(http: AmHttp, id: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `/environment/secrets/${seg(id)}`, apiVersion: API, family: FAMILY, accept: [404] });
}

export async function getStartup(http: AmHttp): Promise<{ restartStatus: string }> {
  const response = await http.request<{ restartStatus: string }>({ method: 'GET', path: '/environment/startup', apiVersion: API, family: FAMILY });
  return response.data;
}

export async function restart(http: AmHttp): Promise<{ restartStatus: string }> {
  const response = await http.request<{ restartStatus: string }>({ method: 'POST', path: '/environment/startup', query: { _action: 'restart' }, apiVersion: API, family: FAMILY });
  return response.data;
}
