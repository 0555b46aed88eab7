/**
 * Credentials for the deploy tool: a service account (JWT bearer grant, RS256 assertion signed with
 * jose) whose access token is reused until 60 s before it expires, or a bearer token given as is.
 * Owns: the token request and its cache. Must not log the assertion, the key or the token.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { AmError, AmHttp, type AmHttpOptions, type AuthProvider } from './http.js';
import { Redactor } from '../../common/redact.js';

export const SERVICE_ACCOUNT_SCOPE = 'fr:am:* fr:idc:esv:*';
const REFRESH_MARGIN_SECONDS = 60;
const ASSERTION_LIFETIME_SECONDS = 180;
/** AIC tokens last about 15 minutes; used when the answer carries no expires_in. */
const DEFAULT_EXPIRES_IN_SECONDS = 900;

export interface TokenAnswer {
  status: number;
  body: { access_token?: string; expires_in?: number; error?: string; error_description?: string } | undefined;
}

export interface ServiceAccountOptions {
  /** `<baseUrl>/am/oauth2/access_token`; or give `baseUrl`. */
  tokenUrl?: string;
  baseUrl?: string;
  accountId: string;
  /** The account's private key as a JWK object (the CLI parses inline JSON or a file). */
  jwk: JWK | Record<string, unknown>;
  scope?: string;
  /** Replaces the HTTP call to the token endpoint (tests). */
  fetchToken?: (tokenUrl: string, form: Record<string, string>) => Promise<TokenAnswer>;
  /** Transport options for the login requests (retries, sleep, timeout). */
  http?: Pick<AmHttpOptions, 'maxRetries' | 'timeoutMs' | 'sleep' | 'random' | 'now' | 'log' | 'redactor'>;
  /** Clock in ms since the epoch. */
  now?: () => number;
  /** Called with every token obtained (to register it as a secret). */
  onToken?: (token: string) => void;
}

/** A closure on purpose: the imported key, the cached token and the login in flight belong to this one provider. */
export function serviceAccountAuth(options: ServiceAccountOptions): AuthProvider {
  const now = options.now ?? options.http?.now ?? Date.now;
  const tokenUrl = options.tokenUrl ?? `${String(options.baseUrl ?? '').replace(/\/+$/, '')}/am/oauth2/access_token`;
  const url = new URL(tokenUrl);
  const redactor = options.http?.redactor ?? new Redactor();
  const fetchToken = options.fetchToken ?? defaultFetchToken(url, redactor, options.http);
  let key: ReturnType<typeof importJWK> | undefined;
  let cached: { token: string; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  async function signAssertion(): Promise<string> {
    key ??= importJWK(options.jwk as JWK, 'RS256');
    let privateKey;
    try {
      privateKey = await key;
    } catch (error) {
      key = undefined;
      throw new Error(`service account login failed: the JWK of ${options.accountId} is not a usable RS256 private key (${(error as Error).message})`);
    }
    const issuedAt = Math.floor(now() / 1000);
    const kid = typeof options.jwk.kid === 'string' ? options.jwk.kid : undefined;
    return new SignJWT({})
      .setProtectedHeader(kid ? { alg: 'RS256', kid } : { alg: 'RS256' })
      .setIssuer(options.accountId)
      .setSubject(options.accountId)
      .setAudience(tokenUrl)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ASSERTION_LIFETIME_SECONDS)
      .setJti(randomUUID())
      .sign(privateKey);
  }

  async function login(): Promise<string> {
    const assertion = await signAssertion();
    redactor.add(assertion);
    const form = { client_id: 'service-account', grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion, scope: options.scope ?? SERVICE_ACCOUNT_SCOPE };
    let answer: TokenAnswer;
    try {
      answer = await fetchToken(tokenUrl, form);
    } catch (error) {
      const reason = error instanceof AmError ? error.message.replace(/^[^:]*: /, '') : (error as Error)?.message;
      throw new Error(redactor.text(`service account login failed: ${reason}`));
    }
    const body = answer.body ?? {};
    if (answer.status !== 200 || typeof body.access_token !== 'string' || !body.access_token) {
      const reason = [body.error, body.error_description].filter(Boolean).join(': ') || 'no access_token in the answer';
      throw new Error(redactor.text(`service account login failed: HTTP ${answer.status} ${reason}`));
    }
    redactor.add(body.access_token);
    options.onToken?.(body.access_token);
    const lifetime = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_EXPIRES_IN_SECONDS;
    cached = { token: body.access_token, expiresAt: now() + lifetime * 1000 };
    return body.access_token;
  }

  return {
    async header() {
      if (cached && cached.expiresAt - REFRESH_MARGIN_SECONDS * 1000 > now()) return `Bearer ${cached.token}`;
      // Concurrent callers share one login.
      inFlight ??= login().finally(() => (inFlight = undefined));
      return `Bearer ${await inFlight}`;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/** The token endpoint through AmHttp: same retries (429 with Retry-After, 5xx, network errors), no Authorization. */
function defaultFetchToken(url: URL, redactor: Redactor, httpOptions: ServiceAccountOptions['http']) {
  const login = new AmHttp({
    baseUrl: url.origin,
    auth: { header: async () => '', invalidate: () => {} },
    concurrency: 1,
    ...httpOptions,
    redactor,
  });
  return async (_tokenUrl: string, form: Record<string, string>): Promise<TokenAnswer> => {
    const response = await login.request<TokenAnswer['body']>({
      method: 'POST',
      path: url.pathname,
      family: 'service-account',
      anonymous: true,
      readOnly: true,
      accept: [400, 401, 403],
      retryStatuses: [500],
      form,
    });
    return { status: response.status, body: response.data && typeof response.data === 'object' ? response.data : undefined };
  };
}

export function bearerAuth(token: string): AuthProvider {
  return { header: async () => `Bearer ${token}`, invalidate: () => {} };
}
