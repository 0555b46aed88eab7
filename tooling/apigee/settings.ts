/**
 * Apigee settings for `deploy --apigee` from `.env`, `.env.<name>` and the process environment
 * (which wins), like tooling/config/env.ts, and the credentials for Apigee's management API: a
 * ready OAuth access token or a Google service-account key (JWT bearer grant signed with jose).
 * Owns: reading and validating APIGEE_* and the Google token exchange. Never echoes a secret.
 */
import dotenv from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { importPKCS8, SignJWT } from 'jose';
import axios from 'axios';
import { bearerAuth } from '../rest/auth.js';
import type { AuthProvider } from '../rest/http.js';
import { EnvError } from '../config/env.js';
import { DEFAULT_TOKEN_BASE_PATH } from './bundle.js';

export const GOOGLE_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export interface GoogleServiceAccountKey {
  client_email: string;
  private_key: string;
  token_uri?: string;
}

export interface ApigeeSettings {
  baseUrl: string;
  organization: string;
  environment: string;
  /** Owner of the consumers' apps (must exist: created by hand). */
  developer: string;
  /** API product added to every consumer credential (must exist: created by hand). */
  apiProduct: string;
  tokenBasePath: string;
  /** Non-enumerable: never serialised. */
  readonly credentials: { kind: 'token'; token: string } | { kind: 'service-account'; key: GoogleServiceAccountKey };
}

export function loadApigeeSettings(options: { envName?: string; cwd?: string; processEnv?: NodeJS.ProcessEnv } = {}): ApigeeSettings {
  const cwd = options.cwd ?? process.cwd();
  const read = (file: string) => (existsSync(file) ? dotenv.parse(readFileSync(file)) : {});
  const vars: Record<string, string | undefined> = { ...read(path.join(cwd, '.env')), ...(options.envName ? read(path.join(cwd, `.env.${options.envName}`)) : {}) };
  for (const [key, value] of Object.entries(options.processEnv ?? process.env)) if (value !== undefined && value !== '') vars[key] = value;
  const get = (name: string) => (vars[name] ?? '').trim();
  const problems: string[] = [];
  const required = (name: string, what: string) => {
    const value = get(name);
    if (!value) problems.push(`${name}: required with --apigee (${what})`);
    return value;
  };
  const organization = required('APIGEE_ORG', 'the Apigee organization, usually the Google Cloud project id');
  const environment = required('APIGEE_ENV', 'the environment to deploy to, e.g. eval or prod');
  const developer = required('APIGEE_DEVELOPER', "email of the developer owning the consumers' apps");
  const apiProduct = required('APIGEE_API_PRODUCT', "the API product covering the provider proxies");
  for (const [name, value] of [['APIGEE_ORG', organization], ['APIGEE_ENV', environment], ['APIGEE_API_PRODUCT', apiProduct]] as const) {
    if (value && !/^[A-Za-z0-9._ $%-]{1,255}$/.test(value)) problems.push(`${name}: expected letters, digits and . _ - $ % or space, got ${JSON.stringify(value)}`);
  }
  const baseUrl = (get('APIGEE_BASE_URL') || 'https://apigee.googleapis.com').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/i.test(baseUrl)) problems.push(`APIGEE_BASE_URL: expected a scheme and host, got ${JSON.stringify(baseUrl)}`);
  const tokenBasePath = get('APIGEE_TOKEN_BASE_PATH') || DEFAULT_TOKEN_BASE_PATH;
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(tokenBasePath)) problems.push(`APIGEE_TOKEN_BASE_PATH: expected a path such as /aic-api-to-api/oauth2, got ${JSON.stringify(tokenBasePath)}`);

  let credentials: ApigeeSettings['credentials'] | undefined;
  const token = get('APIGEE_TOKEN');
  const keyFile = get('APIGEE_SERVICE_ACCOUNT_KEY_FILE');
  if (keyFile) {
    try {
      const key = JSON.parse(readFileSync(path.resolve(cwd, keyFile), 'utf8')) as Partial<GoogleServiceAccountKey>;
      if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') problems.push('APIGEE_SERVICE_ACCOUNT_KEY_FILE: expected a Google service-account key (JSON with client_email and private_key)');
      else credentials = { kind: 'service-account', key: key as GoogleServiceAccountKey };
    } catch {
      problems.push(`APIGEE_SERVICE_ACCOUNT_KEY_FILE: cannot read a JSON key from ${keyFile}`);
    }
  } else if (token) {
    credentials = { kind: 'token', token };
  } else {
    problems.push('APIGEE_TOKEN or APIGEE_SERVICE_ACCOUNT_KEY_FILE: required with --apigee (e.g. APIGEE_TOKEN=$(gcloud auth print-access-token))');
  }
  if (problems.length) throw new EnvError(problems);
  const settings = { baseUrl, organization, environment, developer, apiProduct, tokenBasePath } as ApigeeSettings;
  Object.defineProperty(settings, 'credentials', { value: credentials, enumerable: false });
  return settings;
}

/** Google's JWT bearer grant; the token is reused until a minute before it expires. */
export function googleServiceAccountAuth(key: GoogleServiceAccountKey, options: { onToken?: (token: string) => void; now?: () => number } = {}): AuthProvider {
  const now = options.now ?? Date.now;
  const tokenUri = key.token_uri ?? 'https://oauth2.googleapis.com/token';
  let cached: { token: string; expiresAt: number } | undefined;
  return {
    async header() {
      if (cached && cached.expiresAt - 60_000 > now()) return `Bearer ${cached.token}`;
      const issuedAt = Math.floor(now() / 1000);
      const assertion = await new SignJWT({ scope: GOOGLE_SCOPE })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(key.client_email)
        .setAudience(tokenUri)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + 600)
        .sign(await importPKCS8(key.private_key, 'RS256'));
      const response = await axios.post(tokenUri, new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(), {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        validateStatus: () => true,
        timeout: 30_000,
      });
      const body = response.data as { access_token?: string; expires_in?: number; error?: string } | undefined;
      // The answer's error code only: never the assertion or the key.
      if (response.status !== 200 || typeof body?.access_token !== 'string') throw new Error(`apigee service account login failed: HTTP ${response.status} ${typeof body?.error === 'string' ? body.error : ''}`.trim());
      options.onToken?.(body.access_token);
      cached = { token: body.access_token, expiresAt: now() + (Number(body.expires_in) || 3600) * 1000 };
      return `Bearer ${cached.token}`;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

export function apigeeAuth(settings: ApigeeSettings, onToken: (token: string) => void): AuthProvider {
  const credentials = settings.credentials;
  if (credentials.kind === 'token') {
    onToken(credentials.token);
    return bearerAuth(credentials.token);
  }
  return googleServiceAccountAuth(credentials.key, { onToken });
}
