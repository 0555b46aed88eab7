/**
 * Builds the HTTP requests the token modification script makes: agent login through the
 * AgentLogin journey, ONE policy evaluation for all requested scopes, and the agent's logout.
 * Pure: returns plain descriptions; the binding layer turns them into AM Request objects.
 * Bodies are always built with JSON.stringify, never by concatenation, so no scope or user id can
 * inject into the policy request.
 */

export interface HttpRequestSpec {
  method: 'POST' | 'GET';
  url: string;
  headers: { name: string; value: string }[];
  body: string;
}

/** `esv-tenant-env-fqdn`: a host name (https assumed, as in the article) or a base URL with scheme. */
export function tenantBaseUrl(fqdnOrUrl: string): string {
  const value = fqdnOrUrl.trim().replace(/\/+$/, '');
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) return value;
  return 'https://' + value;
}

function realmSegments(realm: string): string[] {
  return realm.split('/').filter((segment) => segment.length > 0);
}

/** AM's long realm path: "/alpha" -> /am/json/realms/root/realms/alpha; "/" -> /am/json/realms/root. */
export function realmJsonPath(realm: string): string {
  return '/am/json/realms/root' + realmSegments(realm).map((segment) => '/realms/' + encodeURIComponent(segment)).join('');
}

/** The agent's universal id: id=<agent>,ou=agent,o=<leaf realm>,...,o=<top realm>,ou=services,ou=am-config. */
export function agentDn(agentId: string, realm: string): string {
  const realmPart = realmSegments(realm)
    .reverse()
    .map((segment) => 'o=' + segment + ',')
    .join('');
  return 'id=' + agentId + ',ou=agent,' + realmPart + 'ou=services,ou=am-config';
}

export function authenticateRequest(baseUrl: string, realm: string, journey: string, agentId: string, agentSecret: string): HttpRequestSpec {
  return {
    method: 'POST',
    url: baseUrl + realmJsonPath(realm) + '/authenticate?authIndexType=service&authIndexValue=' + encodeURIComponent(journey),
    headers: [
      { name: 'Content-Type', value: 'application/json' },
      { name: 'Accept-API-Version', value: 'resource=2.0, protocol=1.0' },
      { name: 'X-OpenAM-Username', value: agentId },
      { name: 'X-OpenAM-Password', value: agentSecret },
    ],
    body: '{}',
  };
}

export interface EvaluateInput {
  baseUrl: string;
  realm: string;
  cookieName: string;
  ssoToken: string;
  provider: string;
  /** Full audience scopes, e.g. api://orders/read */
  resources: string[];
  agentId: string;
  resourceOwnerId: string;
  clientId: string;
  /** Identity attributes copied into the claims (attribute name -> value(s)). */
  identityClaims: Record<string, string | string[]>;
}

/**
 * The claims subject of an evaluation: the identity attributes, then `sub` (the JWT principal AM
 * requires), `subject` (the resource owner) and `client`, which policies match on.
 */
export function evaluationClaims(sub: string, resourceOwnerId: string, clientId: string, identityClaims: Record<string, string | string[]>): Record<string, string | string[]> {
  const claims: Record<string, string | string[]> = {};
  // Identity attributes first, so they can never overwrite the three claims policies rely on.
  for (const name of Object.keys(identityClaims)) claims[name] = identityClaims[name];
  claims.sub = sub;
  claims.subject = resourceOwnerId;
  claims.client = clientId;
  return claims;
}

export function evaluateRequest(input: EvaluateInput): HttpRequestSpec {
  const claims = evaluationClaims(agentDn(input.agentId, input.realm), input.resourceOwnerId, input.clientId, input.identityClaims);
  return {
    method: 'POST',
    url: input.baseUrl + realmJsonPath(input.realm) + '/policies?_action=evaluate',
    headers: [
      { name: 'Content-Type', value: 'application/json' },
      { name: 'Accept-API-Version', value: 'protocol=1.0,resource=2.1' },
      { name: input.cookieName, value: input.ssoToken },
    ],
    body: JSON.stringify({ resources: input.resources, application: input.provider, subject: { claims: claims } }),
  };
}

export function logoutRequest(baseUrl: string, realm: string, cookieName: string, ssoToken: string): HttpRequestSpec {
  return {
    method: 'POST',
    url: baseUrl + realmJsonPath(realm) + '/sessions?_action=logout',
    headers: [
      { name: 'Content-Type', value: 'application/json' },
      { name: 'Accept-API-Version', value: 'resource=3.1, protocol=1.0' },
      { name: cookieName, value: ssoToken },
    ],
    body: '{}',
  };
}

/**
 * The tenant's own server information (anonymous), which names its session cookie: asked only when a
 * logout with the esv-cookie name fails, so that a wrong ESV never leaves the agent's session behind.
 */
export function serverInfoRequest(baseUrl: string): HttpRequestSpec {
  return {
    method: 'GET',
    url: baseUrl + '/am/json/serverinfo/*',
    headers: [{ name: 'Accept-API-Version', value: 'resource=1.1' }],
    body: '',
  };
}

/** `esv-policy-identity-claims`: comma-separated attribute names; absent or empty means none. */
export function identityClaimNames(esvValue: string | null | undefined): string[] {
  if (!esvValue) return [];
  const names: string[] = [];
  const parts = esvValue.split(',');
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i].trim();
    if (name && names.indexOf(name) < 0 && ['sub', 'subject', 'client'].indexOf(name) < 0) names.push(name);
  }
  return names;
}

/** One value -> a string claim; several -> an array; none -> omitted. */
export function claimsFromAttributes(names: string[], valuesOf: (name: string) => string[]): Record<string, string | string[]> {
  const claims: Record<string, string | string[]> = {};
  for (let i = 0; i < names.length; i++) {
    const values = valuesOf(names[i]);
    if (values.length === 1) claims[names[i]] = values[0];
    else if (values.length > 1) claims[names[i]] = values;
  }
  return claims;
}
