/**
 * AIC's direct configuration session endpoints (frodo-lib EnvDirectConfigurationSessionApi.ts;
 * fr-config-manager update-direct-control.js): `PUT /environment/direct-configuration/session/init`,
 * `…/apply`, `…/abort`, `GET …/state`, each answering `{editable, status}`. Offered only by an
 * immutable local tenant started with the `directConfiguration` option (elsewhere: 404, as on a
 * tenant without the feature). A step out of order (apply without an initialised session, init
 * while one is open or a promotion lock is held) is a 409 naming the current status. Scope
 * `fr:idc:direct-configuration:session:*`. The session's states live in promotion/session.ts; the
 * writes it lets through are decided in promotion/guard.ts.
 */
import { adminBearer } from '../auth-guard.js';
import { amError, ok } from '../http-util.js';
import { activeLock, isImmutable } from '../promotion/group.js';
import { currentSession, sessionView, setSession } from '../promotion/session.js';
import { restoreStatic, snapshotStatic } from '../promotion/static-config.js';
import type { Handler, Route, TenantContext, TenantRequest, TenantResponse } from '../types.js';

export const DIRECT_CONFIGURATION_SCOPE = 'fr:idc:direct-configuration:session:*';

const conflict = (message: string): TenantResponse => ({ status: 409, body: { code: 409, message } });

function guarded(handler: (tenant: TenantContext) => TenantResponse): Handler {
  return (req: TenantRequest, _params, tenant) => {
    if (!tenant.options.directConfiguration || !isImmutable(tenant)) return amError(404, `Resource '${req.path}' not found`);
    const issued = adminBearer(req, tenant);
    if (!issued) return amError(401, 'Access Denied');
    if (!issued.scope.includes(DIRECT_CONFIGURATION_SCOPE)) return amError(403, `The token lacks the scope ${DIRECT_CONFIGURATION_SCOPE}`);
    return handler(tenant);
  };
}

const state = guarded((tenant) => ok(sessionView(currentSession(tenant))));

const init = guarded((tenant) => {
  const session = currentSession(tenant);
  if (session.status === 'SESSION_INITIALISING' || session.status === 'SESSION_INITIALISED' || session.status === 'SESSION_APPLYING') return conflict(`A direct configuration session is already open (${session.status})`);
  const lock = activeLock(tenant);
  if (lock) return conflict(`The environment is locked for promotion ${lock.promotionId}: a direct configuration session cannot start`);
  return ok(sessionView(setSession(tenant, { status: 'SESSION_INITIALISING', before: snapshotStatic(tenant.state) }, true)));
});

const apply = guarded((tenant) => {
  const session = currentSession(tenant);
  if (session.status !== 'SESSION_INITIALISED') return conflict(`No initialised direct configuration session to apply (status ${session.status})`);
  return ok(sessionView(setSession(tenant, { status: 'SESSION_APPLYING' }, true)));
});

const abort = guarded((tenant) => {
  const session = currentSession(tenant);
  if (session.status !== 'SESSION_INITIALISING' && session.status !== 'SESSION_INITIALISED') return conflict(`No open direct configuration session to abort (status ${session.status})`);
  if (session.before) restoreStatic(tenant.state, session.before);
  return ok(sessionView(setSession(tenant, { status: 'NO_SESSION' }, false)));
});

const re = (pattern: string) => new RegExp(`^/environment/direct-configuration/session${pattern}$`);
export const directConfigurationRoutes: Route[] = [
  { method: 'PUT', pattern: re('/init'), handle: init },
  { method: 'PUT', pattern: re('/apply'), handle: apply },
  { method: 'PUT', pattern: re('/abort'), handle: abort },
  { method: 'GET', pattern: re('/state'), handle: state },
];
