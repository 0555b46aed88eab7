/**
 * The `scopePolicies` section (dynamic scopes) as AM objects: the scopes policy set (created only
 * when the tenant lacks it: AIC ships oauth2Scopes, which the tool never rewrites or deletes) and one
 * policy per scope and effect, whose subject is the OR of that pair's rule conditions. Pure.
 */
import type { Condition, ScopePoliciesConfig } from '../../config/access.js';
import { ref, type DesiredObject } from '../model.js';
import { OAUTH2_SCOPE_RESOURCE_TYPE, scopePolicyName } from './names.js';
import { marked, policyObject } from './providers.js';

export function scopePolicyObjects(config: ScopePoliciesConfig): DesiredObject[] {
  const resourceType = ref('resource-type', OAUTH2_SCOPE_RESOURCE_TYPE, 'uuid', `resource type "${OAUTH2_SCOPE_RESOURCE_TYPE}" (AM's built-in type of OAuth2 scope policies) does not exist in the realm; it is needed by scopePolicies`);
  const objects: DesiredObject[] = [
    {
      kind: 'policy-set',
      id: config.policySet,
      spec: {
        createOnly: true,
        resourceTypeUuids: [resourceType],
        body: {
          name: config.policySet,
          displayName: config.policySet === 'oauth2Scopes' ? 'Default OAuth2 Scopes Policy Set' : `${config.policySet} (OAuth2 scopes)`,
          description: marked(config.description, 'OAuth2 scope decisions (Use Policy Engine for Scope decisions)'),
          applicationType: 'iPlanetAMWebAgentService',
          entitlementCombiner: 'DenyOverride',
          subjects: ['AND', 'AuthenticatedUsers', 'JwtClaim', 'NOT', 'OR'],
          conditions: [],
          attributeNames: [],
        },
      },
    },
  ];
  const grouped = new Map<string, { scope: string; effect: 'grant' | 'deny'; when: Condition[] }>();
  for (const rule of config.rules) {
    const key = scopePolicyName(config.policySet, rule.scope, rule.effect);
    const group = grouped.get(key) ?? { scope: rule.scope, effect: rule.effect, when: [] };
    group.when.push(rule.when);
    grouped.set(key, group);
  }
  for (const name of [...grouped.keys()].sort()) {
    const { scope, effect, when } = grouped.get(name)!;
    objects.push(
      policyObject(name, {
        description: marked(undefined, `${effect === 'grant' ? 'Grants' : 'Denies'} the OAuth2 scope ${scope} (dynamic scopes)`),
        applicationName: config.policySet,
        resourceTypeUuid: resourceType,
        resource: scope,
        grant: effect === 'grant',
        conditions: when,
      }),
    );
  }
  return objects;
}

/** Clients a condition requires (a `client` key, directly or in allOf); undefined = any client. */
function requiredClients(condition: Condition): Set<string> | undefined {
  const sets: Set<string>[] = [];
  if (condition.client !== undefined) sets.push(new Set([condition.client]));
  for (const inner of condition.allOf ?? []) {
    const required = requiredClients(inner);
    if (required) sets.push(required);
  }
  if (sets.length === 0) return undefined;
  return new Set([...sets[0]].filter((id) => sets.every((set) => set.has(id))));
}

/** The scopes of the rules that can apply to a listed client (checked against its allowed scopes by the planner). */
export function scopeChecksFor(config: ScopePoliciesConfig, clientId: string): { scope: string; at: string }[] {
  return config.rules
    .map((rule, index) => ({ rule, at: `scopePolicies.rules[${index}]` }))
    .filter(({ rule }) => requiredClients(rule.when)?.has(clientId) ?? true)
    .map(({ rule, at }) => ({ scope: rule.scope, at }));
}
