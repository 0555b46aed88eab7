/**
 * `plan`: what deploy would change (with --apigee, the Apigee side's own plan too). Exit 0, or 2
 * with --detailed-exitcode when there are changes (as Terraform).
 */
import { EXIT, exitCodeFor } from '../diagnostics.js';
import { planRun } from '../engine/pipeline.js';
import { hasChanges } from '../engine/plan.js';
import { planToJson, renderPlan } from '../engine/render.js';
import type { CommonOptions } from './inputs.js';
import { loadApigeeSettings } from '../apigee/settings.js';
import { apigeePlanToJson, hasApigeeChanges, planApigeeRun, renderApigeePlan } from './apigee.js';
import { diagnosticsToJson } from './output.js';
import { withSession } from './session.js';

export interface PlanCommandOptions extends CommonOptions {
  detailedExitcode?: boolean;
  keepForeignPolicies?: boolean;
  pruneStatic?: boolean;
  /** Also plan the Apigee side (its own plan: bundle revisions, products, apps, credentials). */
  apigee?: boolean;
}

export function planCommand(options: PlanCommandOptions): Promise<number> {
  const apigeeSettings = options.apigee ? loadApigeeSettings({ envName: options.env }) : undefined;
  return withSession(options, async ({ target, inputs, out, planInputs }) => {
    const { plan } = await planRun(target.http, planInputs({ options: { keepForeignPolicies: options.keepForeignPolicies, pruneStatic: options.pruneStatic } }));
    const apigee = apigeeSettings ? (await planApigeeRun({ access: inputs.access, aicBaseUrl: target.baseUrl, realm: target.realm, settings: apigeeSettings, redactor: target.redactor, verbose: options.verbose, log: (line) => out.progress(line) })).plan : undefined;
    const diagnostics = [...plan.diagnostics, ...(apigee?.diagnostics ?? [])];
    out.diagnostics(diagnostics);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) out.progress('The plan cannot be applied: nothing would be written.');
    else {
      out.result(renderPlan(plan));
      if (apigee) out.result(`\nApigee (${apigeeSettings!.organization}/${apigeeSettings!.environment}):\n${renderApigeePlan(apigee)}`);
    }
    out.jsonResult({ ...planToJson(plan), ...(apigee ? { apigee: apigeePlanToJson(apigee) } : {}), ok: errors.length === 0, diagnostics: diagnosticsToJson(diagnostics) });
    if (errors.length) return exitCodeFor(errors);
    const changes = hasChanges(plan) || (apigee !== undefined && hasApigeeChanges(apigee));
    return options.detailedExitcode && changes ? EXIT.changes : EXIT.ok;
  });
}
