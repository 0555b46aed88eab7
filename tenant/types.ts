/**
 * Shapes shared by every part of the local tenant: the request/response a handler sees, the route
 * table, and the persisted state. Owns no behaviour.
 */

import type { JsonObject, JsonValue } from '../common/json.js';

export type { JsonObject, JsonValue };
// The environment and promotion shapes live beside their behaviour; every part of the tenant imports them from here.
export type * from './promotion/types.js';
import type { EnvironmentOptions, LockRecord, PromotionState } from './promotion/types.js';

export interface TenantRequest {
  method: string;
  /** Path without the query string, e.g. /am/json/realms/root/realms/alpha/scripts/abc */
  path: string;
  /** Decoded query parameters (last one wins; `rawQuery` keeps them all, so repeated ones can be refused). */
  query: Record<string, string>;
  /** The query string as sent, without '?' (HTTP requests only; '' or absent when none). */
  rawQuery?: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** Raw body text ('' when none). */
  body: string;
  /** Source of the request: 'http' from the server, 'script' from a script's in-process httpClient. */
  origin: 'http' | 'script';
}

export interface TenantResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects and arrays are sent as JSON; strings as they are (with their content-type header). */
  body?: JsonValue | string;
}

/** Synchronous handlers can be called in-process by scripts; async ones only over HTTP. */
export type Handler = (
  req: TenantRequest,
  params: Record<string, string>,
  tenant: TenantContext,
) => TenantResponse | Promise<TenantResponse>;

export interface Route {
  method: string;
  /** Path pattern with named groups, e.g. /^\/am\/json\/realms\/root\/realms\/(?<realm>[^/]+)\/scripts\/(?<id>[^/]+)$/ */
  pattern: RegExp;
  handle: Handler;
}

export interface TenantLogLine {
  time: string;
  source: 'http' | 'script' | 'tenant';
  level: 'info' | 'message' | 'warning' | 'error';
  text: string;
}

/** What handlers can reach. */
export interface TenantContext {
  state: TenantState;
  runtime: TenantRuntime;
  options: TenantOptions;
  /** The base URL the tenant listens on, e.g. http://127.0.0.1:8780 */
  baseUrl(): string;
  /** Call the router in-process (scripts' httpClient). Throws if the handler is async. */
  dispatchSync(req: TenantRequest): TenantResponse;
  log(line: Omit<TenantLogLine, 'time'>): void;
  /** Marks state dirty; persisted soon after (debounced) and on close. */
  changed(): void;
}

export interface TenantOptions {
  /** Folder holding state.json and the generated service-account key; undefined = memory only. */
  stateDir?: string;
  /** Seed used when the state folder is empty. */
  seedFile?: string;
  port?: number;
  host?: string;
  /** AM version reported by serverinfo/version: >= 8.1 means the versioned node API. */
  amVersion?: string;
  /** Milliseconds of latency added to every HTTP request. */
  latencyMs?: number;
  /** Fraction (0..1) of HTTP requests answered with an injected fault (429 Retry-After: 1, 503, dropped connection). */
  faultRate?: number;
  /** Seconds a restart takes before /environment/startup answers ready (and pending ESV values load). */
  restartSeconds?: number;
  /**
   * Seconds after a restart POST during which GET /environment/startup still answers the stale
   * `ready` AIC has been seen to answer (AM-FACTS §4). Default: a quarter of restartSeconds, at most 5.
   */
  restartStaleSeconds?: number;
  /** PUT to a missing resource type or policy set creates it (201) instead of answering 404 (no recorded tenant does; policies always create on PUT, as recorded). */
  putCreates?: boolean;
  /** 'node' (vm sandbox through amkit) or 'rhino' (real engine through rhino/). */
  engine?: 'node' | 'rhino';
  /**
   * This tenant's place in a local promotion group (development → staging → production). Absent:
   * a standalone mutable development tenant, exactly as before.
   */
  environment?: EnvironmentOptions;
  /**
   * Offer AIC's direct configuration session (immutable environments only). Off by default: not
   * every tenant offers it, and without it static configuration arrives only by promotion.
   */
  directConfiguration?: boolean;
}

export interface EsvVariableState {
  _id: string;
  valueBase64: string;
  description: string;
  expressionType: string;
  lastChangeDate: string;
  loaded: boolean;
  /**
   * The value scripts see: the one loaded by the last completed restart (absent = never loaded).
   * States saved before this field existed: `loaded` true means valueBase64 is the loaded value.
   */
  loadedValueBase64?: string;
}

export interface EsvSecretState {
  _id: string;
  description: string;
  encoding: string;
  useInPlaceholders: boolean;
  lastChangeDate: string;
  loaded: boolean;
  activeVersion: string;
  loadedVersion: string;
  versions: { version: string; valueBase64: string; createDate: string; status: 'ENABLED' | 'DISABLED'; loaded: boolean }[];
}

export interface ServiceAccountState {
  id: string;
  name: string;
  /** Public JWK the JWT bearer assertion is checked against. */
  publicJwk: JsonObject;
  scopes: string[];
  /** The IDM managed object fields GET /openidm/managed/svcacct/<id> shows (name, description, accountStatus, …). */
  description?: string;
  accountStatus?: string;
}

export interface UserState {
  _id: string;
  username: string;
  password: string;
  /** Identity attributes as AM exposes them (multi-valued). */
  attributes: Record<string, string[]>;
}

export interface RealmState {
  /** Realm services by service id (e.g. `oauth-oidc`), as AM's realm-config/services reads them. */
  services?: Record<string, JsonObject>;
  /** by _id */
  scripts: Record<string, JsonObject>;
  /** by tree name */
  trees: Record<string, JsonObject>;
  /** by node uuid */
  nodes: Record<string, { type: string; version?: string; body: JsonObject }>;
  /** by client id; stored in AM's wrapped group form; coreOAuth2ClientConfig.userpassword holds the secret in clear (local only, never returned) */
  oauth2Clients: Record<string, JsonObject>;
  /** by agent id; userpassword kept in clear (local only, never returned) */
  igAgents: Record<string, JsonObject>;
  /** by uuid */
  resourceTypes: Record<string, JsonObject>;
  /** by name */
  policySets: Record<string, JsonObject>;
  /** by name */
  policies: Record<string, JsonObject>;
  /** by _id */
  users: Record<string, UserState>;
  /** Saved OAuth2 consent: user _id → client id → scopes (absent in states saved before consent existed). */
  consents?: Record<string, Record<string, string[]>>;
}

export interface TenantState {
  amVersion: string;
  cookieName: string;
  /** By realm name; the key '' is the root realm (AM's realm "/": tenant administrators, the admin UI's client). */
  realms: Record<string, RealmState>;
  /** What GET /environment/info answers (the tier and promotion facts of this environment). */
  environmentInfo?: JsonObject;
  esv: {
    variables: Record<string, EsvVariableState>;
    secrets: Record<string, EsvSecretState>;
    restartStatus: 'ready' | 'restarting';
    /** epoch ms when a running restart completes */
    restartReadyAt?: number;
    /** epoch ms until which GET /environment/startup still answers the stale `ready` */
    restartStaleUntil?: number;
  };
  serviceAccounts: Record<string, ServiceAccountState>;
  /** The OpenID Connect provider's ID-token signing key (RS256), made at first use; private: only in state.json (0600), never in the seed or a response. */
  oidcSigningKey?: { kid: string; privateJwk: JsonObject; publicJwk: JsonObject };
  /** Promotions run here (upper environments) and the direct configuration session. */
  promotion?: PromotionState;
}

export interface SessionState {
  tokenId: string;
  realm: string;
  /** 'agent' | 'user' */
  kind: 'agent' | 'user';
  /** agent id or user _id */
  principal: string;
  createdAt: number;
  expiresAt: number;
}

export interface IssuedToken {
  token: string;
  kind: 'access' | 'refresh' | 'service-account';
  realm: string;
  clientId: string;
  resourceOwnerId: string;
  grantType: string;
  scope: string[];
  /** Extra fields set by the token modification script (aud, policyResult, …). */
  fields: Record<string, JsonValue>;
  expiresAt: number;
  authGrantId: string;
}

/** Runtime-only data (not persisted). */
export interface TenantRuntime {
  sessions: Map<string, SessionState>;
  tokens: Map<string, IssuedToken>;
  /** authorization codes */
  codes: Map<string, { code: string; realm: string; clientId: string; redirectUri: string; userId: string; scope: string[]; expiresAt: number; codeChallenge?: string; codeChallengeMethod?: string; nonce?: string; authTime?: number }>;
  /** `jti` of every service-account assertion accepted, until it expires: an assertion is single use. */
  assertionIds: Map<string, number>;
  log: TenantLogLine[];
  /** Counters the benchmark reads. */
  counters: { requests: number; scriptHttpCalls: number; tokensIssued: number };
  /** The promotion lock this tenant holds as an upper environment, when it has no state folder. */
  promotionLock?: LockRecord;
}

export interface RunningTenant {
  url: string;
  port: number;
  context: TenantContext;
  close(): Promise<void>;
}
