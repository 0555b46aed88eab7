/**
 * OAuth2 Validate Scope script (context OAUTH2_VALIDATE_SCOPE, legacy engine).
 * Thin layer over lib/scope-grammar: reads the bindings, returns a java.util.HashSet, or refuses the
 * request with InvalidScopeException (the client gets a standard invalid_scope error).
 * AM calls the entry points by name; the build adds top-level functions delegating to these.
 */
import { decideRequestedScopes } from './lib/scope-grammar';
import { arrayToSet, setToArray } from './lib/java';

function refuse(message: string): never {
  const exceptions = JavaImporter(org.forgerock.oauth2.core.exceptions.InvalidScopeException);
  throw new exceptions.InvalidScopeException(message);
}

function validate(): JavaSet<string> {
  const decision = decideRequestedScopes(setToArray(requestedScopes), setToArray(allowedScopes), setToArray(defaultScopes));
  if (!decision.ok) refuse(decision.error || 'Invalid scope');
  return arrayToSet(decision.scopes);
}

export function validateAuthorizationScope(): JavaSet<string> {
  return validate();
}
export function validateAccessTokenScope(): JavaSet<string> {
  return validate();
}
export function validateRefreshTokenScope(): JavaSet<string> {
  return validate();
}
export function validateBackChannelAuthorizationScope(): JavaSet<string> {
  return validate();
}
