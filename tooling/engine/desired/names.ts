/**
 * Names the tool gives what it writes: scripts, ESVs, policies. One place, so that the desired
 * state, the local demonstrations and the tests agree.
 */
import type { ScriptEngine, ScriptName } from '../../build/build-scripts.js';

export type { ScriptEngine };

/**
 * What a script does: a client's Validate Scope or Access Token Modification plugin, or the
 * template of the scope policies' Script conditions (deployed once per condition by
 * desired/condition-scripts.ts, never as it is).
 */
export type ScriptRole = 'scope-validation' | 'policy-eval-mod' | 'policy-condition';

/** Every bundle the build makes, as AM stores it: its name in the realm, engine, role and evaluatorVersion. */
export const SCRIPTS = {
  'scope-validation': { name: 'aic-api-to-api Scope Validation', engine: 'legacy', role: 'scope-validation', evaluatorVersion: '1.0' },
  'policy-eval-mod': { name: 'aic-api-to-api PolicyEvalMod', engine: 'legacy', role: 'policy-eval-mod', evaluatorVersion: '1.0' },
  // The condition scripts are named "<this name> <grant|deny> <digest of their rule>".
  'policy-condition': { name: 'aic-api-to-api ScopeCondition', engine: 'legacy', role: 'policy-condition', evaluatorVersion: '1.0' },
  // Other names than the legacy ones: both engines' scripts exist side by side while clients switch.
  'scope-validation-next-gen': { name: 'aic-api-to-api Scope Validation Next-Gen', engine: 'next-gen', role: 'scope-validation', evaluatorVersion: '2.0' },
  'policy-eval-mod-next-gen': { name: 'aic-api-to-api PolicyEvalMod Next-Gen', engine: 'next-gen', role: 'policy-eval-mod', evaluatorVersion: '2.0' },
} as const satisfies Record<ScriptName, { name: string; engine: ScriptEngine; role: ScriptRole; evaluatorVersion: '1.0' | '2.0' }>;

/** Bundle name → the script's name in the realm. */
export const SCRIPT_NAMES = Object.fromEntries(Object.entries(SCRIPTS).map(([bundle, script]) => [bundle, script.name])) as { [N in ScriptName]: (typeof SCRIPTS)[N]['name'] };

/** The bundle that plays `role` for clients under `engine`. */
export function bundleFor(engine: ScriptEngine, role: ScriptRole): ScriptName {
  return (Object.keys(SCRIPTS) as ScriptName[]).find((bundle) => SCRIPTS[bundle].engine === engine && SCRIPTS[bundle].role === role)!;
}

/** The realm's name of the script that plays `role` under `engine`. */
export const scriptNameFor = (engine: ScriptEngine, role: ScriptRole): string => SCRIPTS[bundleFor(engine, role)].name;

export const DEFAULT_SCRIPT_ENGINE: ScriptEngine = 'legacy';

/** The ESVs the scripts read (names kept from the article), and the gateway's record. */
export const ESV = {
  tenant: 'esv-tenant-env-fqdn',
  cookie: 'esv-cookie',
  gatewayId: 'esv-policy-gateway-id',
  gatewaySecret: 'esv-policy-gateway-secret',
  identityClaims: 'esv-policy-identity-claims',
  /** Not read by any script: which gateway agents this tool created (only those are ever deleted). */
  gatewayCreated: 'esv-policy-gateway-created',
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
