/**
 * The desired state: what the tenant must hold for an access configuration. A pure function.
 * Owns: the mapping from providers, scopes and grants to AM objects (ESVs, scripts, agent, journey,
 * resource types, policy sets, policies, client overrides), and from scope rules to OAuth2 scope
 * policies, and their naming.
 */
import type { AccessConfig, Condition, ScopePoliciesConfig } from '../config/access.js';
import { AUDIENCE_SCOPE_ATTRIBUTE } from '../../scripts/lib/policy-decision.js';
import { deterministicUuid } from './ids.js';
import { MANAGED_MARKER, type Body, type DesiredState, type ManagedObject, type Ref, type ScopeCheck } from './model.js';

export const SCRIPT_NAMES = { 'scope-validation': 'aic-api-to-api Scope Validation', 'policy-eval-mod': 'aic-api-to-api PolicyEvalMod' } as const;
export const ESV = {
  tenant: 'esv-tenant-env-fqdn',
  cookie: 'esv-cookie',
  gatewayId: 'esv-policy-gateway-id',
  gatewaySecret: 'esv-policy-gateway-secret',
  identityClaims: 'esv-policy-identity-claims',
} as const;
const ESV_ID = /^esv-[a-z0-9_-]{1,124}$/;
/** AM's built-in resource type of scope policies (pattern `*`, action GRANT); AIC's uuid is d60b7a71-1dc6-44a5-8e48-e4b9d92dee8b. Looked up by name, never created. */
export const OAUTH2_SCOPE_RESOURCE_TYPE = 'OAuth2 Scope';

export interface DesiredInput {
  access: AccessConfig;
  realm: string;
  esv: { tenantBaseUrlOrFqdn: string; cookieName: string; gatewayId: string; gatewaySecret: string };
  scripts: { name: 'scope-validation' | 'policy-eval-mod'; source: string; context: string }[];
  journey: unknown;
}

/** Policy names are unique per realm; a space cannot occur in provider or scope names, so this cannot collide. */
export function policyName(provider: string, scope: string): string {
  return `${provider} ${scope}`;
}

/** One policy per scope and effect; two spaces, so never equal to a provider's policy name. */
export function scopePolicyName(policySet: string, scope: string, effect: 'grant' | 'deny'): string {
  return `${policySet} ${scope} ${effect}`;
}

const marked = (description: string | undefined, fallback: string) => `${description || fallback} ${MANAGED_MARKER}`;
const ref = (kind: Ref['$ref']['kind'], id: string, field: string): Ref => ({ $ref: { kind, id, field } });

function claim(name: string, value: string): Body {
  return { type: 'JwtClaim', claimName: name, claimValue: value };
}


/** An AM policy deciding one resource: GRANT true or false for subjects matching any of the conditions. */
function policyObject(name: string, policy: { description: string; applicationName: string; resourceTypeUuid: Body[string]; resource: string; grant: boolean; conditions: Condition[]; resourceAttributes?: Body[] }): ManagedObject {
  return {
    kind: 'policy',
    id: name,
    body: {
      name,
      active: true,
      description: policy.description,
      applicationName: policy.applicationName,
      resourceTypeUuid: policy.resourceTypeUuid,
      resources: [policy.resource],
      actionValues: { GRANT: policy.grant },
      subject: combine('OR', policy.conditions.map(compileCondition)),
      resourceAttributes: policy.resourceAttributes ?? [],
    },
  };
}

/** A grant condition as an AM policy subject; all keys of one object are ANDed. */
export function compileCondition(condition: Condition): Body {
  const parts: Body[] = [];
  if (condition.client !== undefined) parts.push(claim('client', condition.client));
  if (condition.user !== undefined) parts.push(claim('subject', condition.user));
  if (condition.claim !== undefined && condition.value !== undefined) parts.push(claim(condition.claim, condition.value));
  if (condition.allOf) parts.push(combine('AND', condition.allOf.map(compileCondition)));
  if (condition.anyOf) parts.push(combine('OR', condition.anyOf.map(compileCondition)));
  if (condition.not) parts.push({ type: 'NOT', subject: compileCondition(condition.not) });
  if (condition.authenticatedUsers) parts.push({ type: 'AuthenticatedUsers' });
  return combine('AND', parts);
}

function combine(type: 'AND' | 'OR', subjects: Body[]): Body {
  const unique = [...new Map(subjects.map((s) => [JSON.stringify(s), s])).values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return unique.length === 1 ? unique[0] : { type, subjects: unique };
}

interface JourneyExport {
  trees: Record<string, { tree: Record<string, unknown>; nodes?: Record<string, Record<string, unknown>>; innerNodes?: Record<string, Record<string, unknown>> }>;
}

function journeyObjects(journey: unknown, realm: string): ManagedObject[] {
  const trees = (journey as JourneyExport)?.trees;
  if (!trees || typeof trees !== 'object') throw new Error('journey: expected the frodo export format {"trees": {"<name>": {tree, nodes, innerNodes}}}');
  const objects: ManagedObject[] = [];
  for (const [name, exported] of Object.entries(trees)) {
    for (const node of [...Object.values(exported.innerNodes ?? {}), ...Object.values(exported.nodes ?? {})]) {
      // The node's type (and version) is in its path; AM < 8.1 does not echo a version back.
      const { _rev, _type: _ignored, ...body } = node as Record<string, unknown> & { _rev?: unknown };
      void _rev;
      void _ignored;
      const type = node._type as { _id: string; version?: string };
      objects.push({ kind: 'journey-node', id: String(node._id), body: body as Body, meta: { nodeType: type._id, version: type.version ?? '1.0' } });
    }
    const { _rev, _id, ...tree } = exported.tree as Record<string, unknown>;
    void _rev;
    void _id;
    objects.push({ kind: 'journey', id: name, body: { ...(tree as Body), identityResource: `managed/${realm}_user` } });
  }
  return objects;
}

export function desiredState(input: DesiredInput): DesiredState {
  const { access, realm, esv } = input;
  const objects: ManagedObject[] = [];
  const variable = (id: string, value: string, description: string): ManagedObject => ({ kind: 'esv', id, body: { value, description, expressionType: 'string' }, meta: { esvType: 'variable' } });
  objects.push(
    variable(ESV.tenant, esv.tenantBaseUrlOrFqdn, 'Tenant host (or base URL) the policy-evaluation script calls'),
    variable(ESV.cookie, esv.cookieName, "The tenant's session cookie name; the agent's SSO token is sent in a header of this name"),
    variable(ESV.gatewayId, esv.gatewayId, 'Id of the policy-evaluator Identity Gateway agent'),
    variable(ESV.identityClaims, access.identityClaims.join(','), 'Identity attributes copied into policy evaluation claims (comma-separated)'),
    { kind: 'esv', id: ESV.gatewaySecret, body: { description: 'Password of the policy-evaluator agent', encoding: 'generic', useInPlaceholders: true }, meta: { esvType: 'secret' } },
  );
  for (const object of objects) if (!ESV_ID.test(object.id)) throw new Error(`esv ${object.id}: invalid ESV id, expected ^esv-[a-z0-9_-]{1,124}$`);

  for (const script of input.scripts) {
    const name = SCRIPT_NAMES[script.name];
    objects.push({
      kind: 'script',
      id: name,
      body: { name, description: marked(undefined, `Built from scripts/${script.name}.ts.`), script: Buffer.from(script.source, 'utf8').toString('base64'), language: 'JAVASCRIPT', context: script.context, evaluatorVersion: '1.0', default: false },
    });
  }
  objects.push({ kind: 'ig-agent', id: esv.gatewayId, body: { status: 'Active', igTokenIntrospection: 'None', igCdssoRedirectUrls: [] } });
  objects.push(...journeyObjects(input.journey, realm));

  for (const providerId of Object.keys(access.providers).sort()) {
    const provider = access.providers[providerId];
    const description = provider.description ?? `API-to-API scopes of ${providerId}`;
    objects.push({
      kind: 'resource-type',
      id: providerId,
      body: { uuid: deterministicUuid(`resource-type:${realm}:${providerId}`), name: providerId, description: marked(description, ''), patterns: [`api://${providerId}/*`], actions: { GRANT: true } },
    });
    objects.push({
      kind: 'policy-set',
      id: providerId,
      body: {
        name: providerId,
        displayName: `${providerId} Policies`,
        description: marked(description, ''),
        resourceTypeUuids: [ref('resource-type', providerId, 'uuid')],
        applicationType: 'iPlanetAMWebAgentService',
        entitlementCombiner: 'DenyOverride',
        subjects: ['AND', 'JwtClaim', 'NOT', 'OR'],
        conditions: [],
        attributeNames: [],
      },
    });
    for (const scopeName of Object.keys(provider.scopes).sort()) {
      const scope = provider.scopes[scopeName];
      if (scope.grants.length === 0) continue; // not grantable: no policy at all
      const name = policyName(providerId, scopeName);
      objects.push(policyObject(name, {
        description: marked(scope.description, `Who may have api://${providerId}/${scopeName}`),
        applicationName: providerId,
        resourceTypeUuid: ref('resource-type', providerId, 'uuid'),
        resource: `api://${providerId}/${scopeName}`,
        grant: true,
        conditions: scope.grants,
        // The scripts grant a scope only when the applying policy names exactly it (AM's matching is case-insensitive).
        resourceAttributes: [{ type: 'Static', propertyName: AUDIENCE_SCOPE_ATTRIBUTE, propertyValues: [`api://${providerId}/${scopeName}`] }],
      }));
    }
  }
  const overrides = new Map<string, Body>();
  for (const clientId of Object.keys(access.consumers).sort()) {
    overrides.set(clientId, {
      providerOverridesEnabled: true,
      accessTokenModificationPluginType: 'SCRIPTED',
      accessTokenModificationScript: ref('script', SCRIPT_NAMES['policy-eval-mod'], '_id'),
      validateScopePluginType: 'SCRIPTED',
      validateScopeScript: ref('script', SCRIPT_NAMES['scope-validation'], '_id'),
    });
  }
  let scopeChecks: ScopeCheck[] | undefined;
  if (access.scopePolicies) {
    objects.push(...scopePolicyObjects(access.scopePolicies));
    scopeChecks = scopeChecksOf(access.scopePolicies);
    for (const clientId of access.scopePolicies.clients) {
      // A consumer keeps its scripts: audience scopes (scripts) and dynamic scopes work side by side.
      // AM reads the override block only when providerOverridesEnabled is true.
      overrides.set(clientId, { ...overrides.get(clientId), providerOverridesEnabled: true, usePolicyEngineForScope: true, scopesPolicySet: access.scopePolicies.policySet });
    }
  }
  for (const clientId of [...overrides.keys()].sort()) objects.push({ kind: 'oauth2-client', id: clientId, body: { overrideOAuth2ClientConfig: overrides.get(clientId)! } });
  return { realm, objects, secretValues: { [ESV.gatewaySecret]: esv.gatewaySecret, [`ig-agent:${esv.gatewayId}`]: esv.gatewaySecret }, ...(scopeChecks ? { scopeChecks } : {}) };
}

/**
 * Dynamic scopes: the scopes policy set (created only when the tenant lacks it: AIC ships
 * oauth2Scopes, which the tool never rewrites or deletes) and one policy per scope and effect,
 * whose subject is the OR of that pair's rule conditions.
 */
function scopePolicyObjects(config: ScopePoliciesConfig): ManagedObject[] {
  const resourceType = ref('resource-type', OAUTH2_SCOPE_RESOURCE_TYPE, 'uuid');
  resourceType.$ref.missing = `resource type "${OAUTH2_SCOPE_RESOURCE_TYPE}" (AM's built-in type of OAuth2 scope policies) does not exist in the realm; it is needed by scopePolicies`;
  const objects: ManagedObject[] = [
    {
      kind: 'policy-set',
      id: config.policySet,
      createOnly: true,
      body: {
        name: config.policySet,
        displayName: config.policySet === 'oauth2Scopes' ? 'Default OAuth2 Scopes Policy Set' : `${config.policySet} (OAuth2 scopes)`,
        description: marked(config.description, 'OAuth2 scope decisions (Use Policy Engine for Scope decisions)'),
        resourceTypeUuids: [resourceType],
        applicationType: 'iPlanetAMWebAgentService',
        entitlementCombiner: 'DenyOverride',
        subjects: ['AND', 'AuthenticatedUsers', 'JwtClaim', 'NOT', 'OR'],
        conditions: [],
        attributeNames: [],
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
    objects.push(policyObject(name, {
      description: marked(undefined, `${effect === 'grant' ? 'Grants' : 'Denies'} the OAuth2 scope ${scope} (dynamic scopes)`),
      applicationName: config.policySet,
      resourceTypeUuid: resourceType,
      resource: scope,
      grant: effect === 'grant',
      conditions: when,
    }));
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

/** Per listed client, the scopes of the rules that can apply to it (checked against the tenant's client by the planner). */
function scopeChecksOf(config: ScopePoliciesConfig): ScopeCheck[] {
  return config.clients.map((clientId) => ({
    clientId,
    scopes: config.rules
      .map((rule, index) => ({ rule, at: `scopePolicies.rules[${index}]` }))
      .filter(({ rule }) => requiredClients(rule.when)?.has(clientId) ?? true)
      .map(({ rule, at }) => ({ scope: rule.scope, at })),
  }));
}

/** Synthetic access configurations for tests and the benchmark (deterministic for a seed). */
export function generateAccessConfig(options: { providers: number; scopesPerProvider: number; grantsPerScope: number | [number, number]; consumers: number; seed?: number }): AccessConfig {
  let seed = options.seed ?? 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const consumers = Array.from({ length: options.consumers }, (_, i) => `consumer-${String(i).padStart(4, '0')}`);
  const config: AccessConfig = { consumers: Object.fromEntries(consumers.map((id) => [id, {}])), identityClaims: [], providers: {} };
  for (let p = 0; p < options.providers; p++) {
    const scopes: AccessConfig['providers'][string]['scopes'] = {};
    for (let s = 0; s < options.scopesPerProvider; s++) {
      const [min, max] = Array.isArray(options.grantsPerScope) ? options.grantsPerScope : [options.grantsPerScope, options.grantsPerScope];
      const count = min + Math.floor(random() * (max - min + 1));
      const chosen = new Set<string>();
      while (chosen.size < Math.min(count, consumers.length)) chosen.add(consumers[Math.floor(random() * consumers.length)]);
      scopes[`scope-${s}`] = { grants: [...chosen].sort().map((client) => ({ client })) };
    }
    config.providers[`provider-${String(p).padStart(4, '0')}`] = { scopes };
  }
  return config;
}
