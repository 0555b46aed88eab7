/**
 * Journey nodes (of the AgentLogin journey). Static configuration. A node is addressed by type,
 * (on AM >= 8.1) type version and uuid; inner nodes must exist before the page node holding them.
 * What AIC adds when it stores a node (_type.version, nodeVersion on page-node children) is not
 * the tool's and never shows as a change (diff.ts projects it away).
 */
import { deleteNode, getNode, nodeVersionFor, putNode } from '../../rest/journeys.js';
import { creation, differences, isPlainObject } from '../diff.js';
import type { KindHandler } from '../handler.js';
import type { JsonObject } from '../model.js';

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

/** What is not configuration in a node read: revision and type descriptor. */
function configOf(body: Record<string, unknown>): JsonObject {
  const { _rev, _type, ...config } = body;
  void _rev, _type;
  return config as JsonObject;
}

export const journeyNodeHandler: KindHandler<'journey-node'> = {
  kind: 'journey-node',
  configuration: 'static',
  async read(ctx, desired) {
    const read = await Promise.all(desired.map((node) => getNode(ctx.http, ctx.realm, node.spec.nodeType, node.id, nodeVersionFor(node.spec.version, ctx.amVersion))));
    return desired.flatMap((node, index) => {
      const body = read[index];
      return body ? [{ kind: 'journey-node' as const, id: node.id, state: { nodeType: node.spec.nodeType, version: node.spec.version, config: configOf(body) } }] : [];
    });
  },
  identity: () => ({}),
  plan(id, spec, observed) {
    if (!spec) return [];
    const diff = observed ? differences(observed.config, spec.config) : creation(spec.config);
    return [{ kind: 'journey-node', id, action: observed ? (diff.length ? 'update' : 'noop') : 'create', diff, payload: spec, dependsOn: [] }];
  },
  // A page node's inner nodes must exist before it.
  dependencies(change) {
    const children = change.payload.config.nodes;
    return Array.isArray(children) ? children.flatMap((child) => (isPlainObject(child) && typeof child._id === 'string' ? [`journey-node:${child._id}`] : [])) : [];
  },
  async apply(change, ctx) {
    const { nodeType, version, config } = change.payload;
    const apiVersion = nodeVersionFor(version, ctx.amVersion);
    if (change.action === 'delete') return deleteNode(ctx.http, ctx.realm, nodeType, change.id, apiVersion);
    await putNode(ctx.http, ctx.realm, nodeType, change.id, config, apiVersion);
  },
  export: (observed) => observed as unknown as JsonObject,
};
