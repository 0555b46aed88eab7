/**
 * Scope validation at request time: the client's scripted validator (OAUTH2_VALIDATE_SCOPE) when
 * its overrides say SCRIPTED, else AM's default validator. Returns the scopes to grant or the
 * OAuth2 error to answer. Changes no state.
 */
import type { RealmState, TenantContext, TenantResponse } from '../types.js';
import { oauthError, stringList, type Client } from './oauth2-clients.js';
import { runStoredScript } from './scripting.js';

const scopeName = (entry: string) => entry.split('|')[0];

export type ScopeEntryPoint = 'validateAuthorizationScope' | 'validateAccessTokenScope' | 'validateRefreshTokenScope';

export const usesScript = (client: Client, plugin: 'validateScope' | 'accessTokenModification'): boolean =>
  client.overrides.providerOverridesEnabled === true && client.overrides[`${plugin}PluginType`] === 'SCRIPTED';

export async function validateScopes(tenant: TenantContext, realmName: string, realm: RealmState, client: Client, requested: string[], entryPoint: ScopeEntryPoint): Promise<string[] | TenantResponse> {
  // AM's entries may carry consent-page descriptions ("scope|description", "scope|locale|description"): the scope is the part before the first "|".
  const allowed = stringList(client.core.scopes).map(scopeName);
  const defaults = stringList(client.core.defaultScopes).map(scopeName);
  if (usesScript(client, 'validateScope')) {
    const scriptId = String(client.overrides.validateScopeScript ?? '');
    const outcome = await runStoredScript(tenant, realm, scriptId, 'OAUTH2_VALIDATE_SCOPE', { realm: `/${realmName}`, requestedScopes: requested, allowedScopes: allowed, defaultScopes: defaults }, entryPoint);
    if (outcome.invalidScope !== undefined) return oauthError(400, 'invalid_scope', outcome.invalidScope);
    if (!outcome.ok) return oauthError(500, 'server_error', `The scope validation script of client ${client.id} failed`);
    const returned = outcome.returnedScopes ?? [];
    // AM intersects with what was requested: a validator narrows, never widens.
    return requested.length ? requested.filter((scope) => returned.includes(scope)) : returned;
  }
  if (requested.length === 0) {
    if (defaults.length === 0) return oauthError(400, 'invalid_scope', 'No scope requested and no default scope configured');
    return defaults;
  }
  const unknown = requested.filter((scope) => !allowed.includes(scope));
  if (unknown.length) return oauthError(400, 'invalid_scope', `Unknown/invalid scope(s): [${unknown.join(', ')}]`);
  return requested;
}
