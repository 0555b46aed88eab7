/**
 * Names of everything the tool owns in an Apigee organization, and the rules Apigee imposes on
 * names it did not choose (AIC client ids used as consumer keys). Owns: naming only — one place to
 * look up what a provider's proxy, shared flow, product or target server is called.
 */
import { createHash } from 'node:crypto';

/**
 * Carried in the description (or attribute) of every entity the tool creates; entities without it
 * are never updated or deleted. The same text as the AIC deploy's marker, so one search finds both.
 */
export const MANAGED_MARKER = '[managed-by:aic-api-to-api]';
export const NAME_PREFIX = 'aic-api-to-api-';
export const TOKEN_PROXY_NAME = `${NAME_PREFIX}token`;

/** Apigee entity names allow `A-Za-z0-9._-`; other provider characters map to `-` plus a hash. */
export function apigeeName(prefix: string, id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, '-');
  const suffix = safe === id ? '' : '-' + createHash('sha256').update(id).digest('hex').slice(0, 8);
  return `${prefix}${safe}${suffix}`;
}

export const verifyFlowName = (provider: string) => apigeeName(`${NAME_PREFIX}verify-`, provider);
export const providerProxyName = (provider: string) => apigeeName(`${NAME_PREFIX}provider-`, provider);
/** One API product per provider (see README "Apigee": why not one shared product). */
export const productName = (provider: string) => apigeeName(NAME_PREFIX, provider);
export const targetServerName = (provider: string) => apigeeName(NAME_PREFIX, provider);
/** The consumer's developer app: one per consumer, named after it. */
export const appNameFor = (consumer: string) => apigeeName('', consumer);
export const defaultBasePath = (provider: string) => `/${apigeeName('', provider)}`;

/** The audience scope as AIC's grammar writes it and as the token stores it in Apigee. */
export const qualifiedScope = (provider: string, scope: string) => `api://${provider}/${scope}`;

/**
 * Apigee X, "Import existing consumer keys and secrets": "Consumer keys and secrets can contain
 * letters, numbers, underscores, and hyphens. No other special characters are allowed", and should
 * not exceed 2 KB. AIC client ids may also hold `.` and `~`: such a consumer cannot be imported.
 */
export const CONSUMER_KEY_PATTERN = /^[A-Za-z0-9_-]{1,2048}$/;
export const CONSUMER_KEY_RULE = 'letters, digits, _ and - only (Apigee X refuses other characters in a consumer key)';

/**
 * Apigee X, "Using third-party OAuth tokens": "The size of third-party tokens must be 2 KB or
 * smaller." Checked by the token proxy before it stores AIC's token.
 */
export const MAX_IMPORTED_TOKEN_BYTES = 2048;
