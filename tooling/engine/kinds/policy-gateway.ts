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
 *
 * Agents have no description to mark, so the gateway keeps a record of the agents the tool itself
 * created (ESV variable esv-policy-gateway-created, written before the agent it names, never read
 * by a script). When the gateway is no longer needed (retired: the next-generation scripts decide
 * in-process), only the agents in that record are deleted, then the record; an agent a person made
 * (the article has you create it by hand) is kept, with a warning. The record carries no marker
 * on purpose: the esv kind would delete a marked ESV no longer desired on its own, losing the
 * record before the agents it lists are gone.
 */
import { randomBytes } from 'node:crypto';
import { deleteAgent, getAgent, putAgent, type Agent } from '../../rest/ig-agents.js';
import { authenticateWithJourney, logout } from '../../rest/authenticate.js';
import { deleteVariable, putVariable } from '../../rest/esv.js';
import { warning } from '../../diagnostics.js';
import { differences } from '../diff.js';
import type { ApplyContext, KindHandler, PlanContext } from '../handler.js';
import { RESTART_KEY, type Change, type FieldChange, type JsonObject, type JsonValue, type SecretName } from '../model.js';
import { secretHolds } from '../secret-digest.js';
import { ESV } from '../desired/names.js';
import { readEsvLists } from './esv.js';
import { clientSwitches, RETIRED_REASON } from './retirement.js';

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
  /** The agents the tool created, as its record says (none when there is no record). */
  created: string[];
  /** The record exists (it is deleted with the gateway). */
  recorded: boolean;
  /** The slot the id ESV names (loaded or pending), when it names one. */
  named?: string;
  /** Whether the agent checked (named, else the first slot) logs in with the configured secret; undefined: not checked. */
  verified?: { agent: string; ok: boolean };
}

export type GatewayPayload =
  | {
      agent: string;
      settings: Record<string, JsonValue>;
      current: JsonObject | null;
      password?: { secret: SecretName } | { retired: true };
      /** The record to write before the agent is created (the tool creates it). */
      record?: string[];
    }
  /** The gateway is no longer needed: the agents the tool created, then its record. */
  | { delete: true; agents: string[]; record: boolean };

declare module '../model.js' {
  interface KindModel {
    'policy-gateway': { spec: GatewaySpec; observed: GatewayObserved; payload: GatewayPayload };
  }
}

/** The slots of a gateway id: the id itself (as the article names the agent) and its alternate. */
export const gatewaySlots = (gatewayId: string): [string, string] => [gatewayId, `${gatewayId}-b`];
export const RETIRE_SUFFIX = '#retire';

const otherSlot = (slots: [string, string], slot: string) => (slot === slots[0] ? slots[1] : slots[0]);
const RECORD_DESCRIPTION = 'Agents of the policy-evaluator gateway that aic-api-to-api created (comma-separated): only these are deleted when the gateway is no longer needed. Not read by scripts.';

/** The record's agent ids (only ids of this gateway's slots count). */
function parseRecord(value: string | undefined, slots: readonly string[]): string[] {
  return (value ?? '').split(',').map((id) => id.trim()).filter((id) => slots.includes(id)).sort();
}

async function writeRecord(ctx: ApplyContext, agents: string[]): Promise<void> {
  await putVariable(ctx.http, ESV.gatewayCreated, { value: agents.join(','), description: RECORD_DESCRIPTION, expressionType: 'string' });
}

/** The retired gateway: delete the agents the tool created, then the record; keep (and name) any other agent. */
function planRetired(id: string, state: GatewayObserved, ctx: PlanContext): Change<'policy-gateway'>[] {
  const present = Object.keys(state.agents).sort();
  const agents = present.filter((agent) => state.created.includes(agent));
  for (const agent of present.filter((a) => !agents.includes(a))) {
    ctx.report(warning('plan.gateway-agent-kept', `agent ${agent} is no longer needed (${RETIRED_REASON}), but the tool did not create it: kept; delete it by hand once nothing else logs in as it`, { object: `policy-gateway:${id}` }));
  }
  if (agents.length === 0 && !state.recorded) return [];
  const diff: FieldChange[] = agents.length ? [{ path: 'agents', before: agents, after: [] }] : [];
  if (state.recorded) diff.push({ path: ESV.gatewayCreated, before: state.created, after: undefined });
  return [{ kind: 'policy-gateway', id, action: 'delete', reason: RETIRED_REASON, diff, payload: { delete: true, agents, record: state.recorded }, dependsOn: [] }];
}

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
        const { variables } = await readEsvLists(ctx);
        const record = variables.find((v) => v.id === ESV.gatewayCreated);
        const state: GatewayObserved = { agents, created: parseRecord(record?.value, slots), recorded: record !== undefined };
        if (!spec) return { kind: 'policy-gateway' as const, id, state };
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
    // Observed states written before the record existed have neither field.
    const known = (o: GatewayObserved): GatewayObserved => ({ ...o, created: o.created ?? [], recorded: o.recorded ?? false });
    if (!spec) return observed ? planRetired(id, known(observed), ctx) : [];
    const state: GatewayObserved = observed ? known(observed) : { agents: {}, created: [], recorded: false };
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
      // The tool creates this agent: recorded first, so that a run killed in between never leaves an agent the record does not name.
      const record = current ? undefined : [...new Set([...state.created, target])].sort();
      changes.push({
        kind: 'policy-gateway',
        id,
        action: current ? 'update' : 'create',
        reason,
        diff: [...(current ? settingsDiff : differences({}, spec.settings)), ...(rotate ? [SENSITIVE_PASSWORD] : []), ...(record ? [{ path: ESV.gatewayCreated, before: state.recorded ? state.created : undefined, after: record }] : [])],
        payload: { agent: target, settings: spec.settings, current: current?.wrapped ?? null, ...(rotate ? { password: { secret: spec.secret } } : {}), ...(record ? { record } : {}) },
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
  // Retired: deleted only after the clients have been switched away from the scripts that log in as its agents.
  dependencies: (change, all) => ('delete' in change.payload ? clientSwitches(all) : []),
  async apply(change, ctx) {
    const payload = change.payload;
    if ('delete' in payload) {
      for (const agent of payload.agents) await deleteAgent(ctx.http, ctx.realm, agent);
      // Last: a failure above keeps the record, so the next run still knows which agents are the tool's.
      if (payload.record) await deleteVariable(ctx.http, ESV.gatewayCreated);
      return;
    }
    if (payload.record) await writeRecord(ctx, payload.record);
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
