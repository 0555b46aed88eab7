/**
 * Journey nodes (of the AgentLogin journey). Static configuration. A node is addressed by type,
 * (on AM >= 8.1) type version and uuid; inner nodes must exist before the page node holding them.
 * What AIC adds when it stores a node (_type.version, nodeVersion on page-node children) is not
 * the tool's and never shows as a change (diff.ts projects it away).
 *
 * Nodes have no description to mark: a node is deleted only when retired (the other script engine
 * needs no journey) and only after the tree that uses it — which is deleted only when marked — and
 * a page node before the nodes it holds, the reverse of creation. A retired node's id carries its
 * type (`<uuid>@<type>/<version>`), since reading a node needs it.
 */
import { deleteNode, getNode, nodeVersionFor, putNode } from '../../rest/journeys.js';
import { creation, differences, isPlainObject } from '../diff.js';
import type { KindHandler } from '../handler.js';
import { changeKey, type AnyChange, type Change, type JsonObject } from '../model.js';
import { treeRetires } from './journey.js';
import { RETIRED_REASON } from './retirement.js';

export interface NodeSpec {
  nodeType: string;
  /** The node type's version, e.g. "1.0" (addresses the node on AM >= 8.1). */
  version: string;
  /** The node's configuration as the REST API takes it. */
  config: JsonObject;
}

export type NodePayload = NodeSpec & { delete?: true };

declare module '../model.js' {
  interface KindModel {
    'journey-node': { spec: NodeSpec; observed: NodeSpec; payload: NodePayload };
  }
}

/** The id a retired node is addressed by: its uuid with the type and version its REST path needs. */
export const retiredNodeId = (nodeType: string, version: string, uuid: string) => `${uuid}@${nodeType}/${version}`;

/** The node's uuid, and its type when the id is a retired node's. */
export function parseNodeId(id: string): { uuid: string; nodeType?: string; version?: string } {
  const match = /^([^@]+)@([^/]+)\/(.+)$/.exec(id);
  return match ? { uuid: match[1], nodeType: match[2], version: match[3] } : { uuid: id };
}

/** What is not configuration in a node read: revision and type descriptor. */
function configOf(body: Record<string, unknown>): JsonObject {
  const { _rev, _type, ...config } = body;
  void _rev, _type;
  return config as JsonObject;
}

const childrenOf = (config: JsonObject): string[] =>
  Array.isArray(config.nodes) ? config.nodes.flatMap((child) => (isPlainObject(child) && typeof child._id === 'string' ? [child._id] : [])) : [];

/** Deleted after the trees being deleted (they use it) and after the page node that holds it. */
function deleteDependencies(change: Change<'journey-node'>, all: readonly AnyChange[]): string[] {
  const { uuid } = parseNodeId(change.id);
  const trees = all.filter((c) => c.kind === 'journey' && c.action === 'delete').map(changeKey);
  const holders = all.filter((c) => c.kind === 'journey-node' && c.action === 'delete' && childrenOf(c.payload.config).includes(uuid)).map(changeKey);
  return [...trees, ...holders];
}

export const journeyNodeHandler: KindHandler<'journey-node'> = {
  kind: 'journey-node',
  configuration: 'static',
  async read(ctx, desired, retired) {
    const wanted = [
      ...desired.map((node) => ({ id: node.id, uuid: node.id, nodeType: node.spec.nodeType, version: node.spec.version })),
      ...retired.flatMap((id) => {
        const { uuid, nodeType, version } = parseNodeId(id);
        return nodeType && version ? [{ id, uuid, nodeType, version }] : [];
      }),
    ];
    const read = await Promise.all(wanted.map((node) => getNode(ctx.http, ctx.realm, node.nodeType, node.uuid, nodeVersionFor(node.version, ctx.amVersion))));
    return wanted.flatMap((node, index) => {
      const body = read[index];
      return body ? [{ kind: 'journey-node' as const, id: node.id, state: { nodeType: node.nodeType, version: node.version, config: configOf(body) } }] : [];
    });
  },
  identity: () => ({}),
  plan(id, spec, observed, ctx) {
    if (!spec) {
      // Only a retired node (the other engine's journey), and only when no retired tree is kept:
      // the journey's nodes go with its tree, and an unmarked tree (a person's) is never deleted.
      if (!observed || !parseNodeId(id).nodeType) return [];
      if (ctx.observedOf('journey').some((tree) => !ctx.desired('journey', tree.id) && !treeRetires(tree.state))) return [];
      return [{ kind: 'journey-node', id, action: 'delete', reason: RETIRED_REASON, diff: [], payload: { ...observed, delete: true }, dependsOn: [] }];
    }
    const diff = observed ? differences(observed.config, spec.config) : creation(spec.config);
    return [{ kind: 'journey-node', id, action: observed ? (diff.length ? 'update' : 'noop') : 'create', diff, payload: spec, dependsOn: [] }];
  },
  // A page node's inner nodes must exist before it; deletes go the other way round.
  dependencies(change, all) {
    if (change.action === 'delete') return deleteDependencies(change, all);
    return childrenOf(change.payload.config).map((child) => `journey-node:${child}`);
  },
  async apply(change, ctx) {
    const { nodeType, version, config } = change.payload;
    const apiVersion = nodeVersionFor(version, ctx.amVersion);
    if (change.action === 'delete') return deleteNode(ctx.http, ctx.realm, nodeType, parseNodeId(change.id).uuid, apiVersion);
    await putNode(ctx.http, ctx.realm, nodeType, change.id, config, apiVersion);
  },
  export: (observed) => observed as unknown as JsonObject,
};
