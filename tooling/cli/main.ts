/**
 * The command line: parses arguments, wires the run together and renders progress.
 * Owns: flags, exit codes and output. Decides nothing about what changes (the planner does).
 *
 * Exit codes: 0 success (plan: no changes); 1 error; 2 plan --detailed-exitcode with changes.
 */
import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnvironment, type EnvConfig } from '../config/env.js';
import { loadAccessConfig } from '../config/access.js';
import { buildScripts } from '../build/build-scripts.js';
import { planRun, type BundleSource } from '../engine/pipeline.js';
import { renderPlan, planToJson } from '../engine/render.js';
import { hasChanges, summarize } from '../engine/plan.js';
import type { ApplyResult } from '../engine/apply.js';
import { runDeploy } from '../engine/deploy.js';
import { exportObserved } from '../engine/export.js';
import { changeKey } from '../engine/model.js';
import { openTarget, type Target } from './target.js';
import { runLocalDemonstrations } from '../local/demonstrate.js';
import { loadApigeeSettings, type ApigeeSettings } from '../apigee/settings.js';
import { deployApigee, writeApigeeBundles } from './apigee.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface CommonOptions {
  env?: string;
  access?: string;
  json?: boolean;
  verbose?: boolean;
  concurrency?: string;
  engine?: 'node' | 'rhino';
}

class Output {
  constructor(private readonly json: boolean, private readonly redact: (s: string) => string = (s) => s) {}
  setRedactor(redact: (s: string) => string) {
    return new Output(this.json, redact);
  }
  /** Human progress goes to stderr so stdout stays clean for --json. */
  progress(line: string) {
    process.stderr.write(this.redact(line) + '\n');
  }
  result(text: string) {
    if (!this.json) process.stdout.write(this.redact(text) + '\n');
  }
  jsonResult(value: unknown) {
    if (this.json) process.stdout.write(this.redact(JSON.stringify(value, null, 2)) + '\n');
  }
}

async function loadInputs(env: EnvConfig, accessOverride?: string) {
  const access = await loadAccessConfig(path.resolve(accessOverride ?? env.accessPath));
  const built = await buildScripts();
  const scripts: BundleSource[] = built.map((b) => ({ name: b.name, source: b.source, context: b.context }));
  const journey = JSON.parse(await readFile(path.join(REPO_ROOT, 'journeys', 'AgentLogin.json'), 'utf8'));
  return { access, scripts, journey };
}

/** Secrets known so far in this process; the last line of defence for error messages. */
let activeRedactor: ((s: string) => string) | undefined;

function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const concurrency = Number(value);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new Error(`--concurrency: expected an integer from 1 to 64, got ${value}`);
  return concurrency;
}

/** Everything is read and validated locally before the first request to a tenant. */
async function withTarget<T>(
  options: CommonOptions,
  out: Output,
  body: (target: Target, inputs: Awaited<ReturnType<typeof loadInputs>>, out: Output) => Promise<T>,
): Promise<T> {
  const env = loadEnvironment({ envName: options.env });
  const concurrency = parseConcurrency(options.concurrency);
  const inputs = await loadInputs(env, options.access);
  const target = await openTarget(env, { concurrency, verbose: options.verbose, engine: options.engine, log: (line) => out.progress(line) });
  activeRedactor = (s) => target.redactor.text(s);
  const redactedOut = out.setRedactor(activeRedactor);
  if (target.local) {
    redactedOut.progress(`No tenant configured (AIC_TENANT is empty): using the local tenant at ${target.local.url} (state in ${path.relative(process.cwd(), target.local.stateDir) || '.'}).`);
    redactedOut.progress('To deploy to a real tenant, set AIC_TENANT, AIC_SERVICE_ACCOUNT_ID, AIC_SERVICE_ACCOUNT_JWK_FILE and POLICY_GATEWAY_SECRET in .env (see .env.example).');
  }
  try {
    return await body(target, inputs, redactedOut);
  } finally {
    await target.close();
  }
}

function reportApply(result: ApplyResult, out: Output): void {
  for (const failure of result.failed) out.progress(`error: ${failure.message}`);
  for (const skip of result.skipped) out.progress(`skipped: ${skip.change.kind} ${skip.change.id} (${skip.reason.replace(/^skipped: /, '')})`);
}

async function planCommand(options: CommonOptions & { detailedExitcode?: boolean }): Promise<number> {
  const out = new Output(Boolean(options.json));
  return withTarget(options, out, async (target, inputs, out) => {
    const { plan } = await planRun(target.http, { ...inputs, realm: target.realm, tenantEsvValue: target.tenantEsvValue, gatewayId: target.gatewayId, gatewaySecret: target.gatewaySecret });
    if (plan.problems.length) {
      for (const problem of plan.problems) out.progress(`error: ${problem}`);
      out.jsonResult({ ...(planToJson(plan) as object), ok: false });
      return 1;
    }
    out.result(renderPlan(plan));
    out.jsonResult(planToJson(plan));
    return options.detailedExitcode && hasChanges(plan) ? 2 : 0;
  });
}

async function deployCommand(options: CommonOptions & { restart: boolean; demo: boolean; apigee?: boolean }): Promise<number> {
  const out = new Output(Boolean(options.json));
  // Apigee settings are checked before anything is written anywhere.
  let apigee: ApigeeSettings | undefined;
  if (options.apigee) {
    apigee = loadApigeeSettings({ envName: options.env });
    if (loadEnvironment({ envName: options.env }).local) throw new Error('deploy --apigee: Apigee must reach AIC\'s access_token endpoint, so AIC_TENANT must name a real tenant (the local tenant listens on loopback)');
  }
  return withTarget(options, out, async (target, inputs, out) => {
    const writesBefore = target.http.stats.writes;
    const outcome = await runDeploy(target.http, { ...inputs, realm: target.realm, tenantEsvValue: target.tenantEsvValue, gatewayId: target.gatewayId, gatewaySecret: target.gatewaySecret }, {
      restart: options.restart,
      restartPollSeconds: target.local ? 0.2 : 5,
      onPlan: (plan) => {
        for (const problem of plan.problems) out.progress(`error: ${problem}`);
        if (plan.problems.length) out.progress('Nothing was written to the tenant.');
        else out.result(renderPlan(plan));
      },
      onProgress: (event) => {
        if (options.json) return;
        const mark = event.status === 'done' ? 'ok' : event.status;
        out.progress(`[${event.done}/${event.total}] ${mark.padEnd(7)} ${event.change.action} ${event.change.kind} ${event.change.id}`);
      },
      onRestart: (status, seconds) => out.progress(`  restart: ${status} (${seconds} s)`),
    });
    const { plan, result, restarted } = outcome;
    if (!result) {
      out.jsonResult({ ok: false, problems: plan.problems });
      return 1;
    }
    reportApply(result, out);
    if (!options.restart && (plan.restartNeeded || result.esvWritten)) out.progress('ESV changes are pending: restart the tenant to load them (--no-restart was given).');
    const counts = summarize(plan);
    out.result(
      `Deploy ${outcome.ok ? 'complete' : 'FAILED'}: ${result.done.length} applied, ${result.failed.length} failed, ${result.skipped.length} skipped, ${counts.noop} unchanged; ${target.http.stats.writes - writesBefore} writes, ${target.http.stats.requests} requests${restarted ? '; tenant restarted' : ''}.`,
    );
    let demosOk = true;
    let demos: unknown;
    if (outcome.ok && target.local && options.demo) {
      const shown = await runLocalDemonstrations(target, inputs.access, (line) => out.result(line));
      demosOk = shown.ok;
      demos = shown.results;
    }
    let apigeeResult: Awaited<ReturnType<typeof deployApigee>> | undefined;
    if (apigee && outcome.ok) {
      out.progress(`Apigee: deploying to ${apigee.organization}/${apigee.environment}`);
      apigeeResult = await deployApigee({ access: inputs.access, aicBaseUrl: target.baseUrl, realm: target.realm, settings: apigee, redactor: target.redactor, verbose: options.verbose, log: (line) => out.progress(line) });
      out.result(`Apigee deploy complete: ${apigeeResult.writes} writes, ${apigeeResult.requests} requests; ${apigeeResult.bundles.filter((b) => b.action === 'unchanged').length}/${apigeeResult.bundles.length} bundles unchanged.`);
    }
    out.jsonResult({
      ok: outcome.ok && demosOk,
      apigee: apigeeResult,
      summary: counts,
      applied: result.done.map(changeKey),
      failed: result.failed.map((f) => f.message),
      skipped: result.skipped.map((s) => ({ object: changeKey(s.change), reason: s.reason })),
      restarted,
      requests: target.http.stats.requests,
      writes: target.http.stats.writes - writesBefore,
      demonstrations: demos,
    });
    return outcome.ok && demosOk ? 0 : 1;
  });
}

async function exportCommand(options: CommonOptions & { out: string }): Promise<number> {
  const out = new Output(Boolean(options.json));
  return withTarget(options, out, async (target, inputs, out) => {
    const { observed, desired } = await planRun(target.http, { ...inputs, realm: target.realm, tenantEsvValue: target.tenantEsvValue, gatewayId: target.gatewayId, gatewaySecret: target.gatewaySecret });
    const written = await exportObserved(observed, { desiredKeys: new Set(desired.objects.map(changeKey)) }, path.resolve(options.out));
    out.result(`Exported ${written} managed objects to ${options.out}`);
    out.jsonResult({ ok: true, exported: written, dir: options.out });
    return 0;
  });
}

function common(command: Command): Command {
  return command
    .option('--env <name>', 'environment: reads .env then .env.<name>')
    .option('--access <path>', 'access file or directory (default: AIC_ACCESS_FILE or ./access)')
    .option('--json', 'machine-readable output on stdout')
    .option('--verbose', 'log every request (secrets masked)')
    .option('--concurrency <n>', 'parallel requests within a dependency level')
    .addOption(new Option('--engine <engine>', 'local tenant script engine').choices(['node', 'rhino']));
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('aic-api-to-api').description('Plan and deploy API-to-API authorization to PingOne Advanced Identity Cloud').showHelpAfterError();
  common(program.command('plan').description('show what deploy would change'))
    .option('--detailed-exitcode', 'exit 2 when there are changes (for drift checks in CI)')
    .action(async (options) => setExit(await planCommand(options)));
  common(program.command('deploy').description('apply the access configuration to the tenant'))
    .option('--no-restart', 'do not restart the tenant when ESV changes are pending')
    .option('--no-demo', 'local tenant only: skip the article demonstrations')
    .option('--apigee', 'then deploy the Apigee token proxy, verify shared flows and consumer credentials (APIGEE_* settings)')
    .action(async (options) => setExit(await deployCommand(options)));
  common(program.command('export').description('write the managed objects as they are in the tenant to files'))
    .requiredOption('--out <dir>', 'output folder (replaced)')
    .action(async (options) => setExit(await exportCommand(options)));
  program
    .command('apigee-bundle')
    .description('write the Apigee bundles (token proxy, per-provider verify shared flows) as zips')
    .option('--env <name>', 'environment: reads .env then .env.<name>')
    .option('--access <path>', 'access file or directory (default: AIC_ACCESS_FILE or ./access)')
    .option('--aic-url <url>', 'AIC base URL the token proxy calls (default: AIC_TENANT)')
    .requiredOption('--out <dir>', 'output folder')
    .action(async (options: { env?: string; access?: string; aicUrl?: string; out: string }) => {
      const env = loadEnvironment({ envName: options.env });
      const aicBaseUrl = options.aicUrl ?? env.baseUrl;
      if (!/^https?:\/\/[^/]+\/?$/i.test(aicBaseUrl)) throw new Error('apigee-bundle: set AIC_TENANT or --aic-url to the AIC base URL (scheme and host) Apigee calls');
      const access = await loadAccessConfig(path.resolve(options.access ?? env.accessPath));
      const files = await writeApigeeBundles(access, { aicBaseUrl, realm: env.realm, tokenBasePath: process.env.APIGEE_TOKEN_BASE_PATH || undefined }, path.resolve(options.out));
      for (const file of files) process.stdout.write(`${path.relative(process.cwd(), file)}\n`);
      setExit(0);
    });
  return program;
}

async function main(): Promise<void> {
  let exitCode = 0;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${activeRedactor ? activeRedactor(message) : message}\n`);
    exitCode = 1;
  }
  process.exitCode = exitCode;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
