/**
 * Credentials for the deploy tool: a service account (JWT bearer grant, RS256 assertion signed with
 * jose) whose access token is reused until shortly before it expires, or a bearer token given as is.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { AmHttp, type AuthProvider } from './http.js';

export const SERVICE_ACCOUNT_SCOPE = 'fr:am:* fr:idc:esv:*';
const REFRESH_MARGIN_SECONDS = 60;

export interface ServiceAccountOptions {
  /** <baseUrl>/am/oauth2/access_token */
  tokenUrl: string;
  accountId: string;
  jwk: JWK | Record<string, unknown>;
  scope?: string;
  now?: () => number;
  /** Called with every token obtained (to register it as a secret). */
  onToken?: (token: string) => void;
}

export function serviceAccountAuth(options: ServiceAccountOptions): AuthProvider {
  const now = options.now ?? Date.now;
  const url = new URL(options.tokenUrl);
  const login = new AmHttp({ baseUrl: url.origin, auth: { header: async () => '', invalidate: () => {} }, concurrency: 1 });
  let cached: { token: string; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function obtain(): Promise<string> {
    const key = await importJWK(options.jwk as JWK, 'RS256');
    const issuedAt = Math.floor(now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(options.accountId)
      .setSubject(options.accountId)
      .setAudience(options.tokenUrl)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 180)
      .setJti(randomUUID())
      .sign(key);
    const response = await login.request<{ access_token?: string; expires_in?: number; error?: string; error_description?: string }>({
      method: 'POST',
      path: url.pathname,
      family: 'service-account',
      anonymous: true,
      readOnly: true,
      accept: [400, 401, 403],
      form: { client_id: 'service-account', grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion, scope: options.scope ?? SERVICE_ACCOUNT_SCOPE },
    });
    const body = response.data ?? {};
    if (response.status !== 200 || !body.access_token) {
      throw new Error(`service account login failed: HTTP ${response.status} ${body.error ?? ''}${body.error_description ? ': ' + body.error_description : ''}`.trim());
    }
    options.onToken?.(body.access_token);
    cached = { token: body.access_token, expiresAt: now() + (body.expires_in ?? 900) * 1000 };
    return body.access_token;
  }

  return {
    async header() {
      if (cached && cached.expiresAt - REFRESH_MARGIN_SECONDS * 1000 > now()) return `Bearer ${cached.token}`;
      inFlight ??= obtain().finally(() => (inFlight = undefined));
      return `Bearer ${await inFlight}`;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

export function bearerAuth(token: string): AuthProvider {
  return { header: async () => `Bearer ${token}`, invalidate: () => {} };
}
