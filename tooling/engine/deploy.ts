/**
 * A whole deploy as one call: plan, refuse on problems, apply, restart once when ESVs are pending.
 * Used by the CLI, the end-to-end tests and the benchmark, so they all exercise the same path.
 */
import type { AmHttp } from '../rest/http.js';
import { applyPlan, type ApplyResult, type ProgressEvent } from './apply.js';
import type { DesiredState, Plan } from './model.js';
import { planRun, type PlanInputs } from './pipeline.js';
import { restartAndWait } from './restart.js';

export interface DeployOptions {
  restart?: boolean;
  restartPollSeconds?: number;
  onPlan?: (plan: Plan) => void;
  onProgress?: (event: ProgressEvent) => void;
  onRestart?: (status: string, seconds: number) => void;
}

export interface DeployOutcome {
  plan: Plan;
  desired: DesiredState;
  result?: ApplyResult;
  restarted: boolean;
  /** Everything applied (problems or failures make this false). */
  ok: boolean;
}

export async function runDeploy(http: AmHttp, inputs: PlanInputs, options: DeployOptions = {}): Promise<DeployOutcome> {
  const { plan, desired } = await planRun(http, inputs);
  options.onPlan?.(plan);
  if (plan.problems.length) return { plan, desired, restarted: false, ok: false };
  const result = await applyPlan(plan, desired, http, options.onProgress);
  let restarted = false;
  if ((plan.restartNeeded || result.esvWritten) && options.restart !== false) {
    await restartAndWait(http, { pollSeconds: options.restartPollSeconds ?? 5, onProgress: options.onRestart });
    restarted = true;
  }
  return { plan, desired, result, restarted, ok: result.failed.length === 0 && result.skipped.length === 0 };
}
