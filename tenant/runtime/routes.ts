/**
 * The runtime's route table: journeys and sessions, policy evaluation (sharing POST …/policies with
 * the core's create action), OAuth2 (with the ID-token signing key at connect/jwk_uri); and the root realm's administrator login and /authorize
 * (AM's realm "/", which clients address without a realm path).
 */
import { policyActionRoute } from '../api/policy-admin.js';
import type { Handler, Route } from '../types.js';
import { authenticate, rootAuthenticate } from './authenticate.js';
import { authorize } from './authorize.js';
import { evaluate } from './evaluate.js';
import { jwkUri } from './id-token.js';
import { introspect } from './introspect.js';
import { sessionsAction } from './sessions.js';
import { accessToken } from './token-endpoint.js';

const AM = '^/am/json/realms/root/realms/(?<realm>[^/]+)';
const OAUTH2 = '^/am/oauth2/realms/root/realms/(?<realm>[^/]+)';
/** The root realm's key in state ('') for handlers written for `params.realm`. */
const atRoot = (handler: Handler): Handler => (req, _params, tenant) => handler(req, { realm: '' }, tenant);

export const runtimeRoutes: Route[] = [
  { method: 'POST', pattern: /^\/am\/json\/realms\/root\/authenticate$/, handle: rootAuthenticate },
  { method: 'GET', pattern: /^\/am\/oauth2\/authorize$/, handle: atRoot(authorize) },
  { method: 'POST', pattern: /^\/am\/oauth2\/authorize$/, handle: atRoot(authorize) },
  { method: 'POST', pattern: new RegExp(`${AM}/authenticate$`), handle: authenticate },
  { method: 'POST', pattern: new RegExp(`${AM}/sessions/?$`), handle: sessionsAction },
  policyActionRoute(evaluate),
  { method: 'POST', pattern: new RegExp(`${OAUTH2}/access_token$`), handle: accessToken },
  { method: 'GET', pattern: new RegExp(`${OAUTH2}/authorize$`), handle: authorize },
  { method: 'POST', pattern: new RegExp(`${OAUTH2}/authorize$`), handle: authorize },
  { method: 'POST', pattern: new RegExp(`${OAUTH2}/introspect$`), handle: introspect },
  { method: 'GET', pattern: new RegExp(`${OAUTH2}/connect/jwk_uri$`), handle: jwkUri },
];
