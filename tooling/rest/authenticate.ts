/**
 * Logging in through a journey with X-OpenAM-Username / X-OpenAM-Password, and ending the session:
 * what the token modification script does with the policy-evaluator agent, done once by `plan` to
 * verify the agent's password (it cannot be read back). Accept-API-Version resource=2.0, protocol=1.0.
 */
import type { AmHttp } from './http.js';
import { realmPath } from './paths.js';

const FAMILY = 'authenticate';

/** The session token on success, undefined when the journey refuses the credentials (401). */
export async function authenticateWithJourney(http: AmHttp, realm: string, journey: string, username: string, password: string): Promise<string | undefined> {
  http.redactor.add(password);
  const response = await http.request<{ tokenId?: string }>({
    method: 'POST',
    path: `${realmPath(realm)}/authenticate`,
    query: { authIndexType: 'service', authIndexValue: journey },
    headers: { 'X-OpenAM-Username': username, 'X-OpenAM-Password': password },
    body: {},
    anonymous: true,
    readOnly: true,
    apiVersion: 'resource=2.0, protocol=1.0',
    family: FAMILY,
    accept: [401],
  });
  const token = response.status === 200 && typeof response.data?.tokenId === 'string' ? response.data.tokenId : undefined;
  if (token) http.redactor.add(token);
  return token;
}

export async function logout(http: AmHttp, realm: string, cookieName: string, token: string): Promise<void> {
  http.redactor.addSecretHeader(cookieName);
  await http.request({ method: 'POST', path: `${realmPath(realm)}/sessions`, query: { _action: 'logout' }, headers: { [cookieName]: token }, body: {}, anonymous: true, readOnly: true, apiVersion: 'resource=3.1, protocol=1.0', family: FAMILY, accept: [401] });
}

