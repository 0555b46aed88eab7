/**
 * Apigee's management REST API (apigee.googleapis.com/v1), the calls the Apigee deploy needs:
 * bundle revisions (import, read, deploy) for API proxies and shared flows, and developer apps and
 * their credentials. Owns: paths, query parameters and payload shapes, nothing else — transport
 * (retries, 401 re-login, masking) is AmHttp's.
 */
import type { AmHttp } from '../rest/http.js';

export type BundleKind = 'apis' | 'sharedflows';
const FAMILY = 'apigee';

function org(organization: string): string {
  return `/v1/organizations/${encodeURIComponent(organization)}`;
}

function entity(organization: string, kind: BundleKind, name: string): string {
  return `${org(organization)}/${kind}/${encodeURIComponent(name)}`;
}

export interface BundleEntity {
  name: string;
  revision: string[];
  latestRevisionId?: string;
}

export interface BundleRevision {
  name?: string;
  revision: string;
  description?: string;
}

export interface AppCredential {
  consumerKey: string;
  status?: string;
  apiProducts?: { apiproduct: string; status?: string }[];
}

export interface DeveloperApp {
  name: string;
  appId?: string;
  credentials?: AppCredential[];
  attributes?: { name: string; value: string }[];
}

/** The proxy or shared flow, or undefined when it was never imported. */
export async function getBundleEntity(http: AmHttp, organization: string, kind: BundleKind, name: string): Promise<BundleEntity | undefined> {
  const response = await http.request<BundleEntity>({ method: 'GET', path: entity(organization, kind, name), family: FAMILY, accept: [404] });
  return response.status === 404 ? undefined : response.data;
}

export async function getRevision(http: AmHttp, organization: string, kind: BundleKind, name: string, revision: string): Promise<BundleRevision> {
  const response = await http.request<BundleRevision>({ method: 'GET', path: `${entity(organization, kind, name)}/revisions/${encodeURIComponent(revision)}`, family: FAMILY });
  return response.data;
}

/** Revisions deployed in the environment (several while a new one rolls out), newest first. */
export async function getDeployedRevisions(http: AmHttp, organization: string, environment: string, kind: BundleKind, name: string): Promise<string[]> {
  const path = `${org(organization)}/environments/${encodeURIComponent(environment)}/${kind}/${encodeURIComponent(name)}/deployments`;
  const response = await http.request<{ deployments?: { revision?: string }[] }>({ method: 'GET', path, family: FAMILY, accept: [404] });
  if (response.status === 404) return [];
  const revisions = (response.data?.deployments ?? []).map((d) => String(d.revision ?? '')).filter(Boolean);
  return [...new Set(revisions)].sort((a, b) => Number(b) - Number(a));
}

/** Uploads the zipped bundle as a new revision (multipart, field "file") and returns its number. */
export async function importBundle(http: AmHttp, organization: string, kind: BundleKind, name: string, zip: Buffer): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([zip], { type: 'application/zip' }), `${name}.zip`);
  // The platform encodes the multipart body and chooses the boundary.
  const encoded = new Request('http://multipart.invalid/', { method: 'POST', body: form });
  const raw = { contentType: encoded.headers.get('content-type')!, data: Buffer.from(await encoded.arrayBuffer()) };
  const response = await http.request<BundleRevision>({ method: 'POST', path: `${org(organization)}/${kind}`, query: { action: 'import', name }, raw, family: FAMILY });
  const revision = String(response.data?.revision ?? '');
  if (!/^\d+$/.test(revision)) throw new Error(`apigee import of ${name}: the answer names no revision`);
  return revision;
}

/** Deploys a revision, replacing the one deployed (override: no downtime between them). */
export async function deployRevision(http: AmHttp, organization: string, environment: string, kind: BundleKind, name: string, revision: string): Promise<void> {
  const path = `${org(organization)}/environments/${encodeURIComponent(environment)}/${kind}/${encodeURIComponent(name)}/revisions/${encodeURIComponent(revision)}/deployments`;
  await http.request({ method: 'POST', path, query: { override: 'true' }, family: FAMILY });
}

function app(organization: string, developer: string, name: string): string {
  return `${org(organization)}/developers/${encodeURIComponent(developer)}/apps/${encodeURIComponent(name)}`;
}

export async function getDeveloperApp(http: AmHttp, organization: string, developer: string, name: string): Promise<DeveloperApp | undefined> {
  const response = await http.request<DeveloperApp>({ method: 'GET', path: app(organization, developer, name), family: FAMILY, accept: [404] });
  return response.status === 404 ? undefined : response.data;
}

export async function createDeveloperApp(http: AmHttp, organization: string, developer: string, body: { name: string; attributes: { name: string; value: string }[] }): Promise<DeveloperApp> {
  const response = await http.request<DeveloperApp>({ method: 'POST', path: `${org(organization)}/developers/${encodeURIComponent(developer)}/apps`, body, family: FAMILY });
  return response.data;
}

/** Imports a credential with a given key; `'exists'` when the key is already taken in the organization. */
export async function createCredential(http: AmHttp, organization: string, developer: string, appName: string, consumerKey: string, consumerSecret: string): Promise<'created' | 'exists'> {
  const response = await http.request({ method: 'POST', path: `${app(organization, developer, appName)}/keys/create`, body: { consumerKey, consumerSecret }, family: FAMILY, accept: [409] });
  return response.status === 409 ? 'exists' : 'created';
}

export async function addProductToCredential(http: AmHttp, organization: string, developer: string, appName: string, consumerKey: string, product: string): Promise<void> {
  await http.request({ method: 'POST', path: `${app(organization, developer, appName)}/keys/${encodeURIComponent(consumerKey)}`, body: { apiProducts: [product] }, family: FAMILY });
}

export async function deleteCredential(http: AmHttp, organization: string, developer: string, appName: string, consumerKey: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `${app(organization, developer, appName)}/keys/${encodeURIComponent(consumerKey)}`, family: FAMILY, accept: [404] });
}
