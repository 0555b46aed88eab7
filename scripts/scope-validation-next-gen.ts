/**
 * OAuth2 Validate Scope script, next-generation engine (context OAUTH2_VALIDATE_SCOPE_NEXT_GEN,
 * evaluatorVersion 2.0). The same decisions as scope-validation.ts, from the same lib/scope-grammar:
 * only the binding layer differs — Lists in and out, and a refusal through
 * scopeValidatorHelper.throwInvalidScope (the client gets a standard invalid_scope error).
 * AM calls the entry points by name; the build adds top-level functions delegating to these.
 */
import type { NextGenBindings } from './am-bindings-next-gen';
import { decideRequestedScopes } from './lib/scope-grammar';
import { listToArray } from './lib/plain-data';

declare var requestedScopes: NextGenBindings['requestedScopes'];
declare var allowedScopes: NextGenBindings['allowedScopes'];
declare var defaultScopes: NextGenBindings['defaultScopes'];
declare var scopeValidatorHelper: NextGenBindings['scopeValidatorHelper'];

function refuse(message: string): never {
  scopeValidatorHelper.throwInvalidScope(message);
  // Never reached in AM: should the helper ever return, the request must still fail.
  throw new Error(message);
}

/** A JS array is a java.util.List in Rhino: AM intersects it with what was requested. */
function validate(): string[] {
  const decision = decideRequestedScopes(listToArray(requestedScopes), listToArray(allowedScopes), listToArray(defaultScopes));
  if (!decision.ok) refuse(decision.error || 'Invalid scope');
  return decision.scopes;
}

export function validateAuthorizationScope(): string[] {
  return validate();
}
export function validateAccessTokenScope(): string[] {
  return validate();
}
export function validateRefreshTokenScope(): string[] {
  return validate();
}
export function validateBackChannelAuthorizationScope(): string[] {
  return validate();
}
