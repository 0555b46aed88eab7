/**
 * What the scripts need in the tenant, whatever the access configuration's grants say, for the
 * script engine it chooses (`scriptEngine`, default legacy). Pure.
 *
 * - legacy: the ESVs the script reads, the two legacy scripts (evaluatorVersion 1.0), the
 *   policy-evaluator gateway and the AgentLogin journey;
 * - next-gen: the identity-claims ESV and the two next-generation scripts (2.0) only; the token
 *   modification decides with AM's in-process `policy` binding, so there is no agent, journey or
 *   gateway secret.
 *
 * The other engine's objects are `retired`: read, and deleted by their handlers after every create
 * and update has settled — scripts and the journey when marked, the gateway's agents and record
 * only as far as the gateway's record says the tool created them. ESVs no longer desired go by
 * their marker (the esv kind).
 */
import type { AccessConfig } from '../../config/access.js';
import type { BuiltScript, ScriptName } from '../../build/build-scripts.js';
import { gatewaySlots } from '../kinds/policy-gateway.js';
import { retiredNodeId } from '../kinds/journey-node.js';
import { MANAGED_MARKER, ref, type DesiredObject, type DesiredState, type JsonObject } from '../model.js';
import { DEFAULT_SCRIPT_ENGINE, ESV, ESV_ID, SCRIPTS, type ScriptEngine } from './names.js';

/** One built bundle, as the deploy gets it from tooling/build (engine and evaluatorVersion as the build states them). */
export interface BundleSource {
  name: ScriptName;
  source: string;
  context: string;
  /** The build's statement; checked against names.ts SCRIPTS (hand-written fixtures may leave them out). */
  engine?: ScriptEngine;
  evaluatorVersion?: string;
}

/** What the deploy takes of a build result. */
export const bundleSource = (built: BuiltScript): BundleSource => ({ name: built.name, source: built.source, context: built.context, engine: built.engine, evaluatorVersion: built.evaluatorVersion });

export interface MachineryInput {
  realm: string;
  /** Value of esv-tenant-env-fqdn: a host name, or a base URL with scheme. */
  tenantEsvValue: string;
  cookieName: string;
  gatewayId: string;
  journeyName: string;
  /** The built bundles; those of the chosen engine are deployed (the others may be absent). */
  scripts: BundleSource[];
  journey: unknown;
}

const describe = (text: string) => `${text} ${MANAGED_MARKER}`;

export const engineOf = (access: Pick<AccessConfig, 'scriptEngine'>): ScriptEngine => access.scriptEngine ?? DEFAULT_SCRIPT_ENGINE;

function variable(id: string, value: Extract<DesiredObject<'esv'>['spec'], { type: 'variable' }>['value'], description: string): DesiredObject<'esv'> {
  return { kind: 'esv', id, spec: { type: 'variable', value, description: describe(description) } };
}

function esvObjects(access: AccessConfig, input: MachineryInput, engine: ScriptEngine): DesiredObject<'esv'>[] {
  const identityClaims = variable(ESV.identityClaims, access.identityClaims.join(','), 'Identity attributes copied into policy evaluation claims (comma-separated)');
  const objects: DesiredObject<'esv'>[] =
    engine === 'next-gen'
      ? [identityClaims]
      : [
          variable(ESV.tenant, input.tenantEsvValue, 'Tenant host (or base URL) the policy-evaluation script calls'),
          variable(ESV.cookie, input.cookieName, "The tenant's session cookie name; the agent's SSO token is sent in a header of this name"),
          // The gateway decides which of its two agents is active (rotation): the ESV follows it.
          variable(ESV.gatewayId, ref('policy-gateway', input.gatewayId, 'agentId'), 'Id of the policy-evaluator Identity Gateway agent'),
          identityClaims,
          { kind: 'esv', id: ESV.gatewaySecret, spec: { type: 'secret', secret: 'gatewaySecret', description: describe('Password of the policy-evaluator agent') } },
        ];
  for (const object of objects) if (!ESV_ID.test(object.id)) throw new Error(`esv ${object.id}: invalid ESV id, expected ^esv-[a-z0-9_-]{1,124}$`);
  return objects;
}

interface JourneyExport {
  trees: Record<string, { tree: Record<string, unknown>; nodes?: Record<string, Record<string, unknown>>; innerNodes?: Record<string, Record<string, unknown>> }>;
}

function journeyTrees(journey: unknown): JourneyExport['trees'] {
  const trees = (journey as JourneyExport)?.trees;
  if (!trees || typeof trees !== 'object') throw new Error('journey: expected the frodo export format {"trees": {"<name>": {tree, nodes, innerNodes}}}');
  return trees;
}

/** A node of the export: its type (and version) are in its REST path; AM < 8.1 does not echo a version back. */
function nodesOf(exported: JourneyExport['trees'][string]): { uuid: string; nodeType: string; version: string; config: JsonObject }[] {
  return [...Object.values(exported.innerNodes ?? {}), ...Object.values(exported.nodes ?? {})].map((node) => {
    const { _rev, _type, ...config } = node as Record<string, unknown>;
    void _rev;
    const type = _type as { _id: string; version?: string };
    return { uuid: String(node._id), nodeType: type._id, version: type.version ?? '1.0', config: config as JsonObject };
  });
}

/** The journey file (frodo export format) as nodes and a tree; the tree's description is marked (the tool deletes only marked trees). */
export function journeyObjects(journey: unknown, realm: string): DesiredObject[] {
  const objects: DesiredObject[] = [];
  for (const [name, exported] of Object.entries(journeyTrees(journey))) {
    for (const node of nodesOf(exported)) objects.push({ kind: 'journey-node', id: node.uuid, spec: { nodeType: node.nodeType, version: node.version, config: node.config } });
    const { _rev, _id, ...tree } = exported.tree as Record<string, unknown>;
    void _rev, _id;
    const description = typeof tree.description === 'string' && tree.description ? tree.description : `Agent-only authentication (${name})`;
    objects.push({ kind: 'journey', id: name, spec: { ...(tree as JsonObject), description: describe(description), identityResource: `managed/${realm}_user` } });
  }
  return objects;
}

/** The journey's objects addressed for deletion: the tree by name, nodes with their type in the id (a read needs it). */
function retiredJourney(journey: unknown): DesiredState['retired'] {
  return Object.entries(journeyTrees(journey)).flatMap(([name, exported]) => [
    { kind: 'journey' as const, id: name },
    ...nodesOf(exported).map((node) => ({ kind: 'journey-node' as const, id: retiredNodeId(node.nodeType, node.version, node.uuid) })),
  ]);
}

function scriptObjects(input: MachineryInput, engine: ScriptEngine): DesiredObject<'script'>[] {
  // The condition template is deployed per condition by the scopePolicies section, not as it is.
  const wanted = (Object.keys(SCRIPTS) as ScriptName[]).filter((bundle) => SCRIPTS[bundle].engine === engine && SCRIPTS[bundle].role !== 'policy-condition');
  return wanted.map((bundle) => {
    const script = SCRIPTS[bundle];
    const built = input.scripts.find((candidate) => candidate.name === bundle);
    if (!built) throw new Error(`scripts: no ${bundle} bundle was built, but scriptEngine ${engine} deploys it (build with { engines: ALL_ENGINES })`);
    if ((built.engine ?? script.engine) !== script.engine || (built.evaluatorVersion ?? script.evaluatorVersion) !== script.evaluatorVersion) {
      throw new Error(`scripts: the ${bundle} bundle says engine ${built.engine} / evaluatorVersion ${built.evaluatorVersion}, expected ${script.engine} / ${script.evaluatorVersion}`);
    }
    return {
      kind: 'script',
      id: script.name,
      spec: { name: script.name, description: describe(`Built from scripts/${bundle}.ts.`), source: built.source, language: 'JAVASCRIPT', context: built.context, evaluatorVersion: script.evaluatorVersion, default: false },
    };
  });
}

/** The machinery of the chosen engine, and the other engine's objects as retired. */
export function machineryState(access: AccessConfig, input: MachineryInput): Pick<DesiredState, 'objects' | 'retired'> {
  const engine = engineOf(access);
  const retiredScripts = (Object.keys(SCRIPTS) as ScriptName[]).filter((bundle) => SCRIPTS[bundle].engine !== engine && SCRIPTS[bundle].role !== 'policy-condition').map((bundle) => ({ kind: 'script' as const, id: SCRIPTS[bundle].name }));
  if (engine === 'next-gen') {
    return {
      objects: [...esvObjects(access, input, engine), ...scriptObjects(input, engine)],
      retired: [...retiredScripts, { kind: 'policy-gateway', id: input.gatewayId }, ...retiredJourney(input.journey)],
    };
  }
  const gateway: DesiredObject<'policy-gateway'> = {
    kind: 'policy-gateway',
    id: input.gatewayId,
    spec: { slots: gatewaySlots(input.gatewayId), settings: { status: 'Active', igTokenIntrospection: 'None', igCdssoRedirectUrls: [] }, secret: 'gatewaySecret', idEsv: ESV.gatewayId, secretEsv: ESV.gatewaySecret, journey: input.journeyName },
  };
  return { objects: [...esvObjects(access, input, engine), ...scriptObjects(input, engine), gateway, ...journeyObjects(input.journey, input.realm)], retired: retiredScripts };
}

/** The desired objects only (the legacy entry point; `machineryState` also says what is retired). */
export function machineryObjects(access: AccessConfig, input: MachineryInput): DesiredObject[] {
  return machineryState(access, input).objects;
}
