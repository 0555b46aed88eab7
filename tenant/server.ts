/**
 * The local tenant's HTTP server: in-process dispatch for scripts, injected latency and faults for
 * the hardening tests, the 5 MB body limit, request logging (method, path and status only — never
 * bodies or credentials), write observation and debounced persistence. Owns transport; router.ts
 * owns matching, handlers own semantics. In a promotion group (the `environment` option), every
 * request first settles a promotion whose time has come and passes the environment's refusals
 * (promotion/guard.ts: static writes in staging and production, writes while locked).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { amError } from './http-util.js';
import { loadState, saveState } from './state.js';
import { isMatchedRoute, matchRoute } from './router.js';
import { syncRootRedirects } from './root-realm.js';
import { environmentRefusal } from './promotion/guard.js';
import { settleJob } from './promotion/jobs.js';
import { registerLive } from './promotion/group.js';
import { DIRECT_CONFIGURATION_SCOPE } from './api/direct-configuration.js';
import { PROMOTION_SCOPE } from './api/promotion.js';
import type { JsonObject, RunningTenant, TenantContext, TenantLogLine, TenantOptions, TenantRequest, TenantResponse, TenantRuntime, TenantState } from './types.js';

export interface LocalTenantOptions extends TenantOptions {
  /** Seed of the fault PRNG, so a faulty run can be replayed. */
  faultSeed?: number;
}

export interface WriteEvent {
  method: string;
  path: string;
  status: number;
}

export interface LocalTenant extends RunningTenant {
  serviceAccount: { id: string; privateJwk: JsonObject };
  /** Called after every successful configuration write (hardening tests check invariants there). */
  onWrite(listener: (event: WriteEvent, context: TenantContext) => void): void;
}

const MAX_BODY = 5 * 1024 * 1024;

function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** Test hook LOCAL_TENANT_FAIL_PROMOTION_AFTER: a promotion fails after writing this many changes. */
function failAfterFromEnv(): number | undefined {
  const text = process.env.LOCAL_TENANT_FAIL_PROMOTION_AFTER;
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`LOCAL_TENANT_FAIL_PROMOTION_AFTER: expected a whole number of changes, got ${JSON.stringify(text)}`);
  return value;
}

function grantScopes(state: TenantState, scopes: string[]): void {
  for (const account of Object.values(state.serviceAccounts)) for (const scope of scopes) if (!account.scopes.includes(scope)) account.scopes.push(scope);
}

/** Debounced saves of the state folder (none without one); `flush` writes what is pending and waits. */
function persistence(stateDir: string | undefined, state: TenantState) {
  let timer: NodeJS.Timeout | undefined;
  let saving: Promise<void> = Promise.resolve();
  const persist = () => {
    if (!stateDir) return;
    saving = saving.then(() => saveState(stateDir, state)).catch(() => {});
  };
  return {
    schedule() {
      if (!stateDir || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        persist();
      }, 100);
    },
    async flush() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      persist();
      await saving;
    },
  };
}

function createContext(state: TenantState, options: TenantContext['options'], baseUrl: () => string, changed: () => void): TenantContext {
  const runtime: TenantRuntime = { sessions: new Map(), tokens: new Map(), codes: new Map(), assertionIds: new Map(), log: [], counters: { requests: 0, scriptHttpCalls: 0, tokensIssued: 0 } };
  const context: TenantContext = {
    state,
    runtime,
    options,
    baseUrl,
    dispatchSync(req) {
      const found = matchRoute(req);
      if (!found) return amError(404, `Resource '${req.path}' not found`);
      if (!isMatchedRoute(found)) return found;
      const result = found.route.handle(req, found.params, context);
      if (result instanceof Promise) throw new Error(`${req.method} ${req.path} cannot be called in-process`);
      return result;
    },
    log(line) {
      runtime.log.push({ time: new Date().toISOString(), ...line });
      if (runtime.log.length > 5000) runtime.log.splice(0, runtime.log.length - 5000);
    },
    changed,
  };
  return context;
}

async function handle(req: TenantRequest, context: TenantContext): Promise<TenantResponse> {
  const found = matchRoute(req);
  try {
    settleJob(context);
    const refused = environmentRefusal(req, context);
    if (refused) return refused;
    if (!found) return amError(404, `Resource '${req.path}' not found`);
    if (!isMatchedRoute(found)) return found;
    return await found.route.handle(req, found.params, context);
  } catch (error) {
    context.log({ source: 'tenant', level: 'error', text: `${req.method} ${req.path}: internal error: ${(error as Error).message}` });
    return amError(500, 'Internal Server Error');
  }
}

interface Faults {
  latencyMs: number;
  rate: number;
  random: () => number;
}

function faultsFrom(options: LocalTenantOptions): Faults {
  return {
    latencyMs: options.latencyMs ?? Number(process.env.LOCAL_TENANT_LATENCY_MS ?? 0),
    rate: options.faultRate ?? Number(process.env.LOCAL_TENANT_FAULT_RATE ?? 0),
    random: seeded(options.faultSeed ?? 42),
  };
}

/** Answers with an injected fault (true) or leaves the request alone. Faults come before any effect, so retrying is always safe. */
function injectFault(faults: Faults, incoming: http.IncomingMessage, outgoing: http.ServerResponse, path: string, context: TenantContext): boolean {
  if (faults.rate <= 0 || faults.random() >= faults.rate) return false;
  const kind = Math.floor(faults.random() * 3);
  context.log({ source: 'http', level: 'warning', text: `${incoming.method} ${path} -> injected ${['429', '503', 'dropped connection'][kind]}` });
  if (kind === 2) {
    incoming.socket.destroy();
    return true;
  }
  const response = kind === 0 ? amError(429, 'Too Many Requests') : amError(503, 'Service Unavailable');
  outgoing.writeHead(response.status, { 'content-type': 'application/json;charset=UTF-8', ...(kind === 0 ? { 'retry-after': '1' } : {}) });
  outgoing.end(JSON.stringify(response.body));
  return true;
}

function tenantRequest(incoming: http.IncomingMessage, url: URL, body: string): TenantRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value ?? '');
  return { method: incoming.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), rawQuery: url.search.slice(1), headers, body, origin: 'http' };
}

/** Configuration writes only: token, evaluate, logout and login requests change no configuration. */
const isConfigurationWrite = (req: TenantRequest, response: TenantResponse) =>
  req.method !== 'GET' && response.status < 300 && !req.path.includes('/oauth2/') && !req.query._action?.match(/^(evaluate|logout)$/) && !req.path.endsWith('/authenticate');

function writeResponse(outgoing: http.ServerResponse, response: TenantResponse): void {
  const isText = typeof response.body === 'string';
  outgoing.writeHead(response.status, { 'content-type': isText ? 'text/html;charset=UTF-8' : 'application/json;charset=UTF-8', ...(response.headers ?? {}) });
  outgoing.end(response.body === undefined ? '' : isText ? response.body : JSON.stringify(response.body));
}

type WriteListener = (event: WriteEvent, context: TenantContext) => void;

function requestListener(context: TenantContext, faults: Faults, listeners: WriteListener[]): http.RequestListener {
  return (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    incoming.on('end', async () => {
      context.runtime.counters.requests += 1;
      if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
      const url = new URL(incoming.url ?? '/', 'http://local');
      if (injectFault(faults, incoming, outgoing, url.pathname, context)) return;
      const req = tenantRequest(incoming, url, Buffer.concat(chunks).toString('utf8'));
      const response = size > MAX_BODY ? amError(413, 'Request entity too large') : await handle(req, context);
      context.log({ source: 'http', level: response.status >= 500 ? 'error' : 'info', text: `${req.method} ${req.path} -> ${response.status}` });
      if (isConfigurationWrite(req, response)) for (const listener of listeners) listener({ method: req.method, path: req.path, status: response.status }, context);
      writeResponse(outgoing, response);
    });
  };
}

export async function startTenant(options: LocalTenantOptions = {}): Promise<LocalTenant> {
  const { state, serviceAccount } = await loadState(options.stateDir, options.seedFile);
  if (options.amVersion) state.amVersion = options.amVersion;
  const environment = options.environment && { ...options.environment, failPromotionAfter: options.environment.failPromotionAfter ?? failAfterFromEnv() };
  // A group's service account may drive promotions (and sessions), as an AIC account granted those scopes.
  if (environment) grantScopes(state, [PROMOTION_SCOPE, ...(options.directConfiguration ? [DIRECT_CONFIGURATION_SCOPE] : [])]);
  const saves = persistence(options.stateDir, state);
  let baseUrl = '';
  const context = createContext(state, { putCreates: false, ...options, ...(environment ? { environment } : {}) }, () => baseUrl, saves.schedule);
  const listeners: WriteListener[] = [];
  const server = http.createServer(requestListener(context, faultsFrom(options), listeners));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${address.port}`;
  // The root realm's admin UI client redirects to this tenant's own URL, which is known only now.
  if (syncRootRedirects(state, baseUrl)) context.changed();
  // Its promotion peers in this process read it in memory rather than from its (debounced) folder.
  const forget = options.stateDir ? registerLive(options.stateDir, context) : () => {};

  return {
    url: baseUrl,
    port: address.port,
    context,
    serviceAccount,
    onWrite: (listener) => void listeners.push(listener),
    async close() {
      forget();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await saves.flush();
    },
  };
}

export type { TenantLogLine };
