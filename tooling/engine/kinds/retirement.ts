/**
 * What the other script engine's objects (its scripts, the gateway, the journey) wait for before
 * they are deleted: every client change of the plan, since those switch the clients away from
 * them. A client change that fails, is skipped or deferred keeps them, so a client never points
 * at a script, agent or journey that has gone. Shared by the kinds that retire objects.
 */
import { changeKey, type AnyChange } from '../model.js';

export const clientSwitches = (all: readonly AnyChange[]): string[] => all.filter((c) => c.kind === 'oauth2-client' && c.action !== 'noop' && c.action !== 'delete').map(changeKey);

/** Why the other engine's objects go, for the plan. */
export const RETIRED_REASON = 'not needed by the script engine this environment now uses (scriptEngine, SCRIPT_ENGINE)';
