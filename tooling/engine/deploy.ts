/**
 * A whole deploy as one call: plan, refuse on plan errors, apply (the restart is a step of the
 * plan). Used by the CLI, the end-to-end tests and the benchmark, so they all exercise the same path.
 */
import type { AmHttp } from '../rest/http.js';
import { error, type Diagnostic } from '../diagnostics.js';
import { applyPlan, type ApplyResult, type ProgressEvent } from './apply.js';
import { changeKey, planErrors, type DesiredState, type Plan } from './model.js';
import { planRun, type PlanInputs } from './pipeline.js';
import { restartAndWait } from './restart.js';
import { directConfigurationSession } from './direct-session.js';
import { esvsLoaded } from '../rest/esv.js';

export interface DeployOptions {
  /**
   * Static configuration in an immutable environment through a direct configuration session, with
   * a client whose login has the session scope (tenants that offer one; off by default).
   */
  directConfiguration?: { http: AmHttp; pollSeconds?: number };
  /** false: pending ESV values stay pending (--no-restart). */
  restart?: boolean;
  restartPollSeconds?: number;
  restartTimeoutSeconds?: number;
  onPlan?: (plan: Plan) => void;
  onProgress?: (event: ProgressEvent) => void;
  onRestart?: (status: string, seconds: number) => void;
}

export interface DeployOutcome {
  plan: Plan;
  desired: DesiredState;
  result?: ApplyResult;
  restarted: boolean;
  /** Everything applied (plan errors, failures or skips make this false; a deferred restart does not). */
  ok: boolean;
  /** Every error and warning of the run, for the CLI to render. */
  diagnostics: Diagnostic[];
}

/** One diagnostic naming what awaits a promotion and what is held until then (exit code 5). */
function promotionNeeded(plan: Plan, result: ApplyResult): Diagnostic[] {
  if (result.blocked.length === 0) return [];
  const promote = result.blocked.filter((b) => b.change.action === 'promote').map((b) => changeKey(b.change));
  const held = result.blocked.filter((b) => b.change.action !== 'promote').map((b) => changeKey(b.change));
  return [
    error('blocked', 'deploy.promotion-needed', `the ${plan.environment.tier} environment lacks the static configuration ${promote.join(', ')}: promote it from the environment below (npm run promote -- --env <this environment>), then run deploy again`, {
      detail: held.length ? `held until then, nothing half-switched: ${held.join(', ')}` : undefined,
    }),
  ];
}

export async function runDeploy(http: AmHttp, inputs: PlanInputs, options: DeployOptions = {}): Promise<DeployOutcome> {
  const direct = options.directConfiguration;
  const { plan, desired, observed } = await planRun(http, direct ? { ...inputs, options: { ...inputs.options, directConfiguration: true } } : inputs);
  options.onPlan?.(plan);
  if (planErrors(plan).length) return { plan, desired, restarted: false, ok: false, diagnostics: plan.diagnostics };
  const result = await applyPlan(plan, {
    http,
    cookieName: observed.cookieName,
    secrets: inputs.secrets,
    restart:
      options.restart === false || !plan.restart
        ? undefined
        : () => restartAndWait(http, { pollSeconds: options.restartPollSeconds ?? 5, timeoutSeconds: options.restartTimeoutSeconds, onProgress: options.onRestart, loaded: () => esvsLoaded(http, plan.restart!.loads) }),
    onProgress: options.onProgress,
    staticSession: direct && plan.environment.immutable ? directConfigurationSession(direct.http, { pollSeconds: direct.pollSeconds }) : undefined,
  });
  const diagnostics = [...plan.diagnostics, ...result.failed.map((f) => f.diagnostic), ...(result.restartFailure ? [result.restartFailure] : []), ...promotionNeeded(plan, result)];
  const ok = result.failed.length === 0 && result.skipped.length === 0 && result.blocked.length === 0 && result.restart !== 'failed';
  return { plan, desired, result, restarted: result.restart === 'done', ok, diagnostics };
}
