/**
 * `deploy`: plan and apply; the restart is a step of the plan (--no-restart defers it); on the local
 * tenant, then the article's demonstrations; with --apigee, then the Apigee side. Exit codes by
 * category (README "Commands").
 */
import { loadApigeeSettings, type ApigeeSettings } from '../apigee/settings.js';
import { EnvError, loadEnvironment } from '../config/env.js';
import { SERVICE_ACCOUNT_SCOPE } from '../rest/auth.js';
import { DIRECT_CONFIGURATION_SCOPE } from '../rest/direct-configuration.js';
import { EXIT, exitCodeFor } from '../diagnostics.js';
import type { ApplyResult } from '../engine/apply.js';
import { runDeploy, type DeployOutcome } from '../engine/deploy.js';
import { changeKey, planErrors } from '../engine/model.js';
import { summarize } from '../engine/plan.js';
import { renderPlan } from '../engine/render.js';
import { runLocalDemonstrations } from '../local/demonstrate.js';
import { checkApigeeInputs, deployApigee } from './apigee.js';
import type { CommonOptions } from './inputs.js';
import { diagnosticsToJson, type Output } from './output.js';
import { withSession } from './session.js';

export interface DeployCommandOptions extends CommonOptions {
  restart: boolean;
  demo: boolean;
  apigee?: boolean;
  keepForeignPolicies?: boolean;
  pruneStatic?: boolean;
  directConfiguration?: boolean;
}

function reportApply(result: ApplyResult, out: Output): void {
  for (const skip of result.skipped) out.progress(`skipped: ${changeKey(skip.change)} (${skip.reason})`);
  for (const deferred of result.deferred) out.progress(`deferred: ${changeKey(deferred.change)} (${deferred.reason})`);
  for (const blocked of result.blocked) out.progress(`blocked: ${changeKey(blocked.change)} (${blocked.reason})`);
  if (result.restart === 'deferred') out.progress('ESV changes are pending: restart the tenant to load them (--no-restart was given), then run deploy again to finish.');
}

function summaryLine(outcome: DeployOutcome, unchanged: number, writes: number, requests: number): string {
  const result = outcome.result!;
  const verdict = outcome.ok ? 'complete' : result.failed.length || result.skipped.length ? 'FAILED' : 'INCOMPLETE';
  const promotion = result.blocked.length ? `${result.blocked.length} awaiting a promotion, ` : '';
  return `Deploy ${verdict}: ${result.done.length} applied, ${result.failed.length} failed, ${result.skipped.length} skipped, ${result.deferred.length} deferred, ${promotion}${unchanged} unchanged; ${writes} writes, ${requests} requests${outcome.restarted ? '; tenant restarted' : ''}.`;
}

function stepsToJson(result: ApplyResult) {
  const steps = (list: { change: ApplyResult['done'][number]; reason: string }[]) => list.map((s) => ({ object: changeKey(s.change), reason: s.reason }));
  return { applied: result.done.map(changeKey), skipped: steps(result.skipped), deferred: steps(result.deferred), blocked: steps(result.blocked) };
}

export async function deployCommand(options: DeployCommandOptions): Promise<number> {
  // Apigee settings are checked before anything is written anywhere.
  let apigee: ApigeeSettings | undefined;
  if (options.apigee) {
    apigee = loadApigeeSettings({ envName: options.env });
    if (loadEnvironment({ envName: options.env }).local) throw new EnvError(["deploy --apigee: Apigee must reach AIC's access_token endpoint, so AIC_TENANT must name a real tenant (the local tenant listens on loopback)"]);
  }
  return withSession(options, async ({ target, inputs, out, planInputs }) => {
    // Bad Apigee input stops the run before AIC is written.
    if (apigee) {
      const problems = checkApigeeInputs({ access: inputs.access, aicBaseUrl: target.baseUrl, realm: target.realm, settings: apigee });
      if (problems.length) throw new EnvError(problems.map((p) => `Apigee: ${p}`));
    }
    const writesBefore = target.http.stats.writes;
    const outcome = await runDeploy(target.http, planInputs({ options: { keepForeignPolicies: options.keepForeignPolicies, pruneStatic: options.pruneStatic } }), {
      restart: options.restart,
      restartPollSeconds: target.local ? 0.2 : 5,
      directConfiguration: options.directConfiguration ? { http: target.scoped(`${SERVICE_ACCOUNT_SCOPE} ${DIRECT_CONFIGURATION_SCOPE}`), pollSeconds: target.local ? 0.1 : 10 } : undefined,
      onPlan: (plan) => {
        if (planErrors(plan).length) return;
        out.result(renderPlan(plan));
      },
      onProgress: (event) => {
        if (out.json) return;
        const what = event.change ? `${event.change.action} ${event.change.kind} ${event.change.id}` : 'restart tenant';
        out.progress(`[${event.done}/${event.total}] ${(event.status === 'done' ? 'ok' : event.status).padEnd(8)} ${what}`);
      },
      onRestart: (status, seconds) => out.progress(`  restart: ${status} (${seconds} s)`),
    });
    out.diagnostics(outcome.diagnostics);
    const { plan, result } = outcome;
    if (!result) {
      out.progress('Nothing was written to the tenant.');
      out.jsonResult({ ok: false, diagnostics: diagnosticsToJson(outcome.diagnostics) });
      return exitCodeFor(outcome.diagnostics);
    }
    reportApply(result, out);
    const counts = summarize(plan);
    const writes = target.http.stats.writes - writesBefore;
    out.result(summaryLine(outcome, counts.noop, writes, target.http.stats.requests));
    let demos: Awaited<ReturnType<typeof runLocalDemonstrations>> | undefined;
    if (outcome.ok && target.local && options.demo) demos = await runLocalDemonstrations({ baseUrl: target.baseUrl, realm: target.realm, redactor: target.redactor, local: target.local }, inputs.access, (line) => out.result(line));
    let apigeeResult: Awaited<ReturnType<typeof deployApigee>> | undefined;
    if (apigee && outcome.ok) {
      out.progress(`Apigee: deploying to ${apigee.organization}/${apigee.environment}`);
      apigeeResult = await deployApigee({ access: inputs.access, aicBaseUrl: target.baseUrl, realm: target.realm, settings: apigee, redactor: target.redactor, verbose: options.verbose, log: (line) => out.progress(line) });
      out.result(`Apigee deploy complete: ${apigeeResult.writes} writes, ${apigeeResult.requests} requests; ${apigeeResult.bundles.filter((b) => b.action === 'unchanged').length}/${apigeeResult.bundles.length} bundles unchanged.`);
    }
    const ok = outcome.ok && (demos?.ok ?? true);
    out.jsonResult({ ok, summary: counts, ...stepsToJson(result), restart: result.restart, restarted: outcome.restarted, requests: target.http.stats.requests, writes, diagnostics: diagnosticsToJson(outcome.diagnostics), demonstrations: demos?.results, apigee: apigeeResult });
    if (!outcome.ok) return exitCodeFor(outcome.diagnostics) || EXIT.tenant;
    return ok ? EXIT.ok : EXIT.tenant;
  });
}
