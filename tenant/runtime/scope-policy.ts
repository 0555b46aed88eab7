/**
 * AM's "Use Policy Engine for Scope decisions" (overrideOAuth2ClientConfig.usePolicyEngineForScope):
 * after scope validation, each plain scope is put to the client's scopes policy set (resource = the
 * scope, subject = the resource owner). GRANT=true → granted without consent, GRANT=false → omitted
 * without a prompt, no decision → consent in interactive flows, omitted in non-interactive ones
 * (except openid, which is kept unless denied).
 * Owns the decision and the saved consent; the endpoints decide what a flow does with each part.
 */
import { parseScope } from '../../scripts/lib/scope-grammar.js';
import type { JsonValue, RealmState, TenantContext, TenantResponse } from '../types.js';
import { oauthError, unwrap, type Client } from './oauth2-clients.js';
import { evaluatePolicies } from './policy-engine.js';

const OPENID = 'openid';

/** AM's default scopes policy set (scopesPolicySet when the client names none). */
export const DEFAULT_SCOPES_POLICY_SET = 'oauth2Scopes';

export const usesPolicyEngineForScope = (client: Client): boolean =>
  client.overrides.providerOverridesEnabled === true && client.overrides.usePolicyEngineForScope === true;

/** The resource owner the scope policies are evaluated for. */
export interface ScopeOwner {
  id: string;
  /** Identity attributes (a user's; none for a client on client_credentials: its password must not become a claim). */
  attributes: Record<string, string[]>;
  /** A user who authenticated (AuthenticatedUsers matches); false for a client acting for itself. */
  authenticated: boolean;
}

export interface DynamicScopes {
  granted: string[];
  denied: string[];
  undecided: string[];
  /** Audience scopes (api://…): decided by the client's token modification script, not by scope policies. */
  passThrough: string[];
}

/**
 * Claims the scope policies' JwtClaim subjects see: the identity attributes (one value → string),
 * then `sub`/`subject` = the resource owner and `client` = the client, which attributes cannot override.
 */
function claimsOf(owner: ScopeOwner, clientId: string): Record<string, JsonValue> {
  const claims: Record<string, JsonValue> = {};
  for (const [name, values] of Object.entries(owner.attributes)) claims[name] = values.length === 1 ? values[0] : values;
  return { ...claims, sub: owner.id, subject: owner.id, client: clientId };
}

/** Decides each scope; a missing policy set is a server error (nothing granted), as the tool switches clients only after it exists. */
export function decideDynamicScopes(realm: RealmState, client: Client, scopes: string[], owner: ScopeOwner): DynamicScopes | TenantResponse {
  const result: DynamicScopes = { granted: [], denied: [], undecided: [], passThrough: [] };
  const plain: string[] = [];
  for (const scope of scopes) (parseScope(scope).kind === 'audience' ? result.passThrough : plain).push(scope);
  if (plain.length === 0) return result;
  const policySet = String(client.overrides.scopesPolicySet || DEFAULT_SCOPES_POLICY_SET);
  const evaluation = evaluatePolicies(realm, { application: policySet, resources: plain, claims: claimsOf(owner, client.id), context: { authenticated: owner.authenticated } });
  if (!evaluation.ok) return oauthError(500, 'server_error', `The scopes policy set ${policySet} of client ${client.id} does not exist`);
  for (const row of evaluation.rows) {
    const grant = row.actions.GRANT;
    // openid asks for an ID token, not for data: with no decision AM keeps it unasked. The documented
    // demonstration shows it (password grant "openid email" → "openid"; the consent lists profile only).
    const keptOpenid = grant === undefined && row.resource === OPENID;
    (grant === true || keptOpenid ? result.granted : grant === false ? result.denied : result.undecided).push(row.resource);
  }
  return result;
}

/** Keeps `scopes` in their requested order, only those in `kept`. */
export const inOrder = (scopes: string[], ...kept: string[][]): string[] => scopes.filter((scope) => kept.some((list) => list.includes(scope)));

/** Non-interactive flows (password, client credentials): undecided scopes are omitted. */
export const nonInteractiveScopes = (requested: string[], decision: DynamicScopes): string[] => inOrder(requested, decision.passThrough, decision.granted);

/** The client's "Implied Consent" (advancedOAuth2ClientConfig.isConsentImplied): nobody is asked. */
export const consentImplied = (client: Client): boolean => unwrap(client.advanced.isConsentImplied) === true;

/** Scopes this user saved consent for with this client (AM keeps them in the user's profile; here in the realm). */
export function savedConsent(realm: RealmState, userId: string, clientId: string): string[] {
  return realm.consents?.[userId]?.[clientId] ?? [];
}

export function saveConsent(tenant: TenantContext, realm: RealmState, userId: string, clientId: string, scopes: string[]): void {
  if (scopes.length === 0) return;
  const consents = (realm.consents ??= {});
  const forUser = (consents[userId] ??= {});
  forUser[clientId] = [...new Set([...(forUser[clientId] ?? []), ...scopes])].sort();
  tenant.changed();
}
