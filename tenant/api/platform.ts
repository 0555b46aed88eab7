/**
 * What common AIC clients read to find out where they are, before anything is deployed:
 * - `GET /environment/info` — the environment's tier and whether its static configuration is
 *   immutable or locked for promotion (frodo-lib EnvInfoApi; shape from frodo-lib's
 *   EnvInfoInterface and frodo's Go port; values from the seed: a development tenant);
 * - `GET /openidm/managed/svcacct/<id>` — a service account as IDM's managed object (shape of the
 *   recorded frodo-lib ServiceAccountOps "Create service account" answer: `jwks` holds the public
 *   key only — the private key never reaches the tenant);
 * - `GET /am/json/global-config/realms?_queryFilter=true` — the realms (recorded frodo-lib RealmOps
 *   "Export Realms": alpha and bravo, `_id` = base64 of the realm path; AIC lists no root realm);
 * - `GET …/realm-config/services/oauth-oidc` — the realm's OAuth2 provider (recorded frodo-lib
 *   OAuth2ClientOps export; held in the seed). The root realm's realm-config is not available on
 *   AIC: `403 "This operation is not available in PingOne Advanced Identity Cloud."` (recorded).
 * Read-only. In a local promotion group (the `environment` option) the environment info answers
 * for the tenant's tier (environment-info.ts), and the promotion and direct configuration routes
 * are served from here too.
 */
import { requireAdmin } from '../auth-guard.js';
import { amError, ok, own, realmOf, revision } from '../http-util.js';
import { listAnswer } from '../query.js';
import { ROOT_REALM } from '../root-realm.js';
import type { Handler, JsonObject, Route } from '../types.js';
import { environmentInfoFor } from '../promotion/environment-info.js';
import { directConfigurationRoutes } from './direct-configuration.js';
import { promotionRoutes } from './promotion.js';

const guarded =
  (handler: Handler): Handler =>
  (req, params, tenant) =>
    requireAdmin(req, tenant) ?? handler(req, params, tenant);

const environmentInfo = guarded((_req, _params, tenant) => {
  if (tenant.options.environment) return ok(environmentInfoFor(tenant));
  return tenant.state.environmentInfo ? ok(tenant.state.environmentInfo) : amError(404, "Resource '/environment/info' not found");
});

const serviceAccount = guarded((_req, { id }, tenant) => {
  const account = own(tenant.state.serviceAccounts, id);
  // IDM's answer for a missing managed object.
  if (!account) return amError(404, `Object managed/svcacct/${id} not found`);
  const body: JsonObject = { _id: account.id, accountStatus: account.accountStatus ?? 'Active', name: account.name, description: account.description ?? '', scopes: account.scopes, jwks: JSON.stringify({ keys: [account.publicJwk] }), maxCachingTime: '15', maxIdleTime: '15', maxSessionTime: '15', quotaLimit: '5' };
  return ok({ ...body, _rev: revision(body) });
});

const realms = guarded((req, _params, tenant) => {
  const rows = Object.keys(tenant.state.realms)
    .filter((name) => name !== ROOT_REALM)
    .sort()
    .map((name) => {
      const row: JsonObject = { _id: Buffer.from(`/${name}`, 'utf8').toString('base64').replace(/=+$/, ''), parentPath: '/', active: true, name, aliases: [] };
      return { ...row, _rev: revision(row) };
    });
  return listAnswer(req, rows);
});

const NOT_IN_AIC = 'This operation is not available in PingOne Advanced Identity Cloud.';
const realmService = guarded((_req, { realm: realmName, service }, tenant) => {
  const realm = realmOf(tenant, realmName);
  if (!realm) return amError(404, `Realm '${realmName}' not found`);
  const stored = own(realm.services, service);
  return stored ? ok({ ...stored, _rev: revision(stored) }) : amError(404, 'Not Found');
});
const rootRealmService = guarded(() => amError(403, NOT_IN_AIC));

export const platformRoutes: Route[] = [
  { method: 'GET', pattern: /^\/environment\/info$/, handle: environmentInfo },
  { method: 'GET', pattern: /^\/openidm\/managed\/svcacct\/(?<id>[^/]+)$/, handle: serviceAccount },
  { method: 'GET', pattern: /^\/am\/json\/global-config\/realms\/?$/, handle: realms },
  { method: 'GET', pattern: /^\/am\/json\/realms\/root\/realms\/(?<realm>[^/]+)\/realm-config\/services\/(?<service>[^/]+)$/, handle: realmService },
  { method: 'GET', pattern: /^\/am\/json\/realms\/root\/realm-config\/services\/(?<service>[^/]+)$/, handle: rootRealmService },
  ...promotionRoutes,
  ...directConfigurationRoutes,
];
