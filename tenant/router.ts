/**
 * The local tenant's route table and matcher: the core's configuration routes first, then the
 * runtime engineer's `runtimeRoutes`. Owns matching only; handlers own semantics, server.ts transport.
 */
import { adminRoutes } from './api/admin.js';
import { agentRoutes } from './api/agents.js';
import { configRoutes } from './api/config.js';
import { esvRoutes } from './api/esv.js';
import { platformRoutes } from './api/platform.js';
import { policyAdminRoutes } from './api/policy-admin.js';
import { amError } from './http-util.js';
import { runtimeRoutes } from './runtime/routes.js';
import type { Route, TenantRequest, TenantResponse } from './types.js';

export const ROUTES: Route[] = [...adminRoutes, ...platformRoutes, ...configRoutes, ...agentRoutes, ...policyAdminRoutes, ...esvRoutes, ...runtimeRoutes];

export interface MatchedRoute {
  route: Route;
  params: Record<string, string>;
}

/** A path segment that is not valid percent-encoding: the servlet container refuses the request. */
class MalformedEscape extends Error {}

function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new MalformedEscape(value);
  }
}

/**
 * The route for a request, its decoded path parameters, or the error to answer: a malformed
 * percent-escape (`%E0%A4%A`, a stray `%`) is a 400 before any handler runs, as AM's container
 * answers — never a name with a literal '%' and never a 500.
 */
export function matchRoute(req: Pick<TenantRequest, 'method' | 'path'>, routes: Route[] = ROUTES): MatchedRoute | TenantResponse | undefined {
  for (const candidate of routes) {
    if (candidate.method !== req.method) continue;
    const match = candidate.pattern.exec(req.path);
    if (!match) continue;
    try {
      // A null-prototype object: a parameter named like an Object.prototype member is just a key.
      const params: Record<string, string> = Object.create(null);
      for (const [key, value] of Object.entries(match.groups ?? {})) params[key] = decodeParam(value);
      return { route: candidate, params };
    } catch (error) {
      if (error instanceof MalformedEscape) return amError(400, 'Bad Request: the request path is not valid percent-encoding');
      throw error;
    }
  }
  return undefined;
}

export const isMatchedRoute = (found: MatchedRoute | TenantResponse | undefined): found is MatchedRoute => !!found && 'route' in found;
