/**
 * Names the tool gives what it writes: scripts, ESVs, policies. One place, so that the desired
 * state, the local demonstrations and the tests agree.
 */

export const SCRIPT_NAMES = { 'scope-validation': 'aic-api-to-api Scope Validation', 'policy-eval-mod': 'aic-api-to-api PolicyEvalMod' } as const;
export type ScriptRole = keyof typeof SCRIPT_NAMES;

/** The ESVs the scripts read (names kept from the article). */
export const ESV = {
  tenant: 'esv-tenant-env-fqdn',
  cookie: 'esv-cookie',
  gatewayId: 'esv-policy-gateway-id',
  gatewaySecret: 'esv-policy-gateway-secret',
  identityClaims: 'esv-policy-identity-claims',
} as const;

export const ESV_ID = /^esv-[a-z0-9_-]{1,124}$/;

/** AM's built-in resource type of scope policies (pattern `*`, action GRANT); AIC's uuid is d60b7a71-1dc6-44a5-8e48-e4b9d92dee8b. Looked up by name, never created. */
export const OAUTH2_SCOPE_RESOURCE_TYPE = 'OAuth2 Scope';

/** Policy names are unique per realm; a space cannot occur in provider or scope names, so this cannot collide. */
export function policyName(provider: string, scope: string): string {
  return `${provider} ${scope}`;
}

/** One policy per scope and effect; two spaces, so never equal to a provider's policy name. */
export function scopePolicyName(policySet: string, scope: string, effect: 'grant' | 'deny'): string {
  return `${policySet} ${scope} ${effect}`;
}
