/**
 * GET /environment/info for a member of the local promotion group: the seed's answer (a
 * development environment's) with this tier's facts — `tier`, `immutable` (staging and
 * production: static configuration arrives only by promotion), `locked` (a promotion lock holds
 * it, as the upper or the lower environment), `config_promotion_done` and `promotionTierInfo`
 * (`{tierDisplayName, tiers, upperTierDisplayName, lowerTierDisplayName}`, null at the ends of the
 * chain). Fields: frodo-lib EnvInfoApi.ts `EnvInfoInterface`, go-frodo-lib's `EnvInfoInterface`
 * (which adds backupRegion, ipAddresses and promotionTierInfo). Read-only.
 */
import type { JsonObject, TenantContext } from '../types.js';
import { activeLock, isImmutable, lowerTier, TIER_NAMES, TIERS, tierOf, upperTier } from './group.js';

export function environmentInfoFor(tenant: TenantContext): JsonObject {
  const tier = tierOf(tenant);
  const upper = upperTier(tier);
  const lower = lowerTier(tier);
  return {
    ...(tenant.state.environmentInfo ?? {}),
    tier,
    immutable: isImmutable(tenant),
    locked: activeLock(tenant) !== undefined,
    config_promotion_done: tenant.state.promotion?.done === true,
    promotionTierInfo: { tierDisplayName: TIER_NAMES[tier], tiers: [...TIERS], upperTierDisplayName: upper ? TIER_NAMES[upper] : null, lowerTierDisplayName: lower ? TIER_NAMES[lower] : null },
  };
}
