/**
 * What an environment refuses before any handler runs:
 * - a write of static configuration (AM-FACTS §5: scripts, journeys — trees and nodes —, the OAuth2
 *   provider service, themes, email templates) in staging or production: AIC's 403 "This
 *   configuration is editable only in your development environment: this environment is
 *   immutable." — unless it carries `X-Configuration-Type: mutable` inside an initialised direct
 *   configuration session. Dynamic configuration (clients, agents, policy engine objects, ESVs) is
 *   written as anywhere else;
 * - while a promotion lock holds the environment (as the upper or the lower one): ESV writes and
 *   restarts (AM-FACTS §5: locking blocks the ESV API in both environments), and static writes
 *   (the lower one is the promotion's source; AIC locks configuration changes — the exact answer is
 *   not recorded, so a 409 naming the lock, as for a restart in progress).
 * Credentials are checked first, so an anonymous write still gets its 401.
 * Reads, and every write of a tenant outside a promotion group, pass untouched.
 */
import { requireAdmin } from '../auth-guard.js';
import { amError } from '../http-util.js';
import type { TenantContext, TenantRequest, TenantResponse } from '../types.js';
import { activeLock, isImmutable } from './group.js';
import { currentSession } from './session.js';

export const IMMUTABLE_MESSAGE = 'This configuration is editable only in your development environment: this environment is immutable.';

const REALM = '^/am/json/realms/root(?:/realms/[^/]+)*';
const STATIC_PATHS = [
  new RegExp(`${REALM}/scripts(?:/|$)`),
  new RegExp(`${REALM}/realm-config/authentication/authenticationtrees/(?:trees|nodes)(?:/|$)`),
  new RegExp(`${REALM}/realm-config/services/oauth-oidc(?:/|$)`),
  /^\/openidm\/config\/ui\/themerealm(?:\/|$)/,
  /^\/openidm\/config\/emailTemplate\//,
];
const ESV_PATHS = /^\/environment\/(?:variables|secrets|startup)(?:\/|$)/;
/** POST actions that only read. */
const READ_ACTIONS = new Set(['validate', 'query', 'evaluate']);

function isWrite(req: TenantRequest): boolean {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return false;
  if (req.method === 'POST' && (req.query._queryFilter !== undefined || READ_ACTIONS.has(req.query._action ?? ''))) return false;
  return true;
}

export const isStaticWrite = (req: TenantRequest) => isWrite(req) && STATIC_PATHS.some((pattern) => pattern.test(req.path));

const lockedMessage = (what: string, promotionId: string) => `The environment is locked for promotion ${promotionId}: ${what} are refused until the environments are unlocked`;

/** The response refusing this request, or null to let it through. */
export function environmentRefusal(req: TenantRequest, tenant: TenantContext): TenantResponse | null {
  const staticWrite = isStaticWrite(req);
  const esvWrite = isWrite(req) && ESV_PATHS.test(req.path);
  if (!staticWrite && !esvWrite) return null;
  const lock = activeLock(tenant);
  const immutable = staticWrite && isImmutable(tenant);
  if (!lock && !immutable) return null;
  const denied = requireAdmin(req, tenant);
  if (denied) return denied;
  if (lock) return amError(409, lockedMessage(staticWrite ? 'configuration changes' : 'ESV changes and restarts', lock.promotionId));
  const mutable = (req.headers['x-configuration-type'] ?? '').toLowerCase() === 'mutable';
  if (mutable && tenant.options.directConfiguration && currentSession(tenant).status === 'SESSION_INITIALISED') return null;
  return amError(403, IMMUTABLE_MESSAGE);
}
