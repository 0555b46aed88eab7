/**
 * Journeys: trees and their nodes. Nodes use the versioned form nodes/{type}/{version}/{id}
 * (resource=3.0, AM >= 8.1) when a version is given, else the legacy form (resource=1.0).
 */
import type { AmHttp } from './http.js';
import { realmPath, seg, stripForPut } from './paths.js';

const FAMILY = 'journeys';
const TREE_API = 'protocol=2.1,resource=1.0';
const base = (realm: string) => `${realmPath(realm)}/realm-config/authentication/authenticationtrees`;

/** The node API form a tenant needs: AM >= 8.1 (AIC today) addresses nodes by type version. */
export function nodeVersionFor(nodeVersion: string | undefined, amVersion: string): string | undefined {
  const [major, minor] = amVersion.split(/[.-]/).map((part) => Number.parseInt(part, 10));
  const versioned = major > 8 || (major === 8 && (minor || 0) >= 1);
  return versioned ? nodeVersion ?? '1.0' : undefined;
}

function nodePath(realm: string, type: string, id: string, version?: string): { path: string; apiVersion: string } {
  return version
    ? { path: `${base(realm)}/nodes/${seg(type)}/${seg(version)}/${seg(id)}`, apiVersion: 'protocol=2.1,resource=3.0' }
    : { path: `${base(realm)}/nodes/${seg(type)}/${seg(id)}`, apiVersion: 'protocol=2.1,resource=1.0' };
}

export async function getTree(http: AmHttp, realm: string, name: string): Promise<Record<string, unknown> | null> {
  const response = await http.request<Record<string, unknown>>({ method: 'GET', path: `${base(realm)}/trees/${seg(name)}`, apiVersion: TREE_API, family: FAMILY, accept: [404] });
  return response.status === 404 ? null : response.data;
}

export async function putTree(http: AmHttp, realm: string, name: string, body: Record<string, unknown>): Promise<void> {
  await http.request({ method: 'PUT', path: `${base(realm)}/trees/${seg(name)}`, body: stripForPut(body), apiVersion: TREE_API, family: FAMILY });
}

export async function deleteTree(http: AmHttp, realm: string, name: string): Promise<void> {
  await http.request({ method: 'DELETE', path: `${base(realm)}/trees/${seg(name)}`, apiVersion: TREE_API, family: FAMILY, accept: [404] });
}

export async function getNode(http: AmHttp, realm: string, type: string, id: string, version?: string): Promise<Record<string, unknown> | null> {
  const response = await http.request<Record<string, unknown>>({ method: 'GET', ...nodePath(realm, type, id, version), family: FAMILY, accept: [404] });
  return response.status === 404 ? null : response.data;
}

export async function putNode(http: AmHttp, realm: string, type: string, id: string, body: Record<string, unknown>, version?: string): Promise<void> {
  await http.request({ method: 'PUT', ...nodePath(realm, type, id, version), body: stripForPut(body), family: FAMILY });
}

export async function deleteNode(http: AmHttp, realm: string, type: string, id: string, version?: string): Promise<void> {
  await http.request({ method: 'DELETE', ...nodePath(realm, type, id, version), family: FAMILY, accept: [404] });
}
