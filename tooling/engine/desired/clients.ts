/**
 * OAuth2 client overrides: consumers get the two scripts; clients of dynamic scopes use the policy
 * engine for scope decisions. A consumer can be both: its audience scopes go through the scripts,
 * its plain scopes through the scopes policy set. Pure.
 */
import type { AccessConfig } from '../../config/access.js';
import { ref, type DesiredObject } from '../model.js';
import type { ClientSpec } from '../kinds/oauth2-client.js';
import { engineOf } from './machinery.js';
import { scriptNameFor } from './names.js';
import { alwaysDecidedScopes, scopeChecksFor, scopeDescriptionEntries } from './scope-policies.js';

export function clientObjects(access: AccessConfig): DesiredObject<'oauth2-client'>[] {
  const specs = new Map<string, ClientSpec>();
  for (const clientId of Object.keys(access.consumers)) {
    specs.set(clientId, {
      role: 'consumer client',
      scopeChecks: [],
      overrides: {
        providerOverridesEnabled: true,
        accessTokenModificationPluginType: 'SCRIPTED',
        // The chosen engine's scripts (a reference: the client switches only once they exist).
        accessTokenModificationScript: ref('script', scriptNameFor(engineOf(access), 'policy-eval-mod'), '_id'),
        validateScopePluginType: 'SCRIPTED',
        validateScopeScript: ref('script', scriptNameFor(engineOf(access), 'scope-validation'), '_id'),
      },
    });
  }
  const dynamic = access.scopePolicies;
  for (const clientId of dynamic?.clients ?? []) {
    const consumer = specs.get(clientId);
    // Consent is managed only as far as the access file says (scopePolicies.consent); the rest stays the tenant's.
    const consent = dynamic!.consent?.[clientId];
    const skip: Record<string, boolean> = consent?.clientsCanSkipConsent === undefined ? {} : { clientsCanSkipConsent: consent.clientsCanSkipConsent };
    const scopeEntries = scopeDescriptionEntries(consent);
    // AM reads the override block only when providerOverridesEnabled is true.
    specs.set(clientId, {
      role: consumer?.role ?? 'OAuth2 client (listed in scopePolicies.clients)',
      scopeChecks: scopeChecksFor(dynamic!, clientId),
      overrides: { ...consumer?.overrides, providerOverridesEnabled: true, usePolicyEngineForScope: true, scopesPolicySet: dynamic!.policySet, ...skip },
      consent: {
        ...(consent?.impliedConsent === undefined ? {} : { impliedConsent: consent.impliedConsent }),
        ...(scopeEntries ? { scopeEntries } : {}),
        alwaysDecided: alwaysDecidedScopes(dynamic!, clientId),
      },
    });
  }
  return [...specs.keys()].sort().map((id) => ({ kind: 'oauth2-client', id, spec: specs.get(id)! }));
}
