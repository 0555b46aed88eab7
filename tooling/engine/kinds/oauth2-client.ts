/**
 * OAuth2 client overrides: consumers point their token modification and scope validation at the
 * scripts; clients of dynamic scopes use the policy engine for scope decisions. The tool never
 * creates or deletes clients and changes nothing but the override values it manages; the client is
 * read fresh and written whole (AM's PUT replaces it). Dynamic configuration. A client is switched
 * only after everything it will reach exists.
 */
import { getClient, listClients, putClient, setOverrides } from '../../rest/oauth2-clients.js';
import { error, warning } from '../../diagnostics.js';
import { differences, isPlainObject } from '../diff.js';
import type { KindHandler } from '../handler.js';
import { changeKey, RESTART_KEY, type JsonObject, type JsonValue, type Ref } from '../model.js';

export interface ClientSpec {
  /** Override values (flat), references to scripts resolved at plan time. */
  overrides: Record<string, JsonValue | Ref>;
  /** Why the tool manages it, for the message when the client is missing. */
  role: 'consumer client' | 'OAuth2 client (listed in scopePolicies.clients)';
  /** Scopes that dynamic-scope rules name for this client: each should be one the client allows. */
  scopeChecks: { scope: string; at: string }[];
}

export interface ClientObserved {
  overrides: JsonObject;
  allowedScopes: string[];
}

declare module '../model.js' {
  interface KindModel {
    'oauth2-client': { spec: ClientSpec; observed: ClientObserved; payload: { overrides: JsonObject; drainSeconds?: number } };
  }
}

const isRef = (value: unknown): value is Ref => isPlainObject(value) && '$ref' in value;

function unwrap(value: unknown): unknown {
  return isPlainObject(value) && 'inherited' in value ? value.value : value;
}

/** A client whose scope decisions go to a policy set: the planner must not delete that set under it. */
function usesScopesPolicySet(overrides: unknown): boolean {
  return isPlainObject(overrides) && overrides.providerOverridesEnabled === true && overrides.usePolicyEngineForScope === true;
}

/**
 * How long a client switched from one pair of scripts to another keeps its change open: AM reads a
 * client's overrides when a token request starts (and AIC runs several AM instances, each learning
 * of the change on its own), so requests begun before the write still run the scripts it leaves.
 * Seen on the local tenant with the real engine: without it, switching engines failed a few
 * tokens in a hundred (the old script, its agent or its journey deleted under them).
 */
export const SWITCH_DRAIN_SECONDS = 5;

/** The change repoints a script override that names a script today (not a client getting its first scripts). */
function leavesRunningScripts(change: { diff: { path: string; before: unknown }[] }): boolean {
  return change.diff.some((field) => /\.(accessTokenModificationScript|validateScopeScript)$/.test(field.path) && typeof field.before === 'string' && field.before !== '' && field.before !== '[Empty]');
}

export const oauth2ClientHandler: KindHandler<'oauth2-client'> = {
  kind: 'oauth2-client',
  configuration: 'dynamic',
  async read(ctx, desired) {
    const wanted = new Set(desired.map((o) => o.id));
    const clients = await listClients(ctx.http, ctx.realm);
    return clients
      .filter((client) => wanted.has(String(client._id)) || usesScopesPolicySet(client.overrideOAuth2ClientConfig))
      .map((client) => {
        const core = isPlainObject(client.coreOAuth2ClientConfig) ? client.coreOAuth2ClientConfig : {};
        const scopes = unwrap(core.scopes);
        // AM allows "scope|description" entries (a description for the consent page).
        const allowedScopes = Array.isArray(scopes) ? scopes.map((entry) => String(entry).split('|')[0]) : [];
        return { kind: 'oauth2-client' as const, id: String(client._id), state: { overrides: (client.overrideOAuth2ClientConfig ?? {}) as JsonObject, allowedScopes } };
      });
  },
  identity: () => ({}),
  plan(id, spec, observed, ctx) {
    if (!spec) return [];
    const overrides: JsonObject = {};
    for (const [key, value] of Object.entries(spec.overrides)) overrides[key] = isRef(value) ? ctx.resolve(value) ?? null : value;
    if (!observed) {
      ctx.report(error('refused', 'plan.client-missing', `${spec.role} "${id}" does not exist in realm ${ctx.realm}; create it first (the tool only sets its overrides)`, { object: `oauth2-client:${id}` }));
      return [{ kind: 'oauth2-client', id, action: 'noop', diff: [], payload: { overrides }, dependsOn: [] }];
    }
    for (const { scope, at } of spec.scopeChecks) {
      if (!observed.allowedScopes.includes(scope)) ctx.report(warning('plan.scope-not-allowed', `client "${id}" does not allow scope "${scope}" (its scopes: ${observed.allowedScopes.join(' ') || 'none'}); the rule can never apply to its tokens`, { path: at }));
    }
    const diff = differences({ overrideOAuth2ClientConfig: observed.overrides }, { overrideOAuth2ClientConfig: overrides });
    if (diff.length && leavesRunningScripts({ diff })) {
      const reason = `switches to other scripts, then waits ${SWITCH_DRAIN_SECONDS} s: tokens already being issued with the scripts it leaves finish before anything they use is deleted`;
      return [{ kind: 'oauth2-client', id, action: 'update', reason, diff, payload: { overrides, drainSeconds: SWITCH_DRAIN_SECONDS }, dependsOn: [] }];
    }
    return [{ kind: 'oauth2-client', id, action: diff.length ? 'update' : 'noop', diff, payload: { overrides }, dependsOn: [] }];
  },
  // Switched only after everything it will reach exists: scripts, ESVs, gateway, journey, policies.
  // Not after the restart: a step that waits for it (retiring the previous agent) is not a prerequisite —
  // except when the client moves from scripts it runs now to others while this plan creates an ESV:
  // a new ESV is unreadable until the restart, so the new scripts would fail closed until then
  // (switching script engines back to legacy); the client keeps its working scripts until the restart.
  dependencies: (change, all) => {
    const prerequisites = all.filter((c) => c.kind !== 'oauth2-client' && c.action !== 'delete' && c.action !== 'noop' && !c.dependsOn.includes(RESTART_KEY)).map(changeKey);
    const createsEsv = all.some((c) => c.kind === 'esv' && c.action === 'create' && c.loadsAtRestart);
    return createsEsv && leavesRunningScripts(change) ? [...prerequisites, RESTART_KEY] : prerequisites;
  },
  async apply(change, ctx) {
    const current = await getClient(ctx.http, ctx.realm, change.id);
    if (!current) throw new Error(`oauth2-client ${change.id}: not found in realm ${ctx.realm}`);
    await putClient(ctx.http, ctx.realm, change.id, setOverrides(current, change.payload.overrides));
    // The switch counts as done once requests that read the old overrides are over: deletes (the old scripts, agent, ESVs) run only after it.
    if (change.payload.drainSeconds) await new Promise((resolve) => setTimeout(resolve, change.payload.drainSeconds! * 1000));
  },
  export: (observed) => ({ overrideOAuth2ClientConfig: observed.overrides }),
};
