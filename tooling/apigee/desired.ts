/**
 * What the access configuration wants in the Apigee organization: the developer, per exposed
 * provider a target server, an API product and its bundles (verify shared flow, provider proxy),
 * the token proxy, and per consumer an app whose credential is the AIC client id and carries the
 * products of the providers that can grant it something. Owns: that derivation and every check that
 * can be made before anything is sent. Pure.
 *
 * Products: one per provider, scopes qualified as api://<provider>/<scope>. The qualified name is
 * what makes verification provider-specific (a bare `read` would be every provider's `read`); the
 * product per provider is what lets Apigee's own product check (VerifyAccessToken matches the
 * token's products against the proxy) refuse a token at a provider the consumer has no grant for,
 * and keeps each product small and changed only when its provider changes.
 */
import type { AccessConfig, Condition } from '../config/access.js';
import { BundleConfigError, bundlesFor, DEFAULT_EXPIRY_MARGIN_SECONDS, type BundleOptions } from './bundle.js';
import { resolveExposures, type ProviderExposure } from './exposure.js';
import type { ApiProduct, Operation, TargetServer } from './management.js';
import type { DesiredApigee, DesiredApp } from './model.js';
import { appNameFor, CONSUMER_KEY_PATTERN, CONSUMER_KEY_RULE, MANAGED_MARKER, productName, providerProxyName, qualifiedScope, targetServerName, verifyFlowName } from './names.js';

export interface DesiredOptions extends BundleOptions {
  organization: string;
  environment: string;
  developer: string;
  tokenBasePath: string;
}

/**
 * Whether a grant can hold for a client-credentials request of this consumer. Only `client` rules a
 * consumer out; user, claim and `not` conditions may hold for any client, so they count as possible
 * (a product too many costs nothing; one too few would drop a scope AIC granted).
 */
export function mayAdmit(condition: Condition, consumer: string): boolean {
  if (condition.client !== undefined && condition.client !== consumer) return false;
  if (condition.allOf && !condition.allOf.every((c) => mayAdmit(c, consumer))) return false;
  if (condition.anyOf && !condition.anyOf.some((c) => mayAdmit(c, consumer))) return false;
  return true;
}

function operations(exposure: ProviderExposure): Operation[] {
  // One operation per resource path: methods merged, "every method" when any route takes all.
  const byPath = new Map<string, Set<string> | 'all'>();
  for (const route of exposure.routes) {
    const known = byPath.get(route.path);
    if (!route.methods || known === 'all') byPath.set(route.path, 'all');
    else byPath.set(route.path, new Set([...(known ?? []), ...route.methods]));
  }
  return [...byPath.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([resource, methods]) => (methods === 'all' ? { resource } : { resource, methods: [...methods].sort() }));
}

export function productFor(exposure: ProviderExposure, environment: string): ApiProduct {
  const { provider } = exposure;
  return {
    name: productName(provider),
    displayName: productName(provider),
    description: `Scopes of provider ${provider}, verified by shared flow ${verifyFlowName(provider)} ${MANAGED_MARKER}`,
    approvalType: 'auto',
    environments: [environment],
    scopes: exposure.scopes.map((scope) => qualifiedScope(provider, scope)),
    // Not listed on developer portals: credentials get it from the tool only.
    attributes: [{ name: 'access', value: 'private' }],
    operationGroup: { operationConfigType: 'proxy', operationConfigs: [{ apiSource: providerProxyName(provider), operations: operations(exposure) }] },
  };
}

export function targetServerFor(exposure: ProviderExposure): TargetServer {
  const { target } = exposure;
  return {
    name: targetServerName(exposure.provider),
    description: `Backend of provider ${exposure.provider} ${MANAGED_MARKER}`,
    host: target.host,
    port: target.port,
    isEnabled: true,
    protocol: 'HTTP',
    ...(target.tls ? { sSLInfo: { enabled: true, enforce: true, ignoreValidationErrors: false } } : {}),
  };
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

export function desiredApigee(access: AccessConfig, options: DesiredOptions): DesiredApigee {
  const problems: string[] = [];
  const warnings: string[] = [];
  let aic: URL | undefined;
  try {
    aic = new URL(options.aicBaseUrl);
  } catch {
    problems.push(`AIC_TENANT: expected the AIC base URL Apigee calls (https://<tenant host>), got ${JSON.stringify(options.aicBaseUrl.slice(0, 80))}`);
  }
  if (aic && aic.protocol !== 'https:') {
    // The token proxy forwards every consumer's client secret to AIC.
    if (LOOPBACK.test(aic.hostname)) warnings.push(`AIC is reached over ${aic.protocol}//${aic.host}: a loopback address no Apigee organization can call (tests only)`);
    else problems.push(`AIC_TENANT: Apigee sends the consumers' client secrets to AIC: expected an https:// URL, got ${aic.protocol}//${aic.host}`);
  }
  const margin = options.expiryMarginSeconds ?? DEFAULT_EXPIRY_MARGIN_SECONDS;
  if (!Number.isInteger(margin) || margin < 0 || margin > 600) problems.push(`APIGEE_TOKEN_EXPIRY_MARGIN_SECONDS: expected a whole number of seconds from 0 to 600, got ${margin}`);

  for (const consumer of Object.keys(access.consumers).sort()) {
    if (!CONSUMER_KEY_PATTERN.test(consumer)) problems.push(`consumers.${consumer}: this AIC client id cannot be an Apigee consumer key: expected ${CONSUMER_KEY_RULE}`);
  }
  const resolved = resolveExposures(access, { providerTargetUrl: options.providerTargetUrl, tokenBasePath: options.tokenBasePath });
  problems.push(...resolved.problems);
  const exposures = resolved.exposures;
  for (const exposure of exposures) {
    if (!exposure.target.tls) warnings.push(`providers.${exposure.provider}.apigee: backend ${exposure.target.url} is not https: Apigee forwards the consumers' tokens to it in clear`);
  }
  let bundles: DesiredApigee['bundles'] = [];
  try {
    bundles = bundlesFor(exposures, { ...options, expiryMarginSeconds: margin });
  } catch (error) {
    if (!(error instanceof BundleConfigError)) throw error;
    problems.push(...error.problems);
  }
  const apps: DesiredApp[] = Object.keys(access.consumers)
    .filter((consumer) => CONSUMER_KEY_PATTERN.test(consumer))
    .sort()
    .map((consumer) => ({
      consumer,
      app: appNameFor(consumer),
      products: exposures
        .filter((exposure) => Object.values(access.providers[exposure.provider].scopes).some((scope) => scope.grants.some((grant) => mayAdmit(grant, consumer))))
        .map((exposure) => productName(exposure.provider))
        .sort(),
    }));
  return {
    organization: options.organization,
    environment: options.environment,
    developer: options.developer,
    targetServers: exposures.map(targetServerFor),
    products: exposures.map((exposure) => productFor(exposure, options.environment)),
    apps,
    bundles,
    problems,
    warnings,
  };
}
