/**
 * The local tenant's route table and matcher: the core's configuration routes first, then the
 * runtime engineer's `runtimeRoutes`. Owns matching only; handlers own semantics, server.ts transport.
 */
import { adminRoutes } from './api/admin.js';
import { agentRoutes } from './api/agents.js';
import { configRoutes } from './api/config.js';
import { esvRoutes } from './api/esv.js';
import { policyAdminRoutes } from './api/policy-admin.js';
import { runtimeRoutes } from './runtime/routes.js';
import type { Route, TenantRequest } from './types.js';

export const ROUTES: Route[] = [...adminRoutes, ...configRoutes, ...agentRoutes, ...policyAdminRoutes, ...esvRoutes, ...runtimeRoutes];

export interface MatchedRoute {
  route: Route;
  params: Record<string, string>;
}

function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a stray '%' is part of the name, not an escape
  }
}

export function matchRoute(req: Pick<TenantRequest, 'method' | 'path'>, routes: Route[] = ROUTES): MatchedRoute | undefined {
  for (const candidate of routes) {
    if (candidate.method !== req.method) continue;
    const match = candidate.pattern.exec(req.path);
    if (match) return { route: candidate, params: Object.fromEntries(Object.entries(match.groups ?? {}).map(([key, value]) => [key, decodeParam(value)])) };
  }
  return undefined;
}
