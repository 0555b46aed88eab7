/**
 * The policy-evaluator gateway the legacy token modification script logs in as: two Identity
 * Gateway agents used alternately, so that at every moment the id and password the script has
 * loaded name an active agent that has that password (dynamic configuration).
 *
 * A rotation (the configured secret is not what the tenant holds, or the agent no longer
 * authenticates with it): give the idle agent the configured password, switch the gateway id ESV
 * to it (the esv kind writes it, and the secret's new version), restart, and only then retire the
 * previous agent. `plan` verifies the active agent's password with one login through the journey
 * (passwords cannot be read back). Agents are read, merged and written whole.
 */
import { randomBytes } from 'node:crypto';
import { deleteAgent, getAgent, putAgent, type Agent } from '../../rest/ig-agents.js';
import { authenticateWithJourney, logout } from '../../rest/authenticate.js';
import { differences } from '../diff.js';
import type { KindHandler } from '../handler.js';
import { RESTART_KEY, type Change, type FieldChange, type JsonObject, type JsonValue, type SecretName } from '../model.js';
import { secretHolds } from '../secret-digest.js';
import { readEsvLists } from './esv.js';

export interface GatewaySpec {
  /** The two agents, used alternately. */
  slots: [string, string];
  /** Managed settings of the active agent (flat values). */
  settings: Record<string, JsonValue>;
  secret: SecretName;
  /** The ESVs the script reads the agent's id and password from. */
  idEsv: string;
  secretEsv: string;
  /** The journey the script logs the agent in through. */
  journey: string;
}

export interface GatewayObserved {
  agents: Record<string, Agent>;
  /** The slot the id ESV names (loaded or pending), when it names one. */
  named?: string;
  /** Whether the agent checked (named, else the first slot) logs in with the configured secret; undefined: not checked. */
  verified?: { agent: string; ok: boolean };
}

export type GatewayPayload =
  | { agent: string; settings: Record<string, JsonValue>; current: JsonObject | null; password?: { secret: SecretName } | { retired: true } }
  | { agent: string; delete: true };

declare module '../model.js' {
  interface KindModel {
    'policy-gateway': { spec: GatewaySpec; observed: GatewayObserved; payload: GatewayPayload };
  }
}

/** The slots of a gateway id: the id itself (as the article names the agent) and its alternate. */
export const gatewaySlots = (gatewayId: string): [string, string] => [gatewayId, `${gatewayId}-b`];
export const RETIRE_SUFFIX = '#retire';

const otherSlot = (slots: [string, string], slot: string) => (slot === slots[0] ? slots[1] : slots[0]);
const isActive = (agent: Agent | undefined) => agent?.settings.status === 'Active';
const SENSITIVE_PASSWORD: FieldChange = { path: 'userpassword', before: undefined, after: undefined, sensitive: true };

export const policyGatewayHandler: KindHandler<'policy-gateway'> = {
  kind: 'policy-gateway',
  configuration: 'dynamic',
  async read(ctx, desired, retired) {
    const wanted = [...desired.map((o) => ({ id: o.id, spec: o.spec as GatewaySpec | undefined })), ...retired.map((id) => ({ id, spec: undefined }))];
    return Promise.all(
      wanted.map(async ({ id, spec }) => {
        const slots = spec?.slots ?? gatewaySlots(id);
        const agents: Record<string, Agent> = {};
        const read = await Promise.all(slots.map((slot) => getAgent(ctx.http, ctx.realm, slot)));
        slots.forEach((slot, index) => {
          if (read[index]) agents[slot] = read[index]!;
        });
        const state: GatewayObserved = { agents };
        if (!spec) return { kind: 'policy-gateway' as const, id, state };
        const { variables } = await readEsvLists(ctx);
        const value = variables.find((v) => v.id === spec.idEsv)?.value;
        if (value && slots.includes(value)) state.named = value;
        const checked = state.named ?? slots[0];
        const password = ctx.secrets[spec.secret];
        if (agents[checked] && password) {
          const token = await authenticateWithJourney(ctx.http, ctx.realm, spec.journey, checked, password).catch(() => undefined);
          if (token) await logout(ctx.http, ctx.realm, ctx.cookieName, token).catch(() => undefined);
          state.verified = { agent: checked, ok: token !== undefined };
        }
        return { kind: 'policy-gateway' as const, id, state };
      }),
    );
  },
  identity: (change): Record<string, string> => (change && 'settings' in change.payload ? { agentId: change.payload.agent } : {}),
  plan(id, spec, observed, ctx) {
    if (!spec) return [];
    const state: GatewayObserved = observed ?? { agents: {} };
    const slots = spec.slots;
    const idEsv = ctx.observed('esv', spec.idEsv);
    const secretEsv = ctx.observed('esv', spec.secretEsv);
    const secret = ctx.secrets[spec.secret];
    const candidate = state.named ?? slots[0];
    const secretUsable = secretEsv?.type === 'secret' && secretEsv.useInPlaceholders && secret !== undefined && secretHolds(secretEsv, secret);
    const agentUsable = isActive(state.agents[candidate]) && state.verified?.agent === candidate && state.verified.ok;
    // A pending id ESV means an earlier run switched to `candidate` and never restarted: the loaded
    // agent is the other one, so `candidate` is the one that may be written.
    const idPending = idEsv?.type === 'variable' && !idEsv.loaded;
    const healthy = secretUsable && agentUsable;
    const target = healthy || idPending || !state.agents[candidate] ? candidate : otherSlot(slots, candidate);
    const rotate = !healthy;

    const changes: Change<'policy-gateway'>[] = [];
    const current = state.agents[target];
    const settingsDiff = current ? differences(current.settings, spec.settings) : [];
    if (rotate || !current || settingsDiff.length) {
      const why = !secretUsable ? 'the tenant does not hold the configured secret' : 'the agent no longer logs in with the configured secret';
      const reason = !rotate || Object.keys(state.agents).length === 0
        ? undefined
        : target === candidate
          ? `agent ${target} gets the configured password again (the earlier switch to it was never loaded)`
          : `rotation: agent ${target} gets the configured password, the id ESV switches to it, and ${candidate} is retired after the restart (${why})`;
      changes.push({
        kind: 'policy-gateway',
        id,
        action: current ? 'update' : 'create',
        reason,
        diff: [...(current ? settingsDiff : differences({}, spec.settings)), ...(rotate ? [SENSITIVE_PASSWORD] : [])],
        payload: { agent: target, settings: spec.settings, current: current?.wrapped ?? null, ...(rotate ? { password: { secret: spec.secret } } : {}) },
        dependsOn: [],
      });
    } else {
      changes.push({ kind: 'policy-gateway', id, action: 'noop', diff: [], payload: { agent: target, settings: spec.settings, current: current.wrapped }, dependsOn: [] });
    }
    const previous = state.agents[otherSlot(slots, target)];
    if (isActive(previous)) {
      changes.push({
        kind: 'policy-gateway',
        id: `${id}${RETIRE_SUFFIX}`,
        action: 'update',
        reason: `retire agent ${otherSlot(slots, target)} once the restart has loaded the switch to ${target}`,
        diff: [{ path: 'status', before: 'Active', after: 'Inactive' }, SENSITIVE_PASSWORD],
        payload: { agent: otherSlot(slots, target), settings: { status: 'Inactive' }, current: previous!.wrapped, password: { retired: true } },
        dependsOn: [RESTART_KEY],
      });
    }
    return changes;
  },
  async apply(change, ctx) {
    const payload = change.payload;
    if ('delete' in payload) return deleteAgent(ctx.http, ctx.realm, payload.agent);
    // Read fresh: a PUT replaces the whole agent, so settings made in the console must be kept.
    const current = (await getAgent(ctx.http, ctx.realm, payload.agent))?.wrapped ?? payload.current;
    let password: string | undefined;
    if (payload.password && 'secret' in payload.password) {
      password = ctx.secrets[payload.password.secret];
      if (!password) throw new Error(`no value given for the secret ${payload.password.secret}`);
    } else if (payload.password) {
      // Nobody knows a retired agent's password, so it can never log in again.
      password = randomBytes(32).toString('base64url');
    }
    await putAgent(ctx.http, ctx.realm, payload.agent, payload.settings, { current, password });
  },
  export(observed) {
    return Object.fromEntries(Object.entries(observed.agents).sort(([a], [b]) => a.localeCompare(b)).map(([id, agent]) => [id, agent.settings]));
  },
};
