/**
 * Shared inputs of the Apigee tests: access configurations with `apigee` sections (no engine
 * import, so bundle and plan tests stay independent of the AIC deploy), a recording backend for
 * the provider proxies, and a front for the local tenant that adds what it lacks
 * (POST …/token/revoke) and can fail on demand (AIC 5xx).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessConfig } from '../../tooling/config/access.js';
import type { ApigeeSettings } from '../../tooling/apigee/settings.js';
import type { LocalTenant } from '../../tenant/server.js';

export const AIC = 'https://openam-example.forgeblocks.com';
export const USER_ID = 'd7a5c2b1-3e4f-4a6b-8c9d-0e1f2a3b4c5d';

/** The article's providers exposed through Apigee, plus a provider whose id and scopes use the grammar's unusual characters. */
export function apigeeAccess(): AccessConfig {
  return {
    consumers: { scopeDrivenAPI1Client: {}, scopeDrivenAPI2Client: {} },
    identityClaims: ['isMemberOf'],
    providers: {
      scopeDrivenAPI2Client: {
        scopes: {
          read: { grants: [{ client: 'scopeDrivenAPI1Client' }, { user: USER_ID, client: 'scopeDrivenAPI1Client' }] },
          write: { grants: [{ allOf: [{ client: 'scopeDrivenAPI1Client' }, { claim: 'isMemberOf', value: 'cn=api-writers,ou=groups,o=alpha' }] }] },
          admin: { grants: [] },
        },
        apigee: {
          basePath: '/api2',
          targetUrl: 'https://api2.internal.example/v1',
          routes: [
            { path: '/orders/**', methods: ['GET', 'HEAD'], scope: 'read' },
            { path: '/orders/**', methods: ['POST', 'PUT', 'DELETE'], scope: 'write' },
            { path: '/admin/**', scope: 'admin' },
          ],
        },
      },
      billingApi: {
        scopes: { read: { grants: [{ user: USER_ID }] } },
        apigee: { routes: [{ path: '/invoices/**', methods: ['GET'], scope: 'read' }] },
      },
      'orders~v1.eu': {
        scopes: { 'r:w': { grants: [{ client: 'scopeDrivenAPI2Client' }] }, 'a.b': { grants: [] } },
        apigee: { basePath: '/orders-eu', targetUrl: 'http://orders.internal.example:8080', routes: [{ path: '/*', scope: 'r:w' }] },
      },
      // Not exposed through Apigee: no apigee section.
      internalOnly: { scopes: { read: { grants: [{ client: 'scopeDrivenAPI1Client' }] } } },
    },
  };
}

export const PROVIDER_TARGET_URL = 'https://{provider}.backends.example';

export function settings(overrides: Partial<ApigeeSettings> = {}): ApigeeSettings {
  const value = { baseUrl: 'https://apigee.example.com', organization: 'acme', environment: 'prod', developer: 'apis@acme.example', tokenBasePath: '/aic-api-to-api/oauth2', providerTargetUrl: PROVIDER_TARGET_URL, expiryMarginSeconds: 30, keepRevisions: 3, ...overrides };
  Object.defineProperty(value, 'credentials', { value: { kind: 'token', token: 'unused' }, enumerable: false });
  return value as ApigeeSettings;
}

export interface Backend {
  url: string;
  port: number;
  received: { method: string; path: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** A provider's backend: answers 200 with what it received. */
export async function startBackend(): Promise<Backend> {
  const received: Backend['received'] = [];
  const server = http.createServer((req, res) => {
    received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ backend: 'ok', path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface AicFront {
  url: string;
  /** The next answers to access_token and revoke requests, instead of the tenant's (e.g. a 503), or a dropped connection. */
  failNext: ({ status: number; body: string; headers?: Record<string, string> } | 'drop')[];
  revoked: string[];
  close(): Promise<void>;
}

/**
 * Forwards to the local tenant. The local tenant has no POST …/token/revoke (tenant/ is another
 * engineer's): the front implements it as AM documents it (RFC 7009: the client authenticates and
 * may revoke only its own token; an unknown token is not an error) by removing the token from the
 * tenant's store, so introspection then says it is inactive.
 */
export async function startAicFront(tenant: LocalTenant, clientSecrets: Record<string, string>): Promise<AicFront> {
  const failNext: AicFront['failNext'] = [];
  const revoked: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const failure = failNext.shift();
      if (failure === 'drop') return void req.socket.destroy();
      if (failure) {
        res.writeHead(failure.status, { 'content-type': 'application/json', ...(failure.headers ?? {}) });
        return void res.end(failure.body);
      }
      const url = new URL(req.url ?? '/', 'http://front');
      if (req.method === 'POST' && /\/am\/oauth2\/realms\/root\/realms\/[^/]+\/token\/revoke$/.test(url.pathname)) {
        const form = new URLSearchParams(body);
        const clientId = form.get('client_id') ?? '';
        if (!clientSecrets[clientId] || clientSecrets[clientId] !== form.get('client_secret')) {
          res.writeHead(401, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ error: 'invalid_client', error_description: 'Client authentication failed' }));
        }
        const token = form.get('token') ?? '';
        const issued = tenant.context.runtime.tokens.get(token);
        if (issued && issued.clientId !== clientId) {
          res.writeHead(400, { 'content-type': 'application/json' });
          return void res.end(JSON.stringify({ error: 'invalid_request', error_description: 'The token was issued to another client' }));
        }
        if (issued) {
          tenant.context.runtime.tokens.delete(token);
          revoked.push(token);
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end('{}');
      }
      const answer = await fetch(`${tenant.url}${req.url}`, { method: req.method, headers: { 'content-type': String(req.headers['content-type'] ?? '') }, body: req.method === 'GET' ? undefined : body });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(await answer.text());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failNext,
    revoked,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
