/**
 * Checks made against the upper environment before anything is locked or promoted, so that a
 * promotion AIC would fail, or one that would break running clients, is refused with a clear
 * message and nothing changes:
 * - the ESVs the static configuration reads must exist there (AIC fails a promotion on missing
 *   ESVs; the tool's own are the ESVs of its plan that the plan would create — a deploy to that
 *   environment writes them, and holds the clients until the promotion);
 * - a promotion (or rollback) must not delete a script a client there points at (a whole-
 *   environment promotion mirrors the lower environment: a script removed there would vanish
 *   under a switched client, and its tokens would fail until the next deploy).
 * Pure over a plan and the environment's clients.
 */
import { error, type Diagnostic } from '../diagnostics.js';
import type { Plan } from '../engine/model.js';
import { overrideScriptIds, type ClientBody } from '../rest/oauth2-clients.js';

/** The ESV ids the plan would create: absent from the environment. */
export function missingEsvs(plan: Plan): string[] {
  return plan.changes.filter((change) => change.kind === 'esv' && change.action === 'create').map((change) => change.id).sort();
}

export function missingEsvDiagnostic(environment: string, missing: string[]): Diagnostic {
  return error('blocked', 'promote.missing-esvs', `the ${environment} environment lacks ESVs the scripts read: ${missing.join(', ')}; AIC fails a promotion without them. Run \`npm run deploy -- --env ${environment}\` first: it writes them (and holds the clients until the promotion); nothing was locked or promoted`);
}

/** Each (client, script) pair where a client points at a script about to be deleted. */
export function scriptsInUse(clients: ClientBody[], deleted: string[]): { client: string; script: string }[] {
  const doomed = new Set(deleted);
  return clients.flatMap((client) => overrideScriptIds(client.overrideOAuth2ClientConfig).filter((script) => doomed.has(script)).map((script) => ({ client: String(client._id ?? '?'), script })));
}

export function scriptsInUseDiagnostic(environment: string, what: 'promotion' | 'rollback', pairs: { client: string; script: string }[]): Diagnostic {
  const list = pairs.map((p) => `client ${p.client} → script ${p.script}`).join(', ');
  return error('refused', 'promote.scripts-in-use', `the ${what} would delete scripts that clients in ${environment} still point at (${list}); their tokens would fail. Nothing was ${what === 'rollback' ? 'rolled back' : 'promoted'}. ${what === 'rollback' ? `Switch those clients off them first (deploy a configuration that does not use them to ${environment})` : `Keep those scripts in the lower environment until the clients here are off them: promote while the old and new scripts both exist there, deploy to ${environment}, then remove the old ones and promote again`}`);
}
