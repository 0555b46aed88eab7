/**
 * OAuth2 clients: consumers point their token modification and scope validation at the scripts;
 * clients of dynamic scopes use the policy engine for scope decisions and, as far as the access
 * file says, have their consent managed: implied consent (advancedOAuth2ClientConfig.isConsentImplied),
 * skipping consent (an override) and consent-page descriptions (entries of coreOAuth2ClientConfig.scopes).
 * The tool never creates or deletes clients and changes nothing but the values it manages: the
 * client is read fresh and written whole (AM's PUT replaces it), so nothing changed since the plan
 * is lost — and no scope is ever added or dropped (only the entries of a scope the client allows
 * are rewritten). Dynamic configuration. A client is switched only after everything it will reach exists.
 */
import { getClient, listClients, overrideScriptIds, putClient, setOverrides } from '../../rest/oauth2-clients.js';
import { error, warning } from '../../diagnostics.js';
import { differences, isPlainObject } from '../diff.js';
import type { KindHandler, PlanContext } from '../handler.js';
import { changeKey, RESTART_KEY, type FieldChange, type JsonObject, type JsonValue, type Ref } from '../model.js';
import { secretPending } from './esv.js';
import type { ClientBody } from '../../rest/oauth2-clients.js';

/** Consent of a client of dynamic scopes, as far as the access file manages it. */
export interface ClientConsentSpec {
  /** advancedOAuth2ClientConfig.isConsentImplied to hold; absent = left as the tenant has it. */
  impliedConsent?: boolean;
  /** Scope → all of its entries in coreOAuth2ClientConfig.scopes ("scope|description", "scope|locale|description"). */
  scopeEntries?: Record<string, string[]>;
  /** Scopes the rules decide for every user of this client; any other scope it allows can be undecided. */
  alwaysDecided: string[];
}

export interface ClientSpec {
  /** Override values (flat), references to scripts resolved at plan time. */
  overrides: Record<string, JsonValue | Ref>;
  /** Why the tool manages it, for the message when the client is missing. */
  role: 'consumer client' | 'OAuth2 client (listed in scopePolicies.clients)';
  /** Scopes that dynamic-scope rules name for this client: each should be one the client allows. */
  scopeChecks: { scope: string; at: string }[];
  /** Clients of dynamic scopes only. */
  consent?: ClientConsentSpec;
}

export interface ClientObserved {
  overrides: JsonObject;
  allowedScopes: string[];
  /** Unwrapped advancedOAuth2ClientConfig.isConsentImplied (absent when the tenant's read has none). */
  impliedConsent?: boolean;
  /** coreOAuth2ClientConfig.scopes as stored, descriptions included. */
  scopeEntries?: string[];
}

export interface ClientPayload {
  overrides: JsonObject;
  /** Values of advancedOAuth2ClientConfig to set (wrapped as AM stores them). */
  advanced?: JsonObject;
  /** Scope → its entries: applied to the fresh read, so scopes added since the plan stay. */
  scopeEntries?: Record<string, string[]>;
  /** A switch between scripts: seconds the change stays open after the write, for requests already begun. */
  drainSeconds?: number;
  /** A desired ESV is still pending from an earlier run: a switch between scripts waits for the restart. */
  awaitsEsvLoad?: true;
}

declare module '../model.js' {
  interface KindModel {
    'oauth2-client': { spec: ClientSpec; observed: ClientObserved; payload: ClientPayload };
  }
}

const OPENID = 'openid';
const scopeNameOf = (entry: string) => entry.split('|')[0];

/** The entries with those of each managed scope replaced by its desired ones, in place; other scopes' entries untouched. */
export function withScopeEntries(entries: readonly string[], managed: Record<string, string[]>): string[] {
  const out: string[] = [];
  const written = new Set<string>();
  for (const entry of entries) {
    const scope = scopeNameOf(entry);
    if (!(scope in managed)) out.push(entry);
    else if (!written.has(scope)) {
      out.push(...managed[scope]);
      written.add(scope);
    }
  }
  return out;
}

/** A value of a wrapped group ({inherited, value}), in the form the client holds it. */
function wrapLike(existing: unknown, value: JsonValue): JsonValue {
  return isPlainObject(existing) && !('inherited' in existing) ? value : { inherited: false, value };
}

/** The fresh client with only the managed consent values changed; refuses to add a scope the client does not allow. */
function withConsent(client: ClientBody, payload: ClientPayload, id: string): ClientBody {
  let body = client;
  if (payload.advanced) {
    const group = isPlainObject(body.advancedOAuth2ClientConfig) ? body.advancedOAuth2ClientConfig : {};
    const changed = Object.fromEntries(Object.entries(payload.advanced).map(([key, value]) => [key, isPlainObject(group[key]) ? wrapLike(group[key], value) : { inherited: false, value }]));
    body = { ...body, advancedOAuth2ClientConfig: { ...group, ...changed } };
  }
  if (payload.scopeEntries) {
    const core = isPlainObject(body.coreOAuth2ClientConfig) ? body.coreOAuth2ClientConfig : {};
    const stored = unwrap(core.scopes);
    const entries = Array.isArray(stored) ? stored.map(String) : [];
    const missing = Object.keys(payload.scopeEntries).filter((scope) => !entries.some((entry) => scopeNameOf(entry) === scope));
    if (missing.length) throw new Error(`oauth2-client ${id}: no longer allows scope ${missing.join(', ')}; its description was not written (the tool never adds a scope)`);
    const scopes = withScopeEntries(entries, payload.scopeEntries);
    body = { ...body, coreOAuth2ClientConfig: { ...core, scopes: Array.isArray(core.scopes) ? scopes : { inherited: false, value: scopes } } };
  }
  return body;
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

/**
 * The consent values the access file manages, the warnings about them, and what apply writes:
 * implied consent, descriptions of scopes the client allows (never a new scope), and a warning when
 * implied consent would grant scopes no rule decides.
 */
function planConsent(id: string, spec: ClientSpec, observed: ClientObserved, overrides: JsonObject, ctx: PlanContext): { diff: FieldChange[]; payload: Pick<ClientPayload, 'advanced' | 'scopeEntries'> } {
  const consent = spec.consent;
  if (!consent) return { diff: [], payload: {} };
  const diff: FieldChange[] = [];
  const payload: Pick<ClientPayload, 'advanced' | 'scopeEntries'> = {};
  if (consent.impliedConsent !== undefined && consent.impliedConsent !== observed.impliedConsent) {
    diff.push({ path: 'advancedOAuth2ClientConfig.isConsentImplied', before: observed.impliedConsent, after: consent.impliedConsent });
    payload.advanced = { isConsentImplied: consent.impliedConsent };
  }
  if (consent.scopeEntries) {
    const notAllowed = Object.keys(consent.scopeEntries).filter((scope) => !observed.allowedScopes.includes(scope));
    for (const scope of notAllowed) {
      ctx.report(error('refused', 'plan.scope-description-not-allowed', `client "${id}" does not allow scope "${scope}" (its scopes: ${observed.allowedScopes.join(' ') || 'none'}); a description entry would add it, and the tool never adds a scope to a client: add the scope to the client first, or remove its description`, { path: `scopePolicies.consent.${id}.scopeDescriptions.${scope}` }));
    }
    const entries = observed.scopeEntries ?? observed.allowedScopes;
    const after = withScopeEntries(entries, consent.scopeEntries);
    const changed = differences({ coreOAuth2ClientConfig: { scopes: entries } }, { coreOAuth2ClientConfig: { scopes: after } });
    if (changed.length && notAllowed.length === 0) {
      diff.push(...changed);
      payload.scopeEntries = consent.scopeEntries;
    }
  }
  const implied = consent.impliedConsent ?? observed.impliedConsent;
  if (implied === true) {
    const undecided = observed.allowedScopes.filter((scope) => scope !== OPENID && !consent.alwaysDecided.includes(scope));
    if (undecided.length) {
      const canSkip = overrides.clientsCanSkipConsent ?? observed.overrides.clientsCanSkipConsent;
      const note = canSkip === true ? '' : ' (AM asks anyway while overrideOAuth2ClientConfig.clientsCanSkipConsent is not true: once overrides are enabled, as the tool enables them, AM reads the client\'s value, not the provider\'s)';
      ctx.report(warning('plan.implied-consent-undecided', `client "${id}" has implied consent: scope${undecided.length > 1 ? 's' : ''} ${undecided.join(', ')} ${undecided.length > 1 ? 'are' : 'is'} not decided by a rule for every user, and a scope no policy decides is granted without a prompt${note}; add grant or deny rules for ${undecided.length > 1 ? 'them' : 'it'}, or set scopePolicies.consent.${id}.impliedConsent to false`, { object: `oauth2-client:${id}` }));
    }
  }
  return { diff, payload };
}

export const oauth2ClientHandler: KindHandler<'oauth2-client'> = {
  kind: 'oauth2-client',
  configuration: 'dynamic',
  async read(ctx, desired) {
    const wanted = new Set(desired.map((o) => o.id));
    const clients = await listClients(ctx.http, ctx.realm);
    return clients
      // A client the access file does not name may still point at a script the tool manages (set by hand): the script must outlive it.
      .filter((client) => wanted.has(String(client._id)) || usesScopesPolicySet(client.overrideOAuth2ClientConfig) || overrideScriptIds(client.overrideOAuth2ClientConfig).length > 0)
      .map((client) => {
        const core = isPlainObject(client.coreOAuth2ClientConfig) ? client.coreOAuth2ClientConfig : {};
        const scopes = unwrap(core.scopes);
        // AM allows "scope|description" entries (a description for the consent page).
        const scopeEntries = Array.isArray(scopes) ? scopes.map(String) : [];
        const allowedScopes = scopeEntries.map(scopeNameOf);
        const advanced = isPlainObject(client.advancedOAuth2ClientConfig) ? client.advancedOAuth2ClientConfig : {};
        const implied = unwrap(advanced.isConsentImplied);
        const state: ClientObserved = { overrides: (client.overrideOAuth2ClientConfig ?? {}) as JsonObject, allowedScopes, scopeEntries, ...(typeof implied === 'boolean' ? { impliedConsent: implied } : {}) };
        return { kind: 'oauth2-client' as const, id: String(client._id), state };
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
    const overrideDiff = differences({ overrideOAuth2ClientConfig: observed.overrides }, { overrideOAuth2ClientConfig: overrides });
    const consent = planConsent(id, spec, observed, overrides, ctx);
    const diff = [...overrideDiff, ...consent.diff];
    const payload: ClientPayload = { overrides, ...consent.payload };
    if (overrideDiff.length && leavesRunningScripts({ diff: overrideDiff })) {
      const reason = `switches to other scripts, then waits ${SWITCH_DRAIN_SECONDS} s: tokens already being issued with the scripts it leaves finish before anything they use is deleted`;
      // A desired ESV written by an earlier run and not loaded yet: the new scripts could not read it either.
      const pending = ctx.observedOf('esv').some((esv) => ctx.desired('esv', esv.id) !== undefined && (esv.state.type === 'variable' ? !esv.state.loaded : secretPending(esv.state)));
      return [{ kind: 'oauth2-client', id, action: 'update', reason, diff, payload: { ...payload, drainSeconds: SWITCH_DRAIN_SECONDS, ...(pending ? { awaitsEsvLoad: true as const } : {}) }, dependsOn: [] }];
    }
    return [{ kind: 'oauth2-client', id, action: diff.length ? 'update' : 'noop', diff, payload, dependsOn: [] }];
  },
  // Switched only after everything it will reach exists: scripts, ESVs, gateway, journey, policies.
  // Not after the restart: a step that waits for it (retiring the previous agent) is not a prerequisite —
  // except when the client moves from scripts it runs now to others while this plan creates an ESV
  // (or one is still pending from an earlier run): an ESV is unreadable until a restart has loaded
  // it, so the new scripts would fail closed until then (switching script engines back to legacy);
  // the client keeps its working scripts until the restart.
  dependencies: (change, all) => {
    const prerequisites = all.filter((c) => c.kind !== 'oauth2-client' && c.action !== 'delete' && c.action !== 'noop' && !c.dependsOn.includes(RESTART_KEY)).map(changeKey);
    const createsEsv = all.some((c) => c.kind === 'esv' && c.action === 'create' && c.loadsAtRestart);
    return (createsEsv || change.payload.awaitsEsvLoad) && leavesRunningScripts(change) ? [...prerequisites, RESTART_KEY] : prerequisites;
  },
  async apply(change, ctx) {
    const current = await getClient(ctx.http, ctx.realm, change.id);
    if (!current) throw new Error(`oauth2-client ${change.id}: not found in realm ${ctx.realm}`);
    await putClient(ctx.http, ctx.realm, change.id, withConsent(setOverrides(current, change.payload.overrides), change.payload, change.id));
    // The switch counts as done once requests that read the old overrides are over: deletes (the old scripts, agent, ESVs) run only after it.
    if (change.payload.drainSeconds) await new Promise((resolve) => setTimeout(resolve, change.payload.drainSeconds! * 1000));
  },
  export: (observed) => ({ overrideOAuth2ClientConfig: observed.overrides }),
};
