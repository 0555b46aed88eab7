/** The runtime's routes: journeys and sessions, policy evaluation (with policy creation on the same action path), OAuth2. */
import type { Route } from '../types.js';
import { policyActionRoute } from '../api/policy-admin.js';
import { authenticationRoutes } from './authenticate.js';
import { evaluate } from './evaluate.js';
import { oauth2Routes } from './oauth2.js';

export const runtimeRoutes: Route[] = [...authenticationRoutes, policyActionRoute(evaluate), ...oauth2Routes];
