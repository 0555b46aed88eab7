/**
 * `npm run tenant`: the local tenant standalone, so the article can be followed with curl.
 * Prints where it listens and the demo credentials of its seed. `--env dev|staging|prod` starts
 * one member of the local promotion group instead (state in `<state-dir>/<env>`, port 8780, 8781
 * or 8782 unless `--port` says otherwise: tenant/promotion/layout.ts), so the deploy tool's
 * `--env` and its promotions find it.
 */
import { Command, Option } from 'commander';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { startTenant } from './server.js';
import { GROUP_ENVIRONMENTS, groupMember, isGroupEnvironment } from './promotion/layout.js';
import { defaultLocalEngine } from '../rhino/availability.js';

const program = new Command('local-tenant')
  .description('An embedded stand-in for PingOne Advanced Identity Cloud on loopback')
  .option('--port <port>', 'port (0 = any free port; default 8780, or with --env 8780/8781/8782)')
  .option('--state-dir <dir>', 'where state is kept between runs (with --env: the group folder holding dev/, staging/, prod/)', '.local-tenant')
  .option('--env <name>', `a member of the local promotion group: ${Object.keys(GROUP_ENVIRONMENTS).join(', ')}`)
  .option('--direct-configuration', 'offer AIC direct configuration sessions (staging and production only)')
  .option('--seed <file>', 'seed used when the state folder is empty')
  .addOption(new Option('--engine <engine>', 'script engine (default: rhino where Java and Rhino are installed, else node)').choices(['node', 'rhino']))
  .option('--latency-ms <ms>', 'latency added to every HTTP request', '0')
  .option('--fault-rate <rate>', 'fraction of requests answered 429/503/dropped', '0')
  .option('--am-version <version>', 'AM version reported (< 8.1 selects the legacy node API)')
  .option('--reset', 'discard the saved state and start from the seed')
  .parse();

const options = program.opts();
const engine: 'node' | 'rhino' = options.engine ?? defaultLocalEngine();
if (options.env !== undefined && !isGroupEnvironment(options.env)) program.error(`--env: expected one of ${Object.keys(GROUP_ENVIRONMENTS).join(', ')}, got ${JSON.stringify(options.env)}`);
/** A flag's number, or exit with what was expected. */
function numberFlag(flag: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) program.error(`${flag}: expected a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return parsed;
}
const basePort = numberFlag('--port', options.port ?? '8780', 0, 65535);
const member = isGroupEnvironment(options.env) ? groupMember(path.resolve(options.stateDir), options.env, 8780) : undefined;
// --port names this tenant's own port; without it a group member takes its place in the chain.
const port = member && options.port === undefined ? member.port : basePort;
const stateDir = member ? member.stateDir : path.resolve(options.stateDir);
const latencyMs = numberFlag('--latency-ms', options.latencyMs, 0, 60_000);
const faultRate = numberFlag('--fault-rate', options.faultRate, 0, 1);
/** Paths shown relative to the working folder when inside it. */
const shown = (target: string) => {
  const relative = path.relative(process.cwd(), target);
  return relative === '' ? '.' : relative.startsWith('..') ? target : relative;
};
if (options.reset) await rm(stateDir, { recursive: true, force: true });
const tenant = await startTenant({
  port,
  stateDir,
  seedFile: options.seed ? path.resolve(options.seed) : undefined,
  engine,
  latencyMs,
  faultRate,
  amVersion: options.amVersion,
  ...(member ? { environment: member.environment } : {}),
  ...(options.directConfiguration ? { directConfiguration: true } : {}),
});
const state = tenant.context.state;
const realm = state.realms.alpha;
const secretOf = (id: string) => String((realm?.oauth2Clients[id]?.coreOAuth2ClientConfig as Record<string, unknown> | undefined)?.userpassword ?? '');
const user = Object.values(realm?.users ?? {})[0];
// The root realm (state key ''): the tenant administrator of the seed.
const admin = Object.values(state.realms['']?.users ?? {})[0];
const lines = [
  `Local tenant listening on ${tenant.url} (realm alpha, AM ${state.amVersion}, engine ${engine}, state in ${shown(stateDir)})`,
  ...(member ? [`Environment ${member.name}: tier ${member.tier}, ${member.tier === 'development' ? 'static configuration editable' : 'static configuration only by promotion (npm run promote -- --env ' + member.name + ')'}${options.directConfiguration && member.tier !== 'development' ? ', direct configuration sessions offered' : ''}`] : []),
  '',
  'Demo credentials (from the seed; for this local tenant only):',
  ...Object.keys(realm?.oauth2Clients ?? {}).map((id) => `  client ${id}  secret ${secretOf(id)}`),
  user ? `  user   ${user.username}  password ${user.password}  (_id ${user._id})` : '',
  admin ? `  tenant administrator (root realm) ${admin.username}  password ${admin.password}` : '',
  `  service account ${tenant.serviceAccount.id}, private key in ${shown(path.join(stateDir, 'service-account.jwk.json'))}`,
  `  session cookie name ${state.cookieName}`,
  '',
  `Deploy to it with \`npm run deploy${member ? ` -- --env ${member.name}` : ''}\` (in another terminal), then, as in the article:`,
  `  curl -s ${tenant.url}/am/oauth2/realms/root/realms/alpha/access_token -d grant_type=client_credentials -d client_id=scopeDrivenAPI1Client -d client_secret=${secretOf('scopeDrivenAPI1Client')} --data-urlencode scope=api://scopeDrivenAPI2Client/read`,
  `  curl -s ${tenant.url}/am/oauth2/realms/root/realms/alpha/introspect -d client_id=scopeDrivenAPI1Client -d client_secret=${secretOf('scopeDrivenAPI1Client')} -d token=<access_token>`,
  ...(realm?.oauth2Clients.dynamicScopesClient && user
    ? ['Dynamic scopes (README "Dynamic scopes"; after deploying a scopePolicies section):', `  curl -s ${tenant.url}/am/oauth2/realms/root/realms/alpha/access_token -u dynamicScopesClient:${secretOf('dynamicScopesClient')} -d grant_type=password -d username=${user.username} --data-urlencode 'password=${user.password}' --data-urlencode 'scope=openid email'`]
    : []),
  '',
  'Ctrl-C stops it (state is saved).',
];
process.stdout.write(lines.join('\n') + '\n');
const stop = async () => {
  await tenant.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
