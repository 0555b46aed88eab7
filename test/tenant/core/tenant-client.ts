/**
 * Test helper for the local tenant's core suites: start a tenant on a random port (optionally with
 * a temporary state folder), sign service-account assertions, and send requests. Removes the
 * temporary folders it creates.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair, importJWK, type JWK } from 'jose';
import { startTenant, type LocalTenant, type LocalTenantOptions } from '../../../tenant/server.js';
import type { JsonObject } from '../../../tenant/types.js';

export const REALM = '/am/json/realms/root/realms/alpha';
export const JSON_HEADERS = { 'content-type': 'application/json' };

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface AssertionOverrides {
  accountId?: string;
  audience?: string;
  /** Seconds from now; negative = already expired. */
  expiresIn?: number;
  /** Sign with another key than the account's. */
  wrongKey?: boolean;
  omitExp?: boolean;
  /** A given jti (to replay one), or null for none; default: a fresh uuid. */
  jti?: string | null;
}

/** The grant of a service-account login (RFC 7523). */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export class CoreTenant {
  private constructor(
    readonly tenant: LocalTenant,
    private readonly tempDirs: string[],
  ) {}

  static async start(options: LocalTenantOptions = {}): Promise<CoreTenant> {
    const tenant = await startTenant({ port: 0, restartSeconds: 0.1, ...options });
    return new CoreTenant(tenant, []);
  }

  /** A client for a tenant started elsewhere (closing it closes that tenant). */
  static attach(tenant: LocalTenant): CoreTenant {
    return new CoreTenant(tenant, []);
  }

  get url(): string {
    return this.tenant.url;
  }

  async assertion(overrides: AssertionOverrides = {}): Promise<string> {
    const key = overrides.wrongKey ? (await generateKeyPair('RS256')).privateKey : await importJWK(this.tenant.serviceAccount.privateJwk as JWK, 'RS256');
    const accountId = overrides.accountId ?? this.tenant.serviceAccount.id;
    const jwt = new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setIssuer(accountId).setSubject(accountId).setAudience(overrides.audience ?? `${this.url}/am/oauth2/access_token`).setIssuedAt();
    if (overrides.jti !== null) jwt.setJti(overrides.jti ?? randomUUID());
    if (!overrides.omitExp) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + (overrides.expiresIn ?? 120));
    return jwt.sign(key);
  }

  /** The token endpoint's raw answer for a service-account login. */
  async login(form: Record<string, string>): Promise<Answer> {
    return this.send('POST', '/am/oauth2/access_token', { body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  /** A service-account login with a fresh assertion (`overrides` bend it) and the full admin scope unless `form` says otherwise. */
  async loginWithAssertion(overrides: AssertionOverrides = {}, form: Record<string, string> = {}): Promise<Answer> {
    return this.login({ client_id: 'service-account', grant_type: JWT_BEARER_GRANT, assertion: await this.assertion(overrides), scope: 'fr:am:* fr:idc:esv:*', ...form });
  }

  async token(scope = 'fr:am:* fr:idc:esv:*'): Promise<string> {
    const answer = await this.loginWithAssertion({}, { scope });
    if (answer.status !== 200) throw new Error(`service-account login failed: ${answer.status} ${answer.text}`);
    return answer.body.access_token as string;
  }

  private adminToken?: string;

  /** A request with a full-scope admin token unless `token` says otherwise (null = none). */
  async call(method: string, requestPath: string, body?: unknown, options: { token?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> {
    const token = options.token === undefined ? (this.adminToken ??= await this.token()) : options.token;
    const headers: Record<string, string> = { ...JSON_HEADERS, ...(options.headers ?? {}) };
    if (token) headers.authorization = `Bearer ${token}`;
    return this.send(method, requestPath, { body: body === undefined ? undefined : JSON.stringify(body), headers });
  }

  async send(method: string, requestPath: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const response = await fetch(`${this.url}${requestPath}`, { method, body: init.body, headers: init.headers });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body, text };
  }

  get state() {
    return this.tenant.context.state;
  }

  /**
   * Restarts as a careful client must (AM-FACTS §4): the status is `ready` first, then the POST, then
   * wait until the status has left `ready` (a stale `ready` follows the POST) and come back to it.
   */
  async restart(pollMs = 5, timeoutMs = 10_000): Promise<void> {
    const api = { headers: { 'accept-api-version': 'protocol=1.0,resource=1.0' } };
    const started = Date.now();
    const status = async () => (await this.call('GET', '/environment/startup', undefined, api)).body.restartStatus as string;
    while ((await status()) !== 'ready') await sleep(pollMs);
    const posted = await this.call('POST', '/environment/startup?_action=restart', undefined, api);
    if (posted.status !== 200) throw new Error(`restart refused: ${posted.status} ${posted.text}`);
    let left = false;
    for (;;) {
      const now = await status();
      if (now !== 'ready') left = true;
      else if (left) return;
      if (Date.now() - started > timeoutMs) throw new Error(`restart: still ${now} after ${timeoutMs} ms`);
      await sleep(pollMs);
    }
  }

  async close(): Promise<void> {
    await this.tenant.close();
    for (const dir of this.tempDirs) await rm(dir, { recursive: true, force: true });
  }
}

export async function tempStateDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'local-tenant-core-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every string anywhere in a JSON value (to prove a secret is never returned). */
export function allStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(allStrings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(allStrings);
  return [];
}

export type { JsonObject };
