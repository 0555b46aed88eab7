/**
 * What kind of environment a tenant is (GET /environment/info): whether static configuration is
 * immutable there (staging, production), whether it is locked for a promotion, and its tier.
 * Accept-API-Version protocol=1.0,resource=1.0. A tenant without the endpoint (plain AM, older
 * stand-ins) is a mutable development environment.
 */
import type { AmHttp } from './http.js';

export interface EnvironmentInfo {
  /** Static configuration (scripts, journeys) can be changed only by promotion. */
  immutable: boolean;
  /** Locked for a promotion: the ESV API refuses writes meanwhile. */
  locked: boolean;
  /** development, staging, production, or other (a sandbox). */
  tier: string;
  /** An environment above this one exists (promotionTierInfo): it may still run what this one stops using. */
  hasUpper: boolean;
}

export async function getEnvironmentInfo(http: AmHttp): Promise<EnvironmentInfo> {
  const response = await http.request<Record<string, unknown>>({ method: 'GET', path: '/environment/info', apiVersion: 'protocol=1.0,resource=1.0', family: 'environment', accept: [404] });
  if (response.status === 404 || !response.data || typeof response.data !== 'object') return { immutable: false, locked: false, tier: 'development', hasUpper: false };
  const tiers = response.data.promotionTierInfo as { upperTierDisplayName?: unknown } | null | undefined;
  return { immutable: response.data.immutable === true, locked: response.data.locked === true, tier: String(response.data.tier ?? 'development'), hasUpper: typeof tiers?.upperTierDisplayName === 'string' && tiers.upperTierDisplayName !== '' };
}
