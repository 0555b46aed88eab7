/**
 * AIC's direct configuration session (`/environment/direct-configuration/session`), for tenants
 * that offer it: static configuration written in an immutable environment between `init` (wait
 * for SESSION_INITIALISED) and `apply` (wait for SESSION_APPLIED), each write carrying
 * `X-Configuration-Type: mutable`. Paths and the `{editable, status}` answer from frodo-lib
 * EnvDirectConfigurationSessionApi.ts (which pins protocol=1.0,resource=1.0); the header and the
 * SESSION_APPLIED / ERROR statuses from fr-config-manager update-direct-control.js. Not in Ping's
 * public documentation (AM-FACTS §5). Scope fr:idc:direct-configuration:session:*.
 * Owns: the calls and the header; when to open and close a session is the engine's.
 */
import type { AmHttp, AmRequest, AmResponse } from './http.js';

const FAMILY = 'direct-configuration';
const API = 'protocol=1.0,resource=1.0';
const BASE = '/environment/direct-configuration/session';

export const DIRECT_CONFIGURATION_SCOPE = 'fr:idc:direct-configuration:session:*';

/** The header that marks a static-configuration write as part of the open session. */
export const MUTABLE_CONFIGURATION_HEADER = { 'X-Configuration-Type': 'mutable' } as const;

export type SessionStatus = 'NO_SESSION' | 'SESSION_INITIALISING' | 'SESSION_INITIALISED' | 'SESSION_APPLYING' | 'SESSION_APPLIED' | 'ERROR' | (string & {});

export interface SessionState {
  /** True while static configuration may be written (SESSION_INITIALISED). */
  editable: boolean;
  status: SessionStatus;
}

async function put(http: AmHttp, step: 'init' | 'apply' | 'abort'): Promise<SessionState> {
  const response = await http.request<SessionState>({ method: 'PUT', path: `${BASE}/${step}`, apiVersion: API, family: FAMILY });
  return response.data;
}

/** Opens a session (SESSION_INITIALISING, which takes minutes on AIC); 409 when one is open. */
export const initSession = (http: AmHttp) => put(http, 'init');

/** Applies the session's writes (SESSION_APPLYING, then SESSION_APPLIED). */
export const applySession = (http: AmHttp) => put(http, 'apply');

/** Ends an open session without applying it. */
export const abortSession = (http: AmHttp) => put(http, 'abort');

export async function getSessionState(http: AmHttp): Promise<SessionState> {
  const response = await http.request<SessionState>({ method: 'GET', path: `${BASE}/state`, apiVersion: API, family: FAMILY });
  return response.data;
}

/**
 * The same client (limiter, retries, credentials, counters), every request carrying
 * `X-Configuration-Type: mutable`: what the writes of an open session go through.
 */
export function mutableConfigurationHttp(http: AmHttp): AmHttp {
  const mutable = Object.create(http) as AmHttp;
  mutable.request = <T>(req: AmRequest): Promise<AmResponse<T>> => http.request<T>({ ...req, headers: { ...(req.headers ?? {}), ...MUTABLE_CONFIGURATION_HEADER } });
  return mutable;
}
