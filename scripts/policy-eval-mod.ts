/**
 * OAuth2 Access Token Modification script (context OAUTH2_ACCESS_TOKEN_MODIFICATION, legacy engine).
 * Thin layer: reads bindings and ESVs, makes the agent login, ONE policy evaluation and the logout
 * through httpClient, and narrows the token. All decisions live in lib/.
 *
 * Fail closed: on any error the token keeps only its plain scopes, gets no aud and policyResult
 * false, and exactly one logger.error line says what failed (never a secret, token or credential).
 * Nothing is thrown out of the script: an exception would fail the token request with HTTP 500.
 */
import { splitTokenScopes } from './lib/scope-grammar';
import { authenticateRequest, claimsFromAttributes, evaluateRequest, identityClaimNames, logoutRequest, serverInfoRequest, tenantBaseUrl, type HttpRequestSpec } from './lib/policy-request';
import { grantedScopes, readCookieName, readSsoToken } from './lib/policy-decision';
import { arrayToSet, jsString, setToArray } from './lib/java';

const ESV_TENANT = 'esv.tenant.env.fqdn';
const ESV_COOKIE = 'esv.cookie';
const ESV_AGENT_ID = 'esv.policy.gateway.id';
const ESV_AGENT_SECRET = 'esv.policy.gateway.secret';
const ESV_IDENTITY_CLAIMS = 'esv.policy.identity.claims';
const ESV_AGENT_JOURNEY = 'esv.policy.agent.journey';
const DEFAULT_AGENT_JOURNEY = 'AgentLogin';
const LOG_PREFIX = '[policy-eval-mod] ';

interface Answer {
  status: number;
  body: string;
}

function send(spec: HttpRequestSpec): Answer {
  const request = new org.forgerock.http.protocol.Request();
  request.setMethod(spec.method);
  request.setUri(spec.url);
  for (let i = 0; i < spec.headers.length; i++) request.getHeaders().add(spec.headers[i].name, spec.headers[i].value);
  request.getEntity().setString(spec.body);
  const response = httpClient.send(request).get();
  return { status: Number(response.getStatus().getCode()), body: jsString(response.getEntity().getString()) };
}

function esv(name: string): string | null {
  const value = systemEnv.getProperty(name);
  return value === null || value === undefined ? null : String(value);
}

function requiredEsv(name: string): string {
  const value = esv(name);
  if (!value) throw failure('ESV ' + name.replace(/\./g, '-') + ' is not set');
  return value;
}

interface Failure {
  failure: string;
}
function failure(message: string): Failure {
  return { failure: message };
}

function attributeValues(name: string): string[] {
  if (!identity) return [];
  return setToArray(identity.getAttribute(name));
}

function describe(error: unknown, step: string, secrets: (string | null)[]): string {
  let text: string;
  if (error && typeof error === 'object' && typeof (error as Failure).failure === 'string') text = (error as Failure).failure;
  else text = step + ': unexpected error: ' + String(error && (error as { message?: unknown }).message ? (error as { message: unknown }).message : error);
  for (let i = 0; i < secrets.length; i++) {
    const secret = secrets[i];
    if (secret) text = text.split(secret).join('***');
  }
  return text;
}

export function modifyAccessToken(): void {
  const split = splitTokenScopes(setToArray(accessToken.getScope()));
  if (split.audience.length === 0 && split.malformed.length === 0) return; // not an API-to-API token: leave it as AM made it

  let step = 'reading the token';
  let agentSecret: string | null = null;
  let ssoToken: string | null = null;
  let baseUrl = '';
  let cookieName = '';
  const realmName = jsString(realm);
  try {
    if (split.malformed.length > 0) throw failure('the token carries a malformed audience scope');
    if (split.providers.length !== 1) throw failure('the token names scopes of ' + split.providers.length + ' providers; one audience per token');
    const provider = split.providers[0];

    step = 'reading ESVs';
    baseUrl = tenantBaseUrl(requiredEsv(ESV_TENANT));
    cookieName = requiredEsv(ESV_COOKIE);
    const agentId = requiredEsv(ESV_AGENT_ID);
    agentSecret = requiredEsv(ESV_AGENT_SECRET);
    const journey = esv(ESV_AGENT_JOURNEY) || DEFAULT_AGENT_JOURNEY;

    step = 'authenticating the policy-evaluator agent';
    const login = send(authenticateRequest(baseUrl, realmName, journey, agentId, agentSecret));
    const token = readSsoToken(login.status, login.body);
    if (!token.ok || !token.value) throw failure(token.error || 'agent authentication failed');
    ssoToken = token.value;

    step = 'evaluating policies';
    const answer = send(
      evaluateRequest({
        baseUrl: baseUrl,
        realm: realmName,
        cookieName: cookieName,
        ssoToken: ssoToken,
        provider: provider,
        resources: split.audience.map((scope) => scope.raw),
        agentId: agentId,
        resourceOwnerId: jsString(accessToken.getResourceOwnerId()),
        clientId: jsString(accessToken.getClientId()),
        identityClaims: claimsFromAttributes(identityClaimNames(esv(ESV_IDENTITY_CLAIMS)), attributeValues),
      }),
    );
    const decision = grantedScopes(answer.status, answer.body, split.audience);
    if (!decision.ok || !decision.value) throw failure(decision.error || 'policy evaluation failed');

    step = 'narrowing the token';
    const granted = decision.value;
    accessToken.setScope(arrayToSet(split.plain.concat(granted)));
    if (granted.length > 0) accessToken.setField('aud', provider);
    accessToken.setField('policyResult', granted.length > 0);
  } catch (error) {
    failClosed(split.plain, describe(error, step, [agentSecret, ssoToken]));
  } finally {
    if (ssoToken) logout(baseUrl, realmName, cookieName, ssoToken);
  }
}

function failClosed(plainScopes: string[], reason: string): void {
  try {
    accessToken.setScope(arrayToSet(plainScopes));
    accessToken.setField('policyResult', false);
  } finally {
    logger.error(LOG_PREFIX + 'failed closed, no audience scope granted: ' + reason);
  }
}

/**
 * One agent session per token, ended here so that none is left behind. When the logout with the
 * esv-cookie name fails (a wrong ESV also fails the evaluation, closed), the tenant's own cookie name
 * is asked for once and the logout repeated with it.
 */
function logout(baseUrl: string, realmName: string, cookieName: string, ssoToken: string): void {
  try {
    const answer = send(logoutRequest(baseUrl, realmName, cookieName, ssoToken));
    if (answer.status === 200) return;
    const info = send(serverInfoRequest(baseUrl));
    const configured = readCookieName(info.status, info.body);
    if (!configured.ok || !configured.value || configured.value === cookieName) {
      logger.warning(LOG_PREFIX + 'agent session logout answered HTTP ' + answer.status);
      return;
    }
    const retried = send(logoutRequest(baseUrl, realmName, configured.value, ssoToken));
    logger.warning(LOG_PREFIX + 'esv-cookie does not name the tenant\'s session cookie; the agent session was ended with the tenant\'s own cookie name' + (retried.status === 200 ? '' : ', which answered HTTP ' + retried.status));
  } catch (error) {
    logger.warning(LOG_PREFIX + 'agent session logout failed');
  }
}

modifyAccessToken();
