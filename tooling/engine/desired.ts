/**
 * The desired state: what the tenant must hold for an access configuration. A pure function.
 * Owns: the mapping from providers, scopes and grants to AM objects (ESVs, scripts, agent, journey,
 * resource types, policy sets, policies, client overrides) and their naming.
 */
import type { AccessConfig, Condition } from '../config/access.js';
import { deterministicUuid } from './ids.js';
import { MANAGED_MARKER, type Body, type DesiredState, type ManagedObject, type Ref } from './model.js';

export const SCRIPT_NAMES = { 'scope-validation': 'aic-api-to-api Scope Validation', 'policy-eval-mod': 'aic-api-to-api PolicyEvalMod' } as const;
export const ESV = {
  tenant: 'esv-tenant-env-fqdn',
  cookie: 'esv-cookie',
  gatewayId: 'esv-policy-gateway-id',
  gatewaySecret: 'esv-policy-gateway-secret',
  identityClaims: 'esv-policy-identity-claims',
} as const;
const ESV_ID = /^esv-[a-z0-9_-]{1,124}$/;

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

const marked = (description: string | undefined, fallback: string) => `${description || fallback} ${MANAGED_MARKER}`;
const ref = (kind: Ref['$ref']['kind'], id: string, field: string): Ref => ({ $ref: { kind, id, field } });

function claim(name: string, value: string): Body {
  return { type: 'JwtClaim', claimName: name, claimValue: value };
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
    { kind: 'esv', id: ESV.gatewaySecret, body: { description: 'Password of the policy-evaluator agent', encoding: 'generic', useInPlaceholders: false }, meta: { esvType: 'secret' } },
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
      objects.push({
        kind: 'policy',
        id: name,
        body: {
          name,
          active: true,
          description: marked(scope.description, `Who may have api://${providerId}/${scopeName}`),
          applicationName: providerId,
          resourceTypeUuid: ref('resource-type', providerId, 'uuid'),
          resources: [`api://${providerId}/${scopeName}`],
          actionValues: { GRANT: true },
          subject: combine('OR', scope.grants.map(compileCondition)),
        },
      });
    }
  }
  for (const clientId of Object.keys(access.consumers).sort()) {
    objects.push({
      kind: 'oauth2-client',
      id: clientId,
      body: {
        overrideOAuth2ClientConfig: {
          providerOverridesEnabled: true,
          accessTokenModificationPluginType: 'SCRIPTED',
          accessTokenModificationScript: ref('script', SCRIPT_NAMES['policy-eval-mod'], '_id'),
          validateScopePluginType: 'SCRIPTED',
          validateScopeScript: ref('script', SCRIPT_NAMES['scope-validation'], '_id'),
        },
      },
    });
  }
  return { realm, objects, secretValues: { [ESV.gatewaySecret]: esv.gatewaySecret, [`ig-agent:${esv.gatewayId}`]: esv.gatewaySecret } };
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
