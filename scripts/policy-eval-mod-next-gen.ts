/**
 * OAuth2 Access Token Modification script, next-generation engine (context
 * OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN, evaluatorVersion 2.0). The same decision as
 * policy-eval-mod.ts — one evaluation of the provider's policy set for all requested audience
 * scopes, read by lib/policy-decision — but through the `policy` binding, in-process: ZERO outbound
 * calls per token, no agent session, no agent secret. Only esv-policy-identity-claims is read.
 *
 * Fail closed exactly as the legacy script: the binding missing, an exception, or an unexpected
 * answer gives a token with only its plain scopes, no aud, policyResult false, and exactly one
 * logger.error line saying what failed. Nothing is thrown out of the script (that would fail the
 * token request with HTTP 500), except when the token cannot even be narrowed.
 */
import type { NextGenBindings } from './am-bindings-next-gen';
import { splitTokenScopes } from './lib/scope-grammar';
import { claimsFromAttributes, evaluationClaims, identityClaimNames } from './lib/policy-request';
import { grantedFromDecisions } from './lib/policy-decision';
import { listToArray, toPlainData } from './lib/plain-data';
import { jsString } from './lib/java';

declare var accessToken: NextGenBindings['accessToken'];
declare var identity: NextGenBindings['identity'];
declare var systemEnv: NextGenBindings['systemEnv'];
declare var logger: NextGenBindings['logger'];
declare var policy: NextGenBindings['policy'];

const ESV_IDENTITY_CLAIMS = 'esv.policy.identity.claims';
const LOG_PREFIX = '[policy-eval-mod-next-gen] ';

interface Failure {
  failure: string;
}
function failure(message: string): Failure {
  return { failure: message };
}

function esv(name: string): string | null {
  const value = systemEnv.getProperty(name);
  return value === null || value === undefined ? null : String(value);
}

function attributeValues(name: string): string[] {
  if (!identity) return [];
  return listToArray(identity.getAttributeValues(name));
}

function describe(error: unknown, step: string): string {
  if (error && typeof error === 'object' && typeof (error as Failure).failure === 'string') return (error as Failure).failure;
  return step + ': unexpected error: ' + String(error && (error as { message?: unknown }).message ? (error as { message: unknown }).message : error);
}

export function modifyAccessToken(): void {
  const split = splitTokenScopes(listToArray(accessToken.getScope()));
  if (split.audience.length === 0 && split.malformed.length === 0) return; // not an API-to-API token: leave it as AM made it

  let step = 'reading the token';
  try {
    if (split.malformed.length > 0) throw failure('the token carries a malformed audience scope');
    if (split.providers.length !== 1) throw failure('the token names scopes of ' + split.providers.length + ' providers; one audience per token');
    const provider = split.providers[0];

    step = 'reading ESVs';
    const claimNames = identityClaimNames(esv(ESV_IDENTITY_CLAIMS));

    step = 'evaluating policies';
    if (typeof policy === 'undefined' || !policy || typeof policy.evaluate !== 'function') throw failure('the policy binding is not available to this script (next-generation engine required)');
    const owner = jsString(accessToken.getResourceOwnerId());
    // The claims subject of the REST evaluate; `sub` is the resource owner here, as no agent is involved.
    const subject = { claims: evaluationClaims(owner, owner, jsString(accessToken.getClientId()), claimsFromAttributes(claimNames, attributeValues)) };
    const answer = policy.evaluate(subject, provider, split.audience.map((scope) => scope.raw), {});
    const decision = grantedFromDecisions(toPlainData(answer), split.audience);
    if (!decision.ok || !decision.value) throw failure(decision.error || 'policy evaluation failed');

    step = 'narrowing the token';
    const granted = decision.value;
    accessToken.setScope(split.plain.concat(granted));
    if (granted.length > 0) accessToken.setField('aud', provider);
    accessToken.setField('policyResult', granted.length > 0);
  } catch (error) {
    failClosed(split.plain, describe(error, step));
  }
}

function failClosed(plainScopes: string[], reason: string): void {
  try {
    accessToken.setScope(plainScopes);
    accessToken.setField('policyResult', false);
  } finally {
    logger.error(LOG_PREFIX + 'failed closed, no audience scope granted: ' + reason);
  }
}

modifyAccessToken();
