/**
 * The `providers` section as AM objects: per provider a resource type (api://<provider>/*, GRANT),
 * a policy set (DenyOverride) and one policy per granted scope, whose subject is the OR of the
 * scope's grants and which names its exact scope in a static response attribute (the scripts
 * grant only on that, since AM matches resources case-insensitively). Pure.
 */
import type { AccessConfig, Condition } from '../../config/access.js';
import { AUDIENCE_SCOPE_ATTRIBUTE } from '../../../scripts/lib/policy-decision.js';
import { MANAGED_MARKER, ref, type DesiredObject, type JsonObject, type Ref } from '../model.js';
import { combine, compileCondition } from './conditions.js';
import { policyName } from './names.js';

export const marked = (description: string | undefined, fallback: string) => `${description || fallback} ${MANAGED_MARKER}`;

/** An AM policy deciding one resource: GRANT true or false for subjects matching any of the conditions. */
export function policyObject(name: string, policy: { description: string; applicationName: string; resourceTypeUuid: Ref; resource: string; grant: boolean; conditions: Condition[]; resourceAttributes?: JsonObject[] }): DesiredObject<'policy'> {
  return {
    kind: 'policy',
    id: name,
    spec: {
      name,
      active: true,
      description: policy.description,
      applicationName: policy.applicationName,
      resourceTypeUuid: policy.resourceTypeUuid,
      resources: [policy.resource],
      actionValues: { GRANT: policy.grant },
      subject: combine('OR', policy.conditions.map(compileCondition)),
      condition: null,
      resourceAttributes: policy.resourceAttributes ?? [],
    },
  };
}

export function providerObjects(access: AccessConfig): DesiredObject[] {
  const objects: DesiredObject[] = [];
  for (const providerId of Object.keys(access.providers).sort()) {
    const provider = access.providers[providerId];
    const description = marked(provider.description, `API-to-API scopes of ${providerId}`);
    const resourceType = ref('resource-type', providerId, 'uuid');
    objects.push({ kind: 'resource-type', id: providerId, spec: { name: providerId, description, patterns: [`api://${providerId}/*`], actions: { GRANT: true } } });
    objects.push({
      kind: 'policy-set',
      id: providerId,
      spec: {
        body: { name: providerId, displayName: `${providerId} Policies`, description, applicationType: 'iPlanetAMWebAgentService', entitlementCombiner: 'DenyOverride', subjects: ['AND', 'JwtClaim', 'NOT', 'OR'], conditions: [], attributeNames: [] },
        resourceTypeUuids: [resourceType],
      },
    });
    for (const scopeName of Object.keys(provider.scopes).sort()) {
      const scope = provider.scopes[scopeName];
      if (scope.grants.length === 0) continue; // not grantable: no policy at all
      const resource = `api://${providerId}/${scopeName}`;
      objects.push(
        policyObject(policyName(providerId, scopeName), {
          description: marked(scope.description, `Who may have ${resource}`),
          applicationName: providerId,
          resourceTypeUuid: resourceType,
          resource,
          grant: true,
          conditions: scope.grants,
          resourceAttributes: [{ type: 'Static', propertyName: AUDIENCE_SCOPE_ATTRIBUTE, propertyValues: [resource] }],
        }),
      );
    }
  }
  return objects;
}
