/**
 * Apigee settings for `deploy --apigee` from `.env`, `.env.<name>` and the process environment
 * (which wins), like tooling/config/env.ts, and the credentials for Apigee's management API: a
 * ready OAuth access token or a Google service-account key (JWT bearer grant signed with jose).
 * Owns: reading and validating APIGEE_* and the Google token exchange. Never echoes a secret
 * (a token or key is never part of a problem message).
 */
import dotenv from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { importPKCS8, SignJWT } from 'jose';
import axios from 'axios';
import { bearerAuth } from '../rest/auth.js';
import type { AuthProvider } from '../rest/http.js';
import { EnvError } from '../config/env.js';
import { DEFAULT_EXPIRY_MARGIN_SECONDS, DEFAULT_TOKEN_BASE_PATH } from './bundle.js';
import { targetUrlProblem } from './access-section.js';
import { DEFAULT_KEEP_REVISIONS } from './plan.js';

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
  /** Owner of the consumers' apps (created by the deploy when missing). */
  developer: string;
  tokenBasePath: string;
  /** Backend URL template for providers whose access file names none (`{provider}` is replaced). */
  providerTargetUrl?: string;
  /** Seconds taken off AIC's expires_in for the token's lifetime in Apigee. */
  expiryMarginSeconds: number;
  /** Revisions kept per proxy and shared flow; older ones the tool imported are deleted. */
  keepRevisions: number;
  /** Non-enumerable: never serialised. */
  readonly credentials: { kind: 'token'; token: string } | { kind: 'service-account'; key: GoogleServiceAccountKey };
}

type Vars = Record<string, string | undefined>;

function readVars(options: { envName?: string; cwd?: string; processEnv?: NodeJS.ProcessEnv }): Vars {
  const cwd = options.cwd ?? process.cwd();
  const read = (file: string) => (existsSync(file) ? dotenv.parse(readFileSync(file)) : {});
  const vars: Vars = { ...read(path.join(cwd, '.env')), ...(options.envName ? read(path.join(cwd, `.env.${options.envName}`)) : {}) };
  for (const [key, value] of Object.entries(options.processEnv ?? process.env)) if (value !== undefined && value !== '') vars[key] = value;
  return vars;
}

function wholeNumber(problems: string[], name: string, raw: string, fallback: number, min: number, max: number, what: string): number {
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) problems.push(`${name}: expected ${what}, a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

/** What the bundles depend on (no credentials needed): for `apigee-bundle` and for the deploy. */
export interface ApigeeBundleSettings {
  tokenBasePath: string;
  providerTargetUrl?: string;
  expiryMarginSeconds: number;
}

function bundleSettings(vars: Vars, problems: string[]): ApigeeBundleSettings {
  const get = (name: string) => (vars[name] ?? '').trim();
  const tokenBasePath = get('APIGEE_TOKEN_BASE_PATH') || DEFAULT_TOKEN_BASE_PATH;
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(tokenBasePath)) problems.push(`APIGEE_TOKEN_BASE_PATH: expected a path such as /aic-api-to-api/oauth2, got ${JSON.stringify(tokenBasePath)}`);
  const providerTargetUrl = get('APIGEE_PROVIDER_TARGET_URL') || undefined;
  if (providerTargetUrl) {
    const problem = targetUrlProblem(providerTargetUrl.split('{provider}').join('provider'));
    if (problem) problems.push(`APIGEE_PROVIDER_TARGET_URL: ${problem}`);
  }
  const expiryMarginSeconds = wholeNumber(problems, 'APIGEE_TOKEN_EXPIRY_MARGIN_SECONDS', get('APIGEE_TOKEN_EXPIRY_MARGIN_SECONDS'), DEFAULT_EXPIRY_MARGIN_SECONDS, 0, 600, "the seconds Apigee stops accepting a token before AIC's expiry");
  return { tokenBasePath, providerTargetUrl, expiryMarginSeconds };
}

export function loadApigeeBundleSettings(options: { envName?: string; cwd?: string; processEnv?: NodeJS.ProcessEnv } = {}): ApigeeBundleSettings {
  const problems: string[] = [];
  const settings = bundleSettings(readVars(options), problems);
  if (problems.length) throw new EnvError(problems);
  return settings;
}

export function loadApigeeSettings(options: { envName?: string; cwd?: string; processEnv?: NodeJS.ProcessEnv } = {}): ApigeeSettings {
  const cwd = options.cwd ?? process.cwd();
  const vars = readVars(options);
  const get = (name: string) => (vars[name] ?? '').trim();
  const problems: string[] = [];
  const required = (name: string, what: string) => {
    const value = get(name);
    if (!value) problems.push(`${name}: required with --apigee (${what})`);
    return value;
  };
  const organization = required('APIGEE_ORG', 'the Apigee organization, usually the Google Cloud project id');
  const environment = required('APIGEE_ENV', 'the environment to deploy to, e.g. eval or prod');
  const developer = required('APIGEE_DEVELOPER', "email of the developer owning the consumers' apps (created when missing)");
  for (const [name, value] of [['APIGEE_ORG', organization], ['APIGEE_ENV', environment]] as const) {
    if (value && !/^[a-z0-9][a-z0-9-]{0,254}$/i.test(value)) problems.push(`${name}: expected letters, digits and -, got ${JSON.stringify(value)}`);
  }
  if (developer && !/^[^\s@/]+@[^\s@/]+\.[^\s@/]+$/.test(developer)) problems.push(`APIGEE_DEVELOPER: expected an email address, got ${JSON.stringify(developer)}`);
  if (get('APIGEE_API_PRODUCT')) problems.push('APIGEE_API_PRODUCT: no longer used: the deploy now manages one API product per provider (aic-api-to-api-<provider>); remove this setting');
  const baseUrl = (get('APIGEE_BASE_URL') || 'https://apigee.googleapis.com').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/i.test(baseUrl)) problems.push(`APIGEE_BASE_URL: expected a scheme and host, got ${JSON.stringify(baseUrl)}`);
  const { tokenBasePath, providerTargetUrl, expiryMarginSeconds } = bundleSettings(vars, problems);
  const keepRevisions = wholeNumber(problems, 'APIGEE_KEEP_REVISIONS', get('APIGEE_KEEP_REVISIONS'), DEFAULT_KEEP_REVISIONS, 1, 50, 'the revisions kept per proxy and shared flow');

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
  const settings = { baseUrl, organization, environment, developer, tokenBasePath, providerTargetUrl, expiryMarginSeconds, keepRevisions } as ApigeeSettings;
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
