/** Server info: AM version (chooses the node API form) and the session cookie name. */
import type { AmHttp } from './http.js';

const FAMILY = 'server-info';

export async function getServerVersion(http: AmHttp): Promise<{ version: string }> {
  const response = await http.request<{ version: string }>({ method: 'GET', path: '/am/json/serverinfo/version', apiVersion: 'resource=1.0', family: FAMILY });
  return { version: String(response.data.version) };
}

export async function getServerInfo(http: AmHttp): Promise<{ cookieName: string }> {
  const response = await http.request<{ cookieName: string }>({ method: 'GET', path: '/am/json/serverinfo/*', apiVersion: 'resource=1.1', family: FAMILY });
  return { ...response.data, cookieName: String(response.data.cookieName) };
}
