/**
 * The token proxy's flows: /token imports the token AIC mints (after checking the request, and
 * AIC's answer) into Apigee's store; /revoke revokes at AIC and in the store; FaultRules turn AIC's
 * refusals into the consumer's OAuth error, and anything else into a bare 5xx.
 */
import type { BundleOptions } from './bundle.js';
import { MAX_IMPORTED_TOKEN_BYTES } from './names.js';
import { oauth2Path } from '../rest/paths.js';
import { SCRIPT } from './scripts.js';
import type { PolicySpec } from './policy-xml.js';
import type { FaultRuleSpec, FlowSpec, StepSpec } from './xml.js';
import { condition, defaultFaultRule, ERROR_BODY, errorResponses, NO_STORE, serverError } from './flow-steps.js';

export const DEFAULT_EXPIRY_MARGIN_SECONDS = 30;

export function accessTokenUrl(aicBaseUrl: string, realm: string): string {
  return `${aicBaseUrl.replace(/\/+$/, '')}${oauth2Path(realm, 'access_token')}`;
}

export function revokeUrl(aicBaseUrl: string, realm: string): string {
  return `${aicBaseUrl.replace(/\/+$/, '')}${oauth2Path(realm, 'token/revoke')}`;
}

export interface TokenProxyOptions extends BundleOptions {
  /** Providers the gateway serves (others are refused with invalid_scope before AIC is called). */
  exposedProviders: string[];
}

/** /token's policies; each step only reads what an earlier step (or the request) has set. */
function tokenPolicies(options: TokenProxyOptions): PolicySpec[] {
  const margin = options.expiryMarginSeconds ?? DEFAULT_EXPIRY_MARGIN_SECONDS;
  return [
    { kind: 'JavaScript', name: 'JS-CheckTokenRequest', resource: SCRIPT.checkTokenRequest, timeLimitMs: 200, properties: { providers: [...options.exposedProviders].sort().join(' ') } },
    { kind: 'RaiseFault', name: 'RF-BadRequest', status: 400, reason: 'Bad Request', headers: NO_STORE, payload: { variable: ERROR_BODY } },
    {
      kind: 'ServiceCallout',
      name: 'SC-AicAccessToken',
      url: accessTokenUrl(options.aicBaseUrl, options.realm),
      // AIC validates the client (so Apigee's authorization is external) and decides the scope.
      formParams: { grant_type: 'client_credentials', client_id: '{request.formparam.client_id}', client_secret: '{request.formparam.client_secret}', scope: '{request.formparam.scope}' },
      response: 'aicResponse',
      timeoutMs: 30_000,
    },
    { kind: 'JavaScript', name: 'JS-CheckAicAnswer', resource: SCRIPT.checkAicAnswer, timeLimitMs: 200, properties: { expiryMarginSeconds: String(margin), maxTokenBytes: String(MAX_IMPORTED_TOKEN_BYTES) } },
    { kind: 'RaiseFault', name: 'RF-ScopeNotGranted', status: 400, reason: 'Bad Request', headers: NO_STORE, payload: { variable: ERROR_BODY } },
    { kind: 'RaiseFault', name: 'RF-UnusableAicAnswer', status: 502, reason: 'Bad Gateway', headers: NO_STORE, payload: { variable: ERROR_BODY } },
    { kind: 'AssignMessage', name: 'AM-ExternalAuthorization', variables: { oauth_external_authorization_status: 'true' } },
    {
      kind: 'GenerateAccessToken',
      name: 'OA-StoreAicToken',
      externalAccessToken: 'aic_api_to_api.access_token',
      expiresInMsRef: 'aic_api_to_api.expires_in_ms',
      // Only used if the reference were unresolved (the script always sets it): expired at once.
      defaultExpiresInMs: 0,
      scopeRef: 'aic_api_to_api.scope',
      grantTypeRef: 'request.formparam.grant_type',
    },
    { kind: 'AssignMessage', name: 'AM-TokenResponse', response: { status: 200, reason: 'OK', headers: NO_STORE, payload: { variable: 'aic_api_to_api.token_response' } } },
  ];
}

function revocationPolicies(options: TokenProxyOptions): PolicySpec[] {
  return [
    { kind: 'JavaScript', name: 'JS-CheckRevokeRequest', resource: SCRIPT.checkRevokeRequest, timeLimitMs: 200 },
    { kind: 'GetOAuthV2Info', name: 'OAI-TokenOwner', accessTokenRef: 'request.formparam.token' },
    {
      kind: 'ServiceCallout',
      name: 'SC-AicRevoke',
      url: revokeUrl(options.aicBaseUrl, options.realm),
      formParams: { token: '{request.formparam.token}', client_id: '{request.formparam.client_id}', client_secret: '{request.formparam.client_secret}' },
      response: 'aicRevokeResponse',
      timeoutMs: 30_000,
    },
    { kind: 'JavaScript', name: 'JS-CheckRevocation', resource: SCRIPT.checkRevocation, timeLimitMs: 200 },
    { kind: 'InvalidateToken', name: 'OA-InvalidateToken', tokenRef: 'request.formparam.token' },
    { kind: 'AssignMessage', name: 'AM-RevokeResponse', response: { status: 200, reason: 'OK', headers: NO_STORE } },
  ];
}

/** The routes and the order of their steps: /token, /revoke, anything else 404. */
function tokenProxyFlows(): FlowSpec[] {
  const refused = condition('aic_api_to_api.request_ok', '!=', 'true');
  const token: StepSpec[] = [
    { policy: 'JS-CheckTokenRequest' },
    { policy: 'RF-BadRequest', condition: refused },
    { policy: 'SC-AicAccessToken' },
    { policy: 'JS-CheckAicAnswer' },
    { policy: 'RF-ScopeNotGranted', condition: condition('aic_api_to_api.outcome', '=', 'denied') },
    { policy: 'RF-UnusableAicAnswer', condition: condition('aic_api_to_api.outcome', '!=', 'granted') },
    { policy: 'AM-ExternalAuthorization' },
    { policy: 'OA-StoreAicToken' },
    { policy: 'AM-TokenResponse' },
  ];
  const revoke: StepSpec[] = [
    { policy: 'JS-CheckRevokeRequest' },
    { policy: 'RF-BadRequest', condition: refused },
    { policy: 'OAI-TokenOwner' },
    { policy: 'SC-AicRevoke' },
    { policy: 'JS-CheckRevocation' },
    { policy: 'OA-InvalidateToken', condition: condition('aic_api_to_api.invalidate', '=', 'true') },
    { policy: 'AM-RevokeResponse' },
  ];
  const post = condition('request.verb', '=', 'POST');
  return [
    { name: 'token', condition: `(proxy.pathsuffix MatchesPath "/token") and ${post}`, request: token },
    { name: 'revoke', condition: `(proxy.pathsuffix MatchesPath "/revoke") and ${post}`, request: revoke },
    { name: 'not-found', request: [{ policy: 'RF-NotFound' }] },
  ];
}

/** AIC's refusals (and the store's) become the consumer's OAuth error; other faults a bare 5xx. */
function tokenProxyFaultRules(): FaultRuleSpec[] {
  const status = (code: string) => condition('aic_api_to_api.error_status', '=', code);
  return [
    {
      name: 'aic-or-store-refused',
      condition: '(servicecallout.SC-AicAccessToken.failed = true) or (servicecallout.SC-AicRevoke.failed = true) or (oauthV2.OA-StoreAicToken.failed = true)',
      steps: [{ policy: 'JS-MapFault' }, ...['400', '500', '502', '503'].map((code) => ({ policy: `AM-Error-${code}`, condition: status(code) }))],
    },
  ];
}

/** The token proxy's policies, flows and fault rules. */
export function tokenFlowPolicies(options: TokenProxyOptions): { policies: PolicySpec[]; flows: FlowSpec[]; faultRules: FaultRuleSpec[]; defaultFaultRule: StepSpec[] } {
  const shared: PolicySpec[] = [
    { kind: 'RaiseFault', name: 'RF-NotFound', status: 404, reason: 'Not Found', payload: { json: { error: 'not_found' } } },
    { kind: 'JavaScript', name: 'JS-MapFault', resource: SCRIPT.mapFault, timeLimitMs: 200 },
    ...errorResponses(),
    serverError('AM-ServerError'),
  ];
  return { policies: [...tokenPolicies(options), ...revocationPolicies(options), ...shared], flows: tokenProxyFlows(), faultRules: tokenProxyFaultRules(), defaultFaultRule: defaultFaultRule('AM-ServerError') };
}
