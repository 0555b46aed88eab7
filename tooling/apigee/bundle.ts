/**
 * The Apigee bundles generated from the access configuration:
 * - the token proxy, which imports AIC-minted tokens into Apigee's token store (the "external
 *   authorization" pattern of Apigee's "Using third-party OAuth tokens") and revokes them;
 * - per exposed provider, a verify shared flow (one VerifyAccessToken per scope, the scope qualified
 *   as api://<provider>/<scope>, so a token of another provider never passes), and a provider proxy
 *   whose routes call that shared flow with the scope they need, then forward to the backend.
 * Owns: which policies exist, their order, the bundle layout, the content hash and the zip. Pure
 * apart from zipping; knows nothing of the management API.
 *
 * No credential is ever part of a bundle: the consumer's client_id/client_secret travel from the
 * token request to AIC through flow-variable references, and the AIC URL comes from configuration.
 */
import { createHash } from 'node:crypto';
import JSZip from 'jszip';
import type { AccessConfig } from '../config/access.js';
import { resolveExposures, type ProviderExposure } from './exposure.js';
import { MANAGED_MARKER, providerProxyName, qualifiedScope, targetServerName, TOKEN_PROXY_NAME, verifyFlowName } from './names.js';
import { SCRIPT, SCRIPT_SOURCES } from './scripts.js';
import { policyXml, type PolicySpec } from './policy-xml.js';
import { descriptorXml, proxyEndpointXml, sharedFlowXml, targetEndpointXml, type FaultRuleSpec, type FlowSpec, type StepSpec } from './xml.js';
import { condition, defaultFaultRule, serverError } from './flow-steps.js';
import { tokenFlowPolicies, type TokenProxyOptions } from './token-flows.js';

export { TOKEN_PROXY_NAME, verifyFlowName, providerProxyName } from './names.js';
export const DEFAULT_TOKEN_BASE_PATH = '/aic-api-to-api/oauth2';
export { DEFAULT_EXPIRY_MARGIN_SECONDS, type TokenProxyOptions } from './token-flows.js';
/** The flow variable a provider proxy sets (a FlowCallout parameter) to the route's scope. */
export const REQUIRED_SCOPE_VARIABLE = 'aic_api_to_api.required_scope';
const HASH_PATTERN = /\[bundle-sha256:([0-9a-f]{64})\]/;

export interface ApigeeBundle {
  kind: 'apis' | 'sharedflows';
  name: string;
  /** Path inside the zip -> content; the descriptor's description carries the content hash. */
  files: Map<string, string>;
  hash: string;
}

export interface BundleOptions {
  /** AIC base URL (scheme and host), e.g. https://openam-example.forgeblocks.com. */
  aicBaseUrl: string;
  realm: string;
  tokenBasePath?: string;
  /** Seconds taken off AIC's expires_in: Apigee stops accepting the token before AIC does. */
  expiryMarginSeconds?: number;
  /** APIGEE_PROVIDER_TARGET_URL, for providers whose access file names no backend. */
  providerTargetUrl?: string;
}

/**
 * Per provider: the route's scope must be one of the provider's (else nothing would be verified:
 * refused), then one VerifyAccessToken per scope, run only for the route's scope. The token holds
 * api://<provider>/<scope> (the token proxy stores the qualified names): the scope itself says for
 * which provider it was granted.
 */
export function verifyFlowPolicies(provider: string, scopes: string[]): { policies: PolicySpec[]; steps: StepSpec[] } {
  const policies: PolicySpec[] = [
    { kind: 'JavaScript', name: 'JS-CheckRouteScope', resource: SCRIPT.checkRouteScope, timeLimitMs: 200, properties: { scopes: scopes.join(' ') } },
    { kind: 'RaiseFault', name: 'RF-UnknownRouteScope', status: 500, reason: 'Internal Server Error', payload: { json: { error: 'server_error', error_description: 'the route names no scope of this API' } } },
  ];
  const steps: StepSpec[] = [{ policy: 'JS-CheckRouteScope' }, { policy: 'RF-UnknownRouteScope', condition: condition('aic_api_to_api.route_scope_known', '!=', 'true') }];
  scopes.forEach((scope, index) => {
    const name = `OA-VerifyScope-${index + 1}`;
    policies.push({ kind: 'VerifyAccessToken', name, scope: qualifiedScope(provider, scope) });
    steps.push({ policy: name, condition: condition(REQUIRED_SCOPE_VARIABLE, '=', scope) });
  });
  return { policies, steps };
}

function routeCondition(path: string, methods: string[] | undefined): string {
  const pathTest = `(proxy.pathsuffix MatchesPath ${JSON.stringify(path)})`;
  if (!methods?.length) return pathTest;
  // One JavaRegex term for several methods (a full match; the names come from a fixed list): an
  // `or` per method would exceed the condition complexity apigeelint accepts (CC004).
  const verbs = methods.length === 1 ? condition('request.verb', '=', methods[0]) : `(request.verb ~~ ${JSON.stringify(`(${methods.join('|')})`)})`;
  return `${pathTest} and ${verbs}`;
}

/** The provider proxy: route -> FlowCallout to the verify flow with the route's scope -> backend. */
export function providerProxyPolicies(exposure: ProviderExposure): { policies: PolicySpec[]; flows: FlowSpec[]; faultRules: FaultRuleSpec[]; defaultFaultRule: StepSpec[] } {
  const used = [...new Set(exposure.routes.map((route) => route.scope))].sort();
  const calloutOf = new Map(used.map((scope, index) => [scope, `FC-VerifyScope-${index + 1}`]));
  const policies: PolicySpec[] = used.map((scope) => ({ kind: 'FlowCallout', name: calloutOf.get(scope)!, sharedFlow: verifyFlowName(exposure.provider), parameters: { [REQUIRED_SCOPE_VARIABLE]: scope } }));
  policies.push(
    { kind: 'RaiseFault', name: 'RF-NotFound', status: 404, reason: 'Not Found', payload: { json: { error: 'not_found' } } },
    // RFC 6750 3.1: the resource server's answers to a missing, invalid or insufficient token.
    { kind: 'AssignMessage', name: 'AM-InvalidToken', response: { status: 401, reason: 'Unauthorized', headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"', 'Cache-Control': 'no-store' }, payload: { json: { error: 'invalid_token' } } } },
    { kind: 'AssignMessage', name: 'AM-InsufficientScope', response: { status: 403, reason: 'Forbidden', headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"', 'Cache-Control': 'no-store' }, payload: { json: { error: 'insufficient_scope' } } } },
    serverError('AM-ServerError'),
  );
  const flows: FlowSpec[] = exposure.routes.map((route, index) => ({ name: `route-${index + 1}`, condition: routeCondition(route.path, route.methods), request: [{ policy: calloutOf.get(route.scope)! }] }));
  flows.push({ name: 'not-found', request: [{ policy: 'RF-NotFound' }] });
  const insufficient = condition('fault.name', '=', 'InsufficientScope');
  const faultRules: FaultRuleSpec[] = [
    { name: 'invalid-token', condition: `(oauthV2.failed = true) and ${condition('fault.name', '!=', 'InsufficientScope')}`, steps: [{ policy: 'AM-InvalidToken' }] },
    { name: 'insufficient-scope', condition: `(oauthV2.failed = true) and ${insufficient}`, steps: [{ policy: 'AM-InsufficientScope' }] },
  ];
  return { policies, flows, faultRules, defaultFaultRule: defaultFaultRule('AM-ServerError') };
}

function finish(kind: ApigeeBundle['kind'], name: string, build: (description: string) => Map<string, string>): ApigeeBundle {
  // The hash covers everything the revision holds except the hash itself.
  const unhashed = build(MANAGED_MARKER);
  const digest = createHash('sha256');
  for (const file of [...unhashed.keys()].sort()) digest.update(file).update('\0').update(unhashed.get(file)!).update('\0');
  const hash = digest.digest('hex');
  return { kind, name, files: build(`${MANAGED_MARKER} [bundle-sha256:${hash}]`), hash };
}

function resourcesOf(policies: PolicySpec[]): string[] {
  return [...new Set(policies.flatMap((p) => (p.kind === 'JavaScript' ? [p.resource] : [])))].sort();
}

function proxyBundle(name: string, basePath: string, built: { policies: PolicySpec[]; flows: FlowSpec[]; faultRules: FaultRuleSpec[]; defaultFaultRule: StepSpec[] }, target?: { server: string; path: string }): ApigeeBundle {
  const resources = resourcesOf(built.policies);
  return finish('apis', name, (description) => {
    const files = new Map<string, string>();
    files.set(`apiproxy/${name}.xml`, descriptorXml({ kind: 'APIProxy', name, description, policies: built.policies.map((p) => p.name), resources, targets: target ? ['default'] : [] }));
    files.set('apiproxy/proxies/default.xml', proxyEndpointXml({ basePath, flows: built.flows, faultRules: built.faultRules, defaultFaultRule: built.defaultFaultRule, target: target ? 'default' : undefined }));
    if (target) files.set('apiproxy/targets/default.xml', targetEndpointXml(target.server, target.path));
    for (const policy of built.policies) files.set(`apiproxy/policies/${policy.name}.xml`, policyXml(policy));
    for (const resource of resources) files.set(`apiproxy/resources/jsc/${resource}`, SCRIPT_SOURCES[resource as keyof typeof SCRIPT_SOURCES]);
    return files;
  });
}

export function tokenProxyBundle(options: TokenProxyOptions): ApigeeBundle {
  return proxyBundle(TOKEN_PROXY_NAME, options.tokenBasePath ?? DEFAULT_TOKEN_BASE_PATH, tokenFlowPolicies(options));
}

export function verifyFlowBundle(provider: string, scopes: string[]): ApigeeBundle {
  const name = verifyFlowName(provider);
  const { policies, steps } = verifyFlowPolicies(provider, scopes);
  const resources = resourcesOf(policies);
  return finish('sharedflows', name, (description) => {
    const files = new Map<string, string>();
    files.set(`sharedflowbundle/${name}.xml`, descriptorXml({ kind: 'SharedFlowBundle', name, description, policies: policies.map((p) => p.name), resources }));
    files.set('sharedflowbundle/sharedflows/default.xml', sharedFlowXml(steps));
    for (const policy of policies) files.set(`sharedflowbundle/policies/${policy.name}.xml`, policyXml(policy));
    for (const resource of resources) files.set(`sharedflowbundle/resources/jsc/${resource}`, SCRIPT_SOURCES[resource as keyof typeof SCRIPT_SOURCES]);
    return files;
  });
}

export function providerProxyBundle(exposure: ProviderExposure): ApigeeBundle {
  return proxyBundle(providerProxyName(exposure.provider), exposure.basePath, providerProxyPolicies(exposure), { server: targetServerName(exposure.provider), path: exposure.target.path });
}

export class BundleConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'BundleConfigError';
  }
}

/** Bundles for resolved exposures: shared flows, provider proxies, then the token proxy. Refuses name collisions. */
export function bundlesFor(exposures: ProviderExposure[], options: BundleOptions): ApigeeBundle[] {
  const bundles: ApigeeBundle[] = [];
  const names = new Map<string, string>();
  const problems: string[] = [];
  for (const exposure of exposures) {
    for (const bundle of [verifyFlowBundle(exposure.provider, exposure.scopes), providerProxyBundle(exposure)]) {
      const key = `${bundle.kind}/${bundle.name}`;
      const other = names.get(key);
      if (other !== undefined) problems.push(`providers ${other} and ${exposure.provider} map to the same Apigee name ${bundle.name}: rename one`);
      else names.set(key, exposure.provider);
      bundles.push(bundle);
    }
  }
  if (problems.length) throw new BundleConfigError(problems);
  const ordered = [...bundles.filter((b) => b.kind === 'sharedflows'), ...bundles.filter((b) => b.kind === 'apis')];
  return [...ordered, tokenProxyBundle({ ...options, exposedProviders: exposures.map((e) => e.provider) })];
}

/** Every bundle of an access configuration (throws BundleConfigError on a missing backend or a collision). */
export function generateBundles(access: AccessConfig, options: BundleOptions): ApigeeBundle[] {
  const { exposures, problems } = resolveExposures(access, { providerTargetUrl: options.providerTargetUrl, tokenBasePath: options.tokenBasePath ?? DEFAULT_TOKEN_BASE_PATH });
  if (problems.length) throw new BundleConfigError(problems);
  return bundlesFor(exposures, options);
}

/** The hash a revision's description records (undefined when it is not ours). */
export function recordedHash(description: string | undefined): string | undefined {
  if (!description?.includes(MANAGED_MARKER)) return undefined;
  return HASH_PATTERN.exec(description)?.[1];
}

/** The zip Apigee's import takes; a fixed date keeps the bytes reproducible. */
export async function zipBundle(bundle: ApigeeBundle): Promise<Buffer> {
  const zip = new JSZip();
  const date = new Date(Date.UTC(2020, 0, 1));
  for (const file of [...bundle.files.keys()].sort()) zip.file(file, bundle.files.get(file)!, { date, createFolders: false });
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });
}
