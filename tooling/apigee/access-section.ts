/**
 * The optional `apigee` section of a provider in the access file: how the generated provider proxy
 * exposes the provider (base path, backend URL, routes and the scope each route needs). Owns: the
 * section's type and its validation (pure; problems as path + message, the access-file validator
 * adds the file). Knows nothing of bundles or the management API.
 */

export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

export interface ApigeeRoute {
  /** An Apigee MatchesPath pattern on the path below the base path: `/items`, `/items/*`, `/items/**`. */
  path: string;
  /** Methods this route takes; absent = every method. */
  methods?: RouteMethod[];
  /** The provider's scope a request on this route needs (unqualified, as in `scopes`). */
  scope: string;
}

export interface ProviderApigeeConfig {
  /** Base path of the generated provider proxy; default `/<provider>`. */
  basePath?: string;
  /** Backend the proxy forwards to (scheme, host, optional port and path); default from APIGEE_PROVIDER_TARGET_URL. */
  targetUrl?: string;
  /** In order: the first route whose path and method match decides; a request no route matches is refused (404). */
  routes: ApigeeRoute[];
}

export interface SectionProblem {
  path: string;
  message: string;
}

export const APIGEE_LIMITS = { routes: 200, pathLength: 256, basePathLength: 200 };
const KEYS = ['basePath', 'targetUrl', 'routes'];
const ROUTE_KEYS = ['path', 'methods', 'scope'];
const BASE_PATH = /^(\/[A-Za-z0-9._~-]+)+$/;
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

const typeName = (value: unknown) =>
  value === undefined ? 'nothing' : value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `${typeof value} ${String(JSON.stringify(value)).slice(0, 60)}`;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `/`-separated segments of letters, digits, `. _ ~ -`, or `*` (one segment); `**` (any depth) last only. */
export function routePathProblem(path: string): string | undefined {
  const expected = 'expected a path such as /items, /items/* or /items/** (segments of A-Z a-z 0-9 . _ ~ -, * for one segment, ** as the last segment)';
  if (path.length > APIGEE_LIMITS.pathLength) return `${path.length} characters; at most ${APIGEE_LIMITS.pathLength}`;
  if (!path.startsWith('/') || path === '/') return `${expected}, got ${JSON.stringify(path)}`;
  const segments = path.slice(1).split('/');
  for (const [index, segment] of segments.entries()) {
    if (segment === '**' && index === segments.length - 1) continue;
    if (segment === '*' || (SEGMENT.test(segment) && !/^\.+$/.test(segment))) continue;
    return `${expected}, got ${JSON.stringify(path)}`;
  }
  return undefined;
}

/** An absolute http(s) URL without credentials, query or fragment. */
export function targetUrlProblem(value: string): string | undefined {
  const expected = 'expected an absolute https:// (or http://) URL with no user name, password, query or fragment';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not echoed: an unparsable URL may still hold a password.
    return `${expected}, got something that is not a URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${expected}, got scheme ${url.protocol}`;
  // Never echo the URL here: a user name or password in it would end up in the error.
  if (url.username || url.password) return `${expected}: credentials in the URL would be stored in Apigee in clear`;
  if (url.search || url.hash || value.includes('?') || value.includes('#')) return `${expected}, got a query or fragment`;
  if (!url.hostname) return `${expected}, got no host`;
  return undefined;
}

type Add = (path: string, message: string) => void;

/** One route's keys, path, scope and methods; returns the methods it names (for the duplicate check). */
function checkRoute(route: Record<string, unknown>, routeAt: string, scopeNames: string[], add: Add): string[] {
  for (const key of Object.keys(route)) if (!ROUTE_KEYS.includes(key)) add(`${routeAt}.${key}`, `unknown key; allowed keys here: ${ROUTE_KEYS.join(', ')}`);
  if (typeof route.path !== 'string') add(`${routeAt}.path`, `expected a path string, got ${typeName(route.path)}`);
  else {
    const problem = routePathProblem(route.path);
    if (problem) add(`${routeAt}.path`, problem);
  }
  if (typeof route.scope !== 'string') add(`${routeAt}.scope`, `expected the name of one of this provider's scopes, got ${typeName(route.scope)}`);
  else if (!scopeNames.includes(route.scope)) add(`${routeAt}.scope`, `unknown scope ${JSON.stringify(route.scope)}: expected one of this provider's scopes (${scopeNames.slice(0, 10).join(', ') || 'none declared'})`);
  if (!('methods' in route)) return [];
  const list = route.methods;
  if (!Array.isArray(list) || list.length === 0) {
    add(`${routeAt}.methods`, `expected a non-empty array of ${ROUTE_METHODS.join(', ')}, got ${typeName(list)}`);
    return [];
  }
  list.forEach((method, m) => {
    if (typeof method !== 'string' || !(ROUTE_METHODS as readonly string[]).includes(method)) add(`${routeAt}.methods[${m}]`, `expected one of ${ROUTE_METHODS.join(', ')}, got ${typeName(method)}`);
  });
  if (new Set(list).size !== list.length) add(`${routeAt}.methods`, 'lists a method twice');
  return list.filter((m): m is string => typeof m === 'string');
}

export function checkProviderApigee(raw: unknown, at: string, scopeNames: string[]): SectionProblem[] {
  const problems: SectionProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (!isObject(raw)) return [{ path: at, message: `expected an object, got ${typeName(raw)}` }];
  for (const key of Object.keys(raw)) if (!KEYS.includes(key)) add(`${at}.${key}`, `unknown key; allowed keys here: ${KEYS.join(', ')}`);
  if ('basePath' in raw) {
    const basePath = raw.basePath;
    if (typeof basePath !== 'string' || !BASE_PATH.test(basePath) || basePath.length > APIGEE_LIMITS.basePathLength) {
      add(`${at}.basePath`, `expected a base path such as /orders (segments of A-Z a-z 0-9 . _ ~ -, at most ${APIGEE_LIMITS.basePathLength} characters), got ${typeName(basePath)}`);
    }
  }
  if ('targetUrl' in raw) {
    if (typeof raw.targetUrl !== 'string') add(`${at}.targetUrl`, `expected a URL string, got ${typeName(raw.targetUrl)}`);
    else {
      const problem = targetUrlProblem(raw.targetUrl);
      if (problem) add(`${at}.targetUrl`, problem);
    }
  }
  if (!('routes' in raw)) {
    add(at, 'missing "routes": the generated proxy needs at least one route naming the scope it requires');
    return problems;
  }
  const routes = raw.routes;
  if (!Array.isArray(routes) || routes.length === 0) {
    add(`${at}.routes`, `expected a non-empty array of routes, got ${typeName(routes)}`);
    return problems;
  }
  if (routes.length > APIGEE_LIMITS.routes) {
    add(`${at}.routes`, `${routes.length} routes; at most ${APIGEE_LIMITS.routes}`);
    return problems;
  }
  const seen = new Map<string, number>();
  routes.forEach((route, index) => {
    const routeAt = `${at}.routes[${index}]`;
    if (!isObject(route)) {
      add(routeAt, `expected an object with path, scope and optional methods, got ${typeName(route)}`);
      return;
    }
    const methods = checkRoute(route, routeAt, scopeNames, add);
    // Apigee runs the first conditional flow that matches: an identical later route never runs.
    const key = `${String(route.path)} ${[...methods].sort().join(',')}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) add(routeAt, `same path and methods as routes[${earlier}], so it would never be reached`);
    else seen.set(key, index);
  });
  return problems;
}
