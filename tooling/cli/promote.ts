/**
 * `promote --env <upper>`: AIC's promotion from the environment below into <upper>, run on <upper>
 * (tooling/promotion/flow.ts). First, with nothing locked: the environment must be an upper one,
 * and the ESVs the scripts read must exist there (a deploy to it writes them). `--dry-run` stops
 * after the report; `--rollback` runs AIC's rollback instead; `--unlock <id>` releases a lock by
 * its id (for a lock your own interrupted run left). Exit codes as everywhere (README "Commands"):
 * 0 done (or nothing to promote), 1 AIC refused or the promotion failed, 3 bad input, 4 refused
 * (it would break clients), 5 blocked (missing ESVs, a lock held elsewhere, AIC's dry run).
 */
import { error, EXIT, exitCodeFor, type Diagnostic } from '../diagnostics.js';
import { getEnvironmentInfo } from '../rest/environment.js';
import { listClients } from '../rest/oauth2-clients.js';
import { planRun } from '../engine/pipeline.js';
import { promote, releaseOwnLock, rollback, type FlowContext, type FlowResult } from '../promotion/flow.js';
import { missingEsvDiagnostic, missingEsvs, scriptsInUse } from '../promotion/preflight.js';
import { renderReport, reportToJson } from '../promotion/report.js';
import { EnvError } from '../config/env.js';
import type { CommonOptions } from './inputs.js';
import { diagnosticsToJson } from './output.js';
import { withSession } from './session.js';

export interface PromoteCommandOptions extends CommonOptions {
  dryRun?: boolean;
  rollback?: boolean;
  unlock?: string;
  ignoreEncryptedSecrets?: boolean;
  promoter?: string;
  description?: string;
  timeoutMinutes?: string;
}

const PROMOTION_SCOPES = 'fr:am:* fr:idc:esv:* fr:idc:promotion:*';

/** Bad flags, before anything is read or sent. */
function checkFlags(options: PromoteCommandOptions): number {
  const problems: string[] = [];
  if (!options.env) problems.push('--env: required; name the upper environment to promote into, e.g. --env staging (the promotion runs there, pulling from the environment below)');
  const modes = [options.dryRun && '--dry-run', options.rollback && '--rollback', options.unlock !== undefined && '--unlock'].filter(Boolean);
  if (modes.length > 1) problems.push(`${modes.join(', ')}: choose one`);
  if (options.unlock !== undefined && !/^[A-Za-z0-9-]{1,128}$/.test(options.unlock)) problems.push(`--unlock: expected the promotion id of the lock (letters, digits and -), got ${JSON.stringify(options.unlock)}`);
  const minutes = Number(options.timeoutMinutes ?? '60');
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) problems.push(`--timeout-minutes: expected a number of minutes from 1 to 1440, got ${JSON.stringify(options.timeoutMinutes)}`);
  for (const [flag, value] of [['--promoter', options.promoter], ['--description', options.description]] as const) if (value !== undefined && (value.length > 500 || /[\u0000-\u001f]/.test(value))) problems.push(`${flag}: expected one line of at most 500 characters`);
  if (problems.length) throw new EnvError(problems);
  return minutes;
}

/** The promotion's steps in order (checks, lock, dry run, promote, poll, unlock), each rendered as it happens: one sequence read top to bottom, long on purpose. */
export async function promoteCommand(options: PromoteCommandOptions): Promise<number> {
  const timeoutMinutes = checkFlags(options);
  const environment = options.env!;
  return withSession(options, async ({ target, out, planInputs }) => {
    const http = target.scoped(PROMOTION_SCOPES);
    const finish = (result: Pick<FlowResult, 'ok' | 'diagnostics'> & Partial<FlowResult>, extra: Diagnostic[] = []): number => {
      const diagnostics = [...extra, ...result.diagnostics];
      out.diagnostics(diagnostics);
      out.jsonResult({
        ok: result.ok && diagnostics.every((d) => d.severity !== 'error'),
        environment,
        mode: options.rollback ? 'rollback' : options.unlock ? 'unlock' : options.dryRun ? 'dry-run' : 'promote',
        promotionId: result.promotionId ?? null,
        nothingToDo: result.nothingToDo ?? false,
        preview: result.preview ? reportToJson(result.preview) : null,
        report: result.report ? reportToJson(result.report) : null,
        status: result.status ?? null,
        diagnostics: diagnosticsToJson(diagnostics),
      });
      return exitCodeFor(diagnostics) || (result.ok ? EXIT.ok : EXIT.tenant);
    };

    const info = await getEnvironmentInfo(http);
    if (!info.immutable || info.tier === 'development') {
      return finish({ ok: false, diagnostics: [] }, [error('input', 'promote.not-upper', `--env ${environment}: the tenant reports tier ${info.tier}${info.immutable ? '' : ' (mutable)'}; promotions run on an upper environment (staging, production), pulling from the one below. Nothing was sent`)]);
    }
    const flow: FlowContext = {
      http,
      environment,
      wait: { pollSeconds: target.local ? 0.2 : 10, timeoutSeconds: target.local ? 120 : timeoutMinutes * 60 },
      progress: (line) => out.progress(line),
      onReport: (report) => out.result(renderReport(report, report.type === 'rollback' ? `Rollback of ${environment} (AIC's provisional rollback report):` : `Promotion into ${environment} (AIC's dry-run report):`)),
      clientsUsing: async (scriptIds) => (scriptIds.length ? scriptsInUse(await listClients(target.http, target.realm), scriptIds) : []),
    };
    const promoter = options.promoter ?? 'aic-api-to-api';
    const description = options.description ?? `aic-api-to-api promote --env ${environment}`;

    if (options.unlock !== undefined) {
      const result = await releaseOwnLock(flow, options.unlock);
      if (result.ok) out.result(`The lock of promotion ${options.unlock} on ${environment} is released.`);
      return finish(result);
    }
    if (options.rollback) {
      const result = await rollback(flow, { promoter, description });
      if (result.ok) out.result(`Rollback of ${environment} complete. Run \`npm run deploy -- --env ${environment}\`: clients are switched only to scripts present and identical there.`);
      return finish(result);
    }
    // The ESVs the scripts read must be there before AIC is asked (it fails the promotion without them).
    const { plan } = await planRun(target.http, planInputs());
    const missing = missingEsvs(plan);
    if (missing.length) return finish({ ok: false, diagnostics: [] }, [missingEsvDiagnostic(environment, missing)]);
    const result = await promote(flow, { dryRun: options.dryRun === true, ignoreEncryptedSecrets: options.ignoreEncryptedSecrets === true, promoter, description });
    if (result.ok && !result.nothingToDo) {
      out.result(
        options.dryRun
          ? `Dry run only (--dry-run): nothing was promoted; ${environment} is unlocked.`
          : `Promotion into ${environment} complete. Now run \`npm run deploy -- --env ${environment}\` to switch the clients to the promoted scripts.`,
      );
    }
    return finish(result);
  });
}
