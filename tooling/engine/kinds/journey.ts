/**
 * Journeys (trees), e.g. AgentLogin. Static configuration. A tree is written after its nodes.
 */
import { getTree, putTree } from '../../rest/journeys.js';
import { creation, differences } from '../diff.js';
import type { KindHandler } from '../handler.js';
import { changeKey, type JsonObject } from '../model.js';

declare module '../model.js' {
  interface KindModel {
    journey: { spec: JsonObject; observed: JsonObject; payload: JsonObject };
  }
}

export const journeyHandler: KindHandler<'journey'> = {
  kind: 'journey',
  configuration: 'static',
  async read(ctx, desired) {
    const read = await Promise.all(desired.map((tree) => getTree(ctx.http, ctx.realm, tree.id)));
    return desired.flatMap((tree, index) => (read[index] ? [{ kind: 'journey' as const, id: tree.id, state: read[index] as JsonObject }] : []));
  },
  identity: () => ({}),
  plan(id, spec, observed) {
    if (!spec) return [];
    const diff = observed ? differences(observed, spec) : creation(spec);
    return [{ kind: 'journey', id, action: observed ? (diff.length ? 'update' : 'noop') : 'create', diff, payload: spec, dependsOn: [] }];
  },
  // AM refuses a tree whose nodes do not exist yet.
  dependencies: (_change, all) => all.filter((c) => c.kind === 'journey-node' && c.action !== 'delete').map(changeKey),
  async apply(change, ctx) {
    await putTree(ctx.http, ctx.realm, change.id, change.payload);
  },
  export: (observed) => observed,
};
