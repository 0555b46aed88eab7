/**
 * What the scripts need in the tenant, whatever the access configuration says: their ESVs, the
 * scripts themselves, the policy-evaluator gateway and the AgentLogin journey. Pure.
 */
import type { AccessConfig } from '../../config/access.js';
import { gatewaySlots } from '../kinds/policy-gateway.js';
import { MANAGED_MARKER, ref, type DesiredObject, type JsonObject } from '../model.js';
import { ESV, ESV_ID, SCRIPT_NAMES, type ScriptRole } from './names.js';

export interface BundleSource {
  name: ScriptRole;
  source: string;
  context: string;
}

export interface MachineryInput {
  realm: string;
  /** Value of esv-tenant-env-fqdn: a host name, or a base URL with scheme. */
  tenantEsvValue: string;
  cookieName: string;
  gatewayId: string;
  journeyName: string;
  scripts: BundleSource[];
  journey: unknown;
}

const describe = (text: string) => `${text} ${MANAGED_MARKER}`;

function esvObjects(access: AccessConfig, input: MachineryInput): DesiredObject<'esv'>[] {
  const variable = (id: string, value: DesiredObject<'esv'>['spec'] & { type: 'variable' }): DesiredObject<'esv'> => ({ kind: 'esv', id, spec: value });
  const objects: DesiredObject<'esv'>[] = [
    variable(ESV.tenant, { type: 'variable', value: input.tenantEsvValue, description: describe('Tenant host (or base URL) the policy-evaluation script calls') }),
    variable(ESV.cookie, { type: 'variable', value: input.cookieName, description: describe("The tenant's session cookie name; the agent's SSO token is sent in a header of this name") }),
    // The gateway decides which of its two agents is active (rotation): the ESV follows it.
    variable(ESV.gatewayId, { type: 'variable', value: ref('policy-gateway', input.gatewayId, 'agentId'), description: describe('Id of the policy-evaluator Identity Gateway agent') }),
    variable(ESV.identityClaims, { type: 'variable', value: access.identityClaims.join(','), description: describe('Identity attributes copied into policy evaluation claims (comma-separated)') }),
    { kind: 'esv', id: ESV.gatewaySecret, spec: { type: 'secret', secret: 'gatewaySecret', description: describe('Password of the policy-evaluator agent') } },
  ];
  for (const object of objects) if (!ESV_ID.test(object.id)) throw new Error(`esv ${object.id}: invalid ESV id, expected ^esv-[a-z0-9_-]{1,124}$`);
  return objects;
}

interface JourneyExport {
  trees: Record<string, { tree: Record<string, unknown>; nodes?: Record<string, Record<string, unknown>>; innerNodes?: Record<string, Record<string, unknown>> }>;
}

/** The journey file (frodo export format) as nodes and a tree. */
export function journeyObjects(journey: unknown, realm: string): DesiredObject[] {
  const trees = (journey as JourneyExport)?.trees;
  if (!trees || typeof trees !== 'object') throw new Error('journey: expected the frodo export format {"trees": {"<name>": {tree, nodes, innerNodes}}}');
  const objects: DesiredObject[] = [];
  for (const [name, exported] of Object.entries(trees)) {
    for (const node of [...Object.values(exported.innerNodes ?? {}), ...Object.values(exported.nodes ?? {})]) {
      // The node's type (and version) is in its path; AM < 8.1 does not echo a version back.
      const { _rev, _type, ...config } = node as Record<string, unknown>;
      void _rev;
      const type = _type as { _id: string; version?: string };
      objects.push({ kind: 'journey-node', id: String(node._id), spec: { nodeType: type._id, version: type.version ?? '1.0', config: config as JsonObject } });
    }
    const { _rev, _id, ...tree } = exported.tree as Record<string, unknown>;
    void _rev, _id;
    objects.push({ kind: 'journey', id: name, spec: { ...(tree as JsonObject), identityResource: `managed/${realm}_user` } });
  }
  return objects;
}

export function machineryObjects(access: AccessConfig, input: MachineryInput): DesiredObject[] {
  const scripts: DesiredObject<'script'>[] = input.scripts.map((script) => ({
    kind: 'script',
    id: SCRIPT_NAMES[script.name],
    spec: { name: SCRIPT_NAMES[script.name], description: describe(`Built from scripts/${script.name}.ts.`), source: script.source, language: 'JAVASCRIPT', context: script.context, evaluatorVersion: '1.0', default: false },
  }));
  const gateway: DesiredObject<'policy-gateway'> = {
    kind: 'policy-gateway',
    id: input.gatewayId,
    spec: { slots: gatewaySlots(input.gatewayId), settings: { status: 'Active', igTokenIntrospection: 'None', igCdssoRedirectUrls: [] }, secret: 'gatewaySecret', idEsv: ESV.gatewayId, secretEsv: ESV.gatewaySecret, journey: input.journeyName },
  };
  return [...esvObjects(access, input), ...scripts, gateway, ...journeyObjects(input.journey, input.realm)];
}
