/**
 * A command's session: inputs read and validated locally first, then the target opened, output
 * redacted with the run's secrets, and the target closed whatever happens.
 */
import path from 'node:path';
import type { PlanInputs } from '../engine/pipeline.js';
import { loadInputs, type CommonOptions, type RunInputs } from './inputs.js';
import { Output } from './output.js';
import { openTarget, type Target } from './target.js';

export interface Session {
  target: Target;
  inputs: RunInputs;
  out: Output;
  /** What the planner needs, from inputs and target. */
  planInputs(extra?: Partial<PlanInputs>): PlanInputs;
}

/** Secrets known so far in this process: the last line of defence for an error message. */
export let activeRedactor: ((text: string) => string) | undefined;

/** For commands that open their target without a session (verify). */
export function setActiveRedactor(redact: (text: string) => string): void {
  activeRedactor = redact;
}

export async function withSession<T>(options: CommonOptions, body: (session: Session) => Promise<T>): Promise<T> {
  const out = new Output(Boolean(options.json));
  const inputs = await loadInputs(options);
  // The next-generation scripts log no agent in: no policy-evaluator password is needed.
  const target = await openTarget(inputs.env, { concurrency: inputs.concurrency, verbose: options.verbose, engine: options.engine, log: (line) => out.progress(line), gatewaySecretRequired: inputs.scriptEngine.engine === 'legacy' });
  activeRedactor = (text) => target.redactor.text(text);
  out.useRedactor(activeRedactor);
  if (target.local) {
    out.progress(`No tenant configured (AIC_TENANT is empty): using the local tenant at ${target.local.url} (state in ${path.relative(process.cwd(), target.local.stateDir) || '.'}).`);
    out.progress('To deploy to a real tenant, set AIC_TENANT, AIC_SERVICE_ACCOUNT_ID, AIC_SERVICE_ACCOUNT_JWK_FILE and POLICY_GATEWAY_SECRET in .env (see .env.example).');
  }
  out.progress(`Script engine: ${inputs.scriptEngine.engine} (${inputs.scriptEngine.from === 'default' ? 'the default; set scriptEngine in the access file or SCRIPT_ENGINE' : `from ${inputs.scriptEngine.from}`}).`);
  const planInputs = (extra: Partial<PlanInputs> = {}): PlanInputs => ({
    access: inputs.access,
    scripts: inputs.scripts,
    journey: inputs.journey,
    realm: target.realm,
    tenantEsvValue: target.tenantEsvValue,
    gatewayId: target.gatewayId,
    journeyName: target.journeyName,
    secrets: target.secrets,
    ...extra,
  });
  try {
    return await body({ target, inputs, out, planInputs });
  } finally {
    await target.close();
  }
}
