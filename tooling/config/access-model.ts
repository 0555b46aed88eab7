/**
 * The access configuration's types, limits and error: what the reader produces and what the rest of
 * the tool consumes. Owns no behaviour.
 */
import { DiagnosticError, error } from '../diagnostics.js';
import type { ProviderApigeeConfig } from '../apigee/access-section.js';
import type { ScriptEngine } from '../build/build-scripts.js';

export type { ScriptEngine };

/** A grant condition; several keys in one object must all hold. */
export interface Condition {
  client?: string;
  user?: string;
  claim?: string;
  value?: string;
  allOf?: Condition[];
  anyOf?: Condition[];
  not?: Condition;
  /** Only in scope rules: any resource owner with a live authentication (AM's AuthenticatedUsers). */
  authenticatedUsers?: true;
}
export interface ScopeConfig {
  description?: string;
  /** Alternatives: any one grant is enough. */
  grants: Condition[];
}
export interface ProviderConfig {
  description?: string;
  scopes: Record<string, ScopeConfig>;
  /** How Apigee exposes this provider (deploy --apigee); absent = not exposed through Apigee. */
  apigee?: ProviderApigeeConfig;
}
/** One decision of AM's policy engine about a plain OAuth2 scope ("Use Policy Engine for Scope decisions"). */
export interface ScopeRule {
  scope: string;
  /** grant: the scope is granted without consent; deny: it is omitted without a prompt. */
  effect: 'grant' | 'deny';
  when: Condition;
}
/** How one client of dynamic scopes asks for consent: each key absent = the tenant's value is left as it is. */
export interface ClientConsentConfig {
  /** advancedOAuth2ClientConfig.isConsentImplied: nobody is asked; undecided scopes are granted. */
  impliedConsent?: boolean;
  /** overrideOAuth2ClientConfig.clientsCanSkipConsent: AM reads it (not the provider's) once overrides are enabled, which the tool does. */
  clientsCanSkipConsent?: boolean;
  /** Consent-page descriptions: scope → locale ("default", or a Java locale such as en, en_GB) → text. */
  scopeDescriptions?: Record<string, Record<string, string>>;
}
export interface ScopePoliciesConfig {
  description?: string;
  /** The scopes policy set (AM's default: oauth2Scopes). */
  policySet: string;
  /** OAuth2 clients switched to usePolicyEngineForScope with this policy set. */
  clients: string[];
  rules: ScopeRule[];
  /** Consent settings of listed clients, by client id. */
  consent?: Record<string, ClientConsentConfig>;
}
export interface AccessConfig {
  consumers: Record<string, { description?: string }>;
  /** Identity attributes the scripts copy into the policy request's claims. */
  identityClaims: string[];
  providers: Record<string, ProviderConfig>;
  /** Dynamic plain scopes, decided by AM's policy engine; absent = none managed. */
  scopePolicies?: ScopePoliciesConfig;
  /** Which AM script engine the scripts are deployed for; absent = legacy (SCRIPT_ENGINE in the environment wins). */
  scriptEngine?: ScriptEngine;
}

export const SCRIPT_ENGINES: readonly ScriptEngine[] = ['legacy', 'next-gen'];

export const DEFAULT_SCOPES_POLICY_SET = 'oauth2Scopes';
/**
 * Bounds checked before anything is sent. Descriptions end up in AM and ESV description fields (the
 * secret's also carries a digest), so they stay well under what those fields take.
 */
export const LIMITS = { scopesPerProvider: 1000, grantsPerScope: 100, conditionDepth: 8, problems: 50, scopeRules: 1000, descriptionLength: 1000, fileBytes: 10 * 1024 * 1024 };

export interface AccessProblem {
  file: string;
  path: string;
  message: string;
}

/** Problems with the access configuration, each naming file, path and what was expected: nothing is sent to a tenant. */
export class AccessFileError extends DiagnosticError {
  constructor(readonly problems: AccessProblem[]) {
    super(problems.map((p) => error('input', 'access.invalid', p.message, { file: p.file, path: p.path })));
    this.name = 'AccessFileError';
  }
}
