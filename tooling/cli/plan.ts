/** `plan`: what deploy would change. Exit 0, or 2 with --detailed-exitcode when there are changes (as Terraform). */
import { EXIT, exitCodeFor } from '../diagnostics.js';
import { planErrors } from '../engine/model.js';
import { planRun } from '../engine/pipeline.js';
import { hasChanges } from '../engine/plan.js';
import { planToJson, renderPlan } from '../engine/render.js';
import type { CommonOptions } from './inputs.js';
import { diagnosticsToJson } from './output.js';
import { withSession } from './session.js';

export interface PlanCommandOptions extends CommonOptions {
  detailedExitcode?: boolean;
  keepForeignPolicies?: boolean;
}

export function planCommand(options: PlanCommandOptions): Promise<number> {
  return withSession(options, async ({ target, out, planInputs }) => {
    const { plan } = await planRun(target.http, planInputs({ options: { keepForeignPolicies: options.keepForeignPolicies } }));
    out.diagnostics(plan.diagnostics);
    const errors = planErrors(plan);
    if (errors.length) out.progress('The plan cannot be applied: nothing would be written.');
    else out.result(renderPlan(plan));
    out.jsonResult({ ...planToJson(plan), ok: errors.length === 0, diagnostics: diagnosticsToJson(plan.diagnostics) });
    if (errors.length) return exitCodeFor(errors);
    return options.detailedExitcode && hasChanges(plan) ? EXIT.changes : EXIT.ok;
  });
}
