/**
 * AM scripts (the bundles). Static configuration: in staging and production they arrive only by
 * promotion. Addressed by name (unique per realm); a new one gets a uuid derived from realm and
 * name, an existing one keeps the tenant's, so an interrupted create never leaves a duplicate.
 */
import { deleteScript, putScript, queryScriptsByName, type ScriptDefinition, type StoredScript } from '../../rest/scripts.js';
import { overrideScriptIds } from '../../rest/oauth2-clients.js';
import { creation, differences } from '../diff.js';
import type { KindHandler, PlanContext } from '../handler.js';
import { deterministicUuid } from '../ids.js';
import { warning } from '../../diagnostics.js';
import { changeKey, isManagedDescription, type JsonValue } from '../model.js';
import { clientSwitches, RETIRED_REASON } from './retirement.js';
import { CONDITION_SCRIPT_PREFIX } from '../desired/condition-scripts.js';

export type ScriptSpec = ScriptDefinition;
export type ScriptPayload = { uuid: string; definition: ScriptDefinition } | { uuid: string; delete: true };

declare module '../model.js' {
  interface KindModel {
    script: { spec: ScriptSpec; observed: StoredScript; payload: ScriptPayload };
  }
}

const uuidFor = (realm: string, name: string) => deterministicUuid(`script:${realm}:${name}`);

/** Clients the tool reads whose overrides (as this plan leaves them) still name the script: deleting it would break them. */
function clientsUsing(uuid: string, ctx: PlanContext): string[] {
  return ctx
    .observedOf('oauth2-client')
    .filter((client) => {
      const overrides: Record<string, JsonValue> = ctx.planned('oauth2-client', client.id)?.payload.overrides ?? client.state.overrides;
      return overrideScriptIds(overrides).includes(uuid);
    })
    .map((client) => client.id)
    .sort();
}

/** The other engine's scripts are deleted because of the engine choice; say so. */
const retiredReason = (observed: StoredScript) => (observed.evaluatorVersion === '2.0' || /_NEXT_GEN$/.test(observed.context) ? `${RETIRED_REASON} (a next-generation script)` : `${RETIRED_REASON} (a legacy script)`);

export const scriptHandler: KindHandler<'script'> = {
  kind: 'script',
  configuration: 'static',
  async read(ctx, desired, retired) {
    // Condition scripts are named by a digest of their rule: those no rule needs any more are found by their prefix (same request).
    const scripts = await queryScriptsByName(ctx.http, ctx.realm, [...desired.map((o) => o.id), ...retired], [CONDITION_SCRIPT_PREFIX]);
    const unique = new Map(scripts.map((state) => [state.name, state]));
    return [...unique.values()].map((state) => ({ kind: 'script', id: state.name, state }));
  },
  identity: (change, observed): Record<string, string> => {
    const uuid = change?.payload.uuid ?? observed?._id;
    return uuid ? { _id: uuid } : {};
  },
  plan(id, spec, observed, ctx) {
    if (!spec) {
      if (!observed || !isManagedDescription(observed.description)) return [];
      const users = clientsUsing(observed._id, ctx);
      if (users.length) {
        ctx.report(warning('plan.script-in-use', `no longer desired, but client${users.length > 1 ? 's' : ''} ${users.join(', ')} still point${users.length > 1 ? '' : 's'} at it: kept`, { object: `script:${id}` }));
        return [];
      }
      const reason = id.startsWith(CONDITION_SCRIPT_PREFIX) ? 'no scope policy uses this condition any more' : retiredReason(observed);
      return [{ kind: 'script', id, action: 'delete', reason, diff: [], payload: { uuid: observed._id, delete: true }, dependsOn: [] }];
    }
    const uuid = observed?._id ?? uuidFor(ctx.realm, id);
    const diff = observed ? differences(observed, spec) : creation(spec);
    return [{ kind: 'script', id, action: observed ? (diff.length ? 'update' : 'noop') : 'create', diff, payload: { uuid, definition: spec }, dependsOn: [] }];
  },
  // New decision logic may rely on what policies now carry: the OAuth2 scripts change after the policies do.
  // A policy condition script is the other way round: the policies that name it wait for it (their
  // reference), so it waits for no policy (else two rules' scripts and policies would wait in a circle).
  // A script goes only after the clients have been switched away from it (a failed switch keeps it),
  // and after the policies have moved off it (a failed policy change keeps it).
  dependencies: (change, all) => {
    if (change.action === 'delete') return [...clientSwitches(all), ...all.filter((c) => c.kind === 'policy' && c.action !== 'noop').map(changeKey)];
    if ('definition' in change.payload && change.payload.definition.context === 'POLICY_CONDITION') return [];
    return all.filter((c) => c.kind === 'policy' && c.action !== 'delete' && c.action !== 'noop').map(changeKey);
  },
  async apply(change, ctx) {
    if ('delete' in change.payload) return deleteScript(ctx.http, ctx.realm, change.payload.uuid);
    await putScript(ctx.http, ctx.realm, change.payload.uuid, change.payload.definition);
  },
  export(observed) {
    // Source as text lines diff far better than base64.
    const { source, ...rest } = observed;
    return { ...rest, source: source.split('\n') };
  },
};
