/**
 * Journeys (trees), e.g. AgentLogin. Static configuration. A tree is written after its nodes.
 * A tree no longer desired (retired: the script engine in use needs no agent journey) is deleted
 * only when its description carries the tool's marker, and only after every client has been
 * switched away from the scripts that log in through it.
 */
import { deleteTree, getTree, putTree } from '../../rest/journeys.js';
import { creation, differences } from '../diff.js';
import type { KindHandler } from '../handler.js';
import { changeKey, isManagedDescription, type JsonObject } from '../model.js';
import { clientSwitches, RETIRED_REASON } from './retirement.js';

declare module '../model.js' {
  interface KindModel {
    journey: { spec: JsonObject; observed: JsonObject; payload: JsonObject };
  }
}

/** A tree the tool wrote (marked): deleted once no longer desired. A person's tree never is. */
export const treeRetires = (observed: JsonObject): boolean => isManagedDescription(observed.description);

export const journeyHandler: KindHandler<'journey'> = {
  kind: 'journey',
  configuration: 'static',
  async read(ctx, desired, retired) {
    const names = [...desired.map((tree) => tree.id), ...retired];
    const read = await Promise.all(names.map((name) => getTree(ctx.http, ctx.realm, name)));
    return names.flatMap((name, index) => (read[index] ? [{ kind: 'journey' as const, id: name, state: read[index] as JsonObject }] : []));
  },
  identity: () => ({}),
  plan(id, spec, observed) {
    if (!spec) {
      if (!observed || !treeRetires(observed)) return [];
      return [{ kind: 'journey', id, action: 'delete', reason: RETIRED_REASON, diff: [], payload: {}, dependsOn: [] }];
    }
    const diff = observed ? differences(observed, spec) : creation(spec);
    return [{ kind: 'journey', id, action: observed ? (diff.length ? 'update' : 'noop') : 'create', diff, payload: spec, dependsOn: [] }];
  },
  // AM refuses a tree whose nodes do not exist yet; a tree goes only after the clients have left it.
  dependencies: (change, all) => (change.action === 'delete' ? clientSwitches(all) : all.filter((c) => c.kind === 'journey-node' && c.action !== 'delete').map(changeKey)),
  async apply(change, ctx) {
    if (change.action === 'delete') return deleteTree(ctx.http, ctx.realm, change.id);
    await putTree(ctx.http, ctx.realm, change.id, change.payload);
  },
  export: (observed) => observed,
};
