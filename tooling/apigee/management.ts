/**
 * Apigee's management REST API (apigee.googleapis.com/v1), the calls the Apigee deploy needs:
 * bundle revisions (list, import, read, deploy, undeploy, delete) for API proxies and shared flows,
 * API products, target servers, the developer, developer apps and their credentials. Owns: paths,
 * query parameters and payload shapes, nothing else — transport (retries, 401 re-login, masking) is
 * AmHttp's, decisions are plan.ts's.
 */
import type { AmHttp } from '../rest/http.js';

export type BundleKind = 'apis' | 'sharedflows';
const FAMILY = 'apigee';
/** Apigee X pages lists of products and apps; `startKey` repeats the last item of the page before. */
const PAGE = 1000;
const APP_PAGE = 100;

const enc = encodeURIComponent;
const org = (organization: string) => `/v1/organizations/${enc(organization)}`;
const entity = (organization: string, kind: BundleKind, name: string) => `${org(organization)}/${kind}/${enc(name)}`;
const developerPath = (organization: string, developer: string) => `${org(organization)}/developers/${enc(developer)}`;
const appPath = (organization: string, developer: string, name: string) => `${developerPath(organization, developer)}/apps/${enc(name)}`;
const envPath = (organization: string, environment: string) => `${org(organization)}/environments/${enc(environment)}`;

export interface Attribute {
  name: string;
  value: string;
}

export interface BundleSummary {
  name: string;
  revision?: string[];
}

export interface BundleRevision {
  name?: string;
  revision: string;
  description?: string;
}

export interface Deployment {
  environment: string;
  revision: string;
}

export interface AppCredential {
  consumerKey: string;
  status?: string;
  apiProducts?: { apiproduct: string; status?: string }[];
}

export interface DeveloperApp {
  name: string;
  appId?: string;
  status?: string;
  credentials?: AppCredential[];
  attributes?: Attribute[];
}

export interface Operation {
  resource: string;
  methods?: string[];
}

export interface ApiProduct {
  name: string;
  displayName?: string;
  description?: string;
  approvalType?: string;
  environments?: string[];
  scopes?: string[];
  attributes?: Attribute[];
  operationGroup?: { operationConfigType?: string; operationConfigs?: { apiSource: string; operations?: Operation[] }[] };
}

export interface TargetServer {
  name: string;
  description?: string;
  host: string;
  port: number;
  isEnabled?: boolean;
  protocol?: string;
  sSLInfo?: { enabled?: boolean; enforce?: boolean; ignoreValidationErrors?: boolean };
}

export interface Developer {
  email: string;
  firstName?: string;
  lastName?: string;
  userName?: string;
  attributes?: Attribute[];
}

// --- bundles ------------------------------------------------------------------------------------

/** Every proxy (or shared flow) of the organization with its revision numbers. */
export async function listBundles(http: AmHttp, organization: string, kind: BundleKind): Promise<BundleSummary[]> {
  const response = await http.request<{ proxies?: BundleSummary[]; sharedFlows?: BundleSummary[] }>({ method: 'GET', path: `${org(organization)}/${kind}`, query: { includeRevisions: 'true' }, family: FAMILY });
  return (kind === 'apis' ? response.data?.proxies : response.data?.sharedFlows) ?? [];
}

export async function getRevision(http: AmHttp, organization: string, kind: BundleKind, name: string, revision: string): Promise<BundleRevision> {
  const response = await http.request<BundleRevision>({ method: 'GET', path: `${entity(organization, kind, name)}/revisions/${enc(revision)}`, family: FAMILY });
  return response.data;
}

/** Where the proxy (or shared flow) is deployed, in every environment of the organization. */
export async function getDeployments(http: AmHttp, organization: string, kind: BundleKind, name: string): Promise<Deployment[]> {
  const response = await http.request<{ deployments?: { environment?: string; revision?: string }[] }>({ method: 'GET', path: `${entity(organization, kind, name)}/deployments`, family: FAMILY, accept: [404] });
  if (response.status === 404) return [];
  return (response.data?.deployments ?? []).map((d) => ({ environment: String(d.environment ?? ''), revision: String(d.revision ?? '') })).filter((d) => d.environment && d.revision);
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
  await http.request({ method: 'POST', path: `${envPath(organization, environment)}/${kind}/${enc(name)}/revisions/${enc(revision)}/deployments`, query: { override: 'true' }, family: FAMILY });
}

export async function undeployRevision(http: AmHttp, organization: string, environment: string, kind: BundleKind, name: string, revision: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `${envPath(organization, environment)}/${kind}/${enc(name)}/revisions/${enc(revision)}/deployments`, family: FAMILY, accept: [404] });
}

export async function deleteRevision(http: AmHttp, organization: string, kind: BundleKind, name: string, revision: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `${entity(organization, kind, name)}/revisions/${enc(revision)}`, family: FAMILY, accept: [404] });
}

export async function deleteBundle(http: AmHttp, organization: string, kind: BundleKind, name: string): Promise<void> {
  await http.request({ method: 'DELETE', path: entity(organization, kind, name), family: FAMILY, accept: [404] });
}

// --- products -----------------------------------------------------------------------------------

export async function listProducts(http: AmHttp, organization: string): Promise<ApiProduct[]> {
  const all = new Map<string, ApiProduct>();
  let startKey: string | undefined;
  for (;;) {
    const query: Record<string, string> = { expand: 'true', count: String(PAGE) };
    if (startKey) query.startKey = startKey;
    const response = await http.request<{ apiProduct?: ApiProduct[] }>({ method: 'GET', path: `${org(organization)}/apiproducts`, query, family: FAMILY });
    const page = response.data?.apiProduct ?? [];
    const before = all.size;
    for (const product of page) all.set(product.name, product);
    if (page.length < PAGE || all.size === before) break;
    startKey = page[page.length - 1].name;
  }
  return [...all.values()];
}

export async function createProduct(http: AmHttp, organization: string, product: ApiProduct): Promise<void> {
  await http.request({ method: 'POST', path: `${org(organization)}/apiproducts`, body: product, family: FAMILY });
}

/** PUT replaces the whole product: the tool owns every field of the products it manages. */
export async function updateProduct(http: AmHttp, organization: string, product: ApiProduct): Promise<void> {
  await http.request({ method: 'PUT', path: `${org(organization)}/apiproducts/${enc(product.name)}`, body: product, family: FAMILY });
}

export async function deleteProduct(http: AmHttp, organization: string, name: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `${org(organization)}/apiproducts/${enc(name)}`, family: FAMILY, accept: [404] });
}

// --- target servers -----------------------------------------------------------------------------

export async function listTargetServers(http: AmHttp, organization: string, environment: string): Promise<string[]> {
  const response = await http.request<string[]>({ method: 'GET', path: `${envPath(organization, environment)}/targetservers`, family: FAMILY });
  return Array.isArray(response.data) ? response.data.map(String) : [];
}

export async function getTargetServer(http: AmHttp, organization: string, environment: string, name: string): Promise<TargetServer | undefined> {
  const response = await http.request<TargetServer>({ method: 'GET', path: `${envPath(organization, environment)}/targetservers/${enc(name)}`, family: FAMILY, accept: [404] });
  return response.status === 404 ? undefined : response.data;
}

export async function createTargetServer(http: AmHttp, organization: string, environment: string, server: TargetServer): Promise<void> {
  await http.request({ method: 'POST', path: `${envPath(organization, environment)}/targetservers`, query: { name: server.name }, body: server, family: FAMILY });
}

export async function updateTargetServer(http: AmHttp, organization: string, environment: string, server: TargetServer): Promise<void> {
  await http.request({ method: 'PUT', path: `${envPath(organization, environment)}/targetservers/${enc(server.name)}`, body: server, family: FAMILY });
}

export async function deleteTargetServer(http: AmHttp, organization: string, environment: string, name: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `${envPath(organization, environment)}/targetservers/${enc(name)}`, family: FAMILY, accept: [404] });
}

// --- developer, apps, credentials ---------------------------------------------------------------

export async function getDeveloper(http: AmHttp, organization: string, developer: string): Promise<Developer | undefined> {
  const response = await http.request<Developer>({ method: 'GET', path: developerPath(organization, developer), family: FAMILY, accept: [404] });
  return response.status === 404 ? undefined : response.data;
}

export async function createDeveloper(http: AmHttp, organization: string, developer: Developer): Promise<void> {
  await http.request({ method: 'POST', path: `${org(organization)}/developers`, body: developer, family: FAMILY });
}

/** The developer's apps with their credentials (expand=true). */
export async function listDeveloperApps(http: AmHttp, organization: string, developer: string): Promise<DeveloperApp[]> {
  const all = new Map<string, DeveloperApp>();
  let startKey: string | undefined;
  for (;;) {
    const query: Record<string, string> = { expand: 'true', count: String(APP_PAGE) };
    if (startKey) query.startKey = startKey;
    const response = await http.request<{ app?: DeveloperApp[] }>({ method: 'GET', path: `${developerPath(organization, developer)}/apps`, query, family: FAMILY, accept: [404] });
    if (response.status === 404) return [];
    const page = response.data?.app ?? [];
    const before = all.size;
    for (const app of page) all.set(app.name, app);
    if (page.length < APP_PAGE || all.size === before) break;
    startKey = page[page.length - 1].name;
  }
  return [...all.values()];
}

export async function createDeveloperApp(http: AmHttp, organization: string, developer: string, body: { name: string; attributes: Attribute[] }): Promise<DeveloperApp> {
  const response = await http.request<DeveloperApp>({ method: 'POST', path: `${developerPath(organization, developer)}/apps`, body, family: FAMILY });
  return response.data;
}

export async function deleteDeveloperApp(http: AmHttp, organization: string, developer: string, name: string): Promise<void> {
  await http.request({ method: 'DELETE', path: appPath(organization, developer, name), family: FAMILY, accept: [404] });
}

/** Creates a credential with a given key (Apigee X: POST …/keys); `'exists'` when the key is taken in the organization. */
export async function createCredential(http: AmHttp, organization: string, developer: string, appName: string, consumerKey: string, consumerSecret: string): Promise<'created' | 'exists'> {
  const response = await http.request({ method: 'POST', path: `${appPath(organization, developer, appName)}/keys`, body: { consumerKey, consumerSecret }, family: FAMILY, accept: [409] });
  return response.status === 409 ? 'exists' : 'created';
}

/** UpdateDeveloperAppKey: adds the products to the credential (existing ones stay). */
export async function addProductsToCredential(http: AmHttp, organization: string, developer: string, appName: string, consumerKey: string, products: string[]): Promise<void> {
  await http.request({ method: 'POST', path: `${appPath(organization, developer, appName)}/keys/${enc(consumerKey)}`, body: { apiProducts: products }, family: FAMILY });
}

export async function removeProductFromCredential(http: AmHttp, organization: string, developer: string, appName: string, consumerKey: string, product: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `${appPath(organization, developer, appName)}/keys/${enc(consumerKey)}/apiproducts/${enc(product)}`, family: FAMILY, accept: [404] });
}

export async function deleteCredential(http: AmHttp, organization: string, developer: string, appName: string, consumerKey: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `${appPath(organization, developer, appName)}/keys/${enc(consumerKey)}`, family: FAMILY, accept: [404] });
}
