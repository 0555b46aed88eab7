/**
 * The command line: parses arguments and hands each command to its own module; renders what a
 * command throws. Decides nothing about what changes.
 *
 * Exit codes (README "Commands"): 0 success; 1 the tenant refused or a write failed; 2 plan
 * --detailed-exitcode with changes; 3 invalid input (nothing sent); 4 the plan refused to write;
 * 5 blocked on something outside this run.
 */
import { Command, Option } from 'commander';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagnosticError, EXIT, diagnosticLine, exitCodeFor } from '../diagnostics.js';
import { generateSecret } from '../config/secret-strength.js';
import { apigeeBundleCommand } from './apigee-bundle.js';
import { deployCommand } from './deploy.js';
import { exportCommand } from './export.js';
import { planCommand } from './plan.js';
import { verifyCommand } from './verify.js';
import { promoteCommand } from './promote.js';
import { activeRedactor } from './session.js';

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
  const pruneStatic = '--prune-static';
  const pruneStaticHelp = 'development below other environments: also delete static configuration no longer wanted (once every environment has switched)';
  const keepForeign = '--keep-foreign-policies';
  const keepForeignHelp = 'report a policy the tool did not write, in a policy set it manages, as a warning instead of deleting it';
  common(program.command('plan').description('show what deploy would change'))
    .option('--detailed-exitcode', 'exit 2 when there are changes (for drift checks in CI)')
    .option('--apigee', 'also plan the Apigee side (APIGEE_* settings)')
    .option(keepForeign, keepForeignHelp)
    .option(pruneStatic, pruneStaticHelp)
    .action(async (options) => setExit(await planCommand(options)));
  common(program.command('deploy').description('apply the access configuration to the tenant'))
    .option('--no-restart', 'do not restart the tenant when ESV changes are pending (steps that need the restart are deferred)')
    .option('--no-demo', 'local tenant only: skip the article demonstrations')
    .option('--apigee', 'then deploy the Apigee side (APIGEE_* settings)')
    .option('--direct-configuration', "staging/production: write static configuration through AIC's direct configuration session (tenants that offer one)")
    .option(pruneStatic, pruneStaticHelp)
    .option(keepForeign, keepForeignHelp)
    .action(async (options) => setExit(await deployCommand(options)));
  common(program.command('promote').description("promote static configuration (scripts, journeys) from the environment below into --env <upper>, with AIC's promotion"))
    .option('--dry-run', 'stop after the dry run and its report (nothing is promoted; the lock is released)')
    .option('--rollback', "roll back the latest promotion into --env <upper> (AIC's rollback)")
    .option('--unlock <promotionId>', 'release the promotion lock with this id (one your own interrupted run left)')
    .option('--ignore-encrypted-secrets', 'promote even though the configuration holds encrypted secrets (they are not carried)')
    .option('--promoter <name>', 'who promotes, for the report (default aic-api-to-api)')
    .option('--description <text>', 'what is promoted, for the report')
    .option('--timeout-minutes <n>', 'give up waiting for a step after this long (default 60)')
    .action(async (options) => setExit(await promoteCommand(options)));
  common(program.command('export').description('write the managed objects as they are in the tenant to files'))
    .requiredOption('--out <dir>', 'output folder (replaced)')
    .action(async (options) => setExit(await exportCommand(options)));
  program
    .command('verify')
    .description('issue a token for a probe consumer and audience scope (VERIFY_CLIENT_ID, VERIFY_CLIENT_SECRET, VERIFY_SCOPE), introspect it, report PASS or FAIL')
    .option('--env <name>', 'environment: reads .env then .env.<name>')
    .option('--access <path>', 'access file or directory, to say which script engine the environment chooses (default: AIC_ACCESS_FILE or ./access)')
    .option('--json', 'machine-readable output on stdout')
    .option('--verbose', 'log every request (secrets masked)')
    .addOption(new Option('--engine <engine>', 'local tenant script engine').choices(['node', 'rhino']))
    .action(async (options) => setExit(await verifyCommand(options)));
  program
    .command('apigee-bundle')
    .description('write the Apigee bundles as zips')
    .option('--env <name>', 'environment: reads .env then .env.<name>')
    .option('--access <path>', 'access file or directory (default: AIC_ACCESS_FILE or ./access)')
    .option('--aic-url <url>', 'AIC base URL the token proxy calls (default: AIC_TENANT)')
    .requiredOption('--out <dir>', 'output folder')
    .action(async (options) => setExit(await apigeeBundleCommand(options)));
  program
    .command('generate-secret')
    .description('print a gateway secret of the required strength (for POLICY_GATEWAY_SECRET)')
    .action(() => {
      process.stdout.write(generateSecret() + '\n');
      setExit(EXIT.ok);
    });
  return program;
}

/** Runs one command line (argv as process.argv has it) and returns the exit code; what is thrown is rendered here. */
export async function runCli(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => (exitCode = code));
  const redact = (text: string) => (activeRedactor ? activeRedactor(text) : text);
  try {
    await program.parseAsync(argv);
  } catch (thrown) {
    if (thrown instanceof DiagnosticError) {
      for (const d of thrown.diagnostics) process.stderr.write(redact(`${d.severity}: ${diagnosticLine(d)}`) + '\n');
      exitCode = exitCodeFor(thrown.diagnostics) || EXIT.tenant;
    } else {
      process.stderr.write(`error: ${redact(thrown instanceof Error ? thrown.message : String(thrown))}\n`);
      exitCode = EXIT.tenant;
    }
  }
  return exitCode;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runCli(process.argv);
}
