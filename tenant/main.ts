/**
 * `npm run tenant`: the local tenant standalone, so the article can be followed with curl.
 * Prints where it listens and the demo credentials of its seed.
 */
import { Command, Option } from 'commander';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { startTenant } from './server.js';

const program = new Command('local-tenant')
  .description('An embedded stand-in for PingOne Advanced Identity Cloud on loopback')
  .option('--port <port>', 'port (0 = any free port)', '8780')
  .option('--state-dir <dir>', 'where state is kept between runs', '.local-tenant')
  .option('--seed <file>', 'seed used when the state folder is empty')
  .addOption(new Option('--engine <engine>', 'script engine').choices(['node', 'rhino']).default('node'))
  .option('--latency-ms <ms>', 'latency added to every HTTP request', '0')
  .option('--fault-rate <rate>', 'fraction of requests answered 429/503/dropped', '0')
  .option('--am-version <version>', 'AM version reported (< 8.1 selects the legacy node API)')
  .option('--reset', 'discard the saved state and start from the seed')
  .parse();

const options = program.opts();
const stateDir = path.resolve(options.stateDir);
if (options.reset) await rm(stateDir, { recursive: true, force: true });
const tenant = await startTenant({
  port: Number(options.port),
  stateDir,
  seedFile: options.seed ? path.resolve(options.seed) : undefined,
  engine: options.engine,
  latencyMs: Number(options.latencyMs),
  faultRate: Number(options.faultRate),
  amVersion: options.amVersion,
});
const state = tenant.context.state;
const realm = state.realms.alpha;
const secretOf = (id: string) => String((realm?.oauth2Clients[id]?.coreOAuth2ClientConfig as Record<string, unknown> | undefined)?.userpassword ?? '');
const user = Object.values(realm?.users ?? {})[0];
const lines = [
  `Local tenant listening on ${tenant.url} (realm alpha, AM ${state.amVersion}, engine ${options.engine}, state in ${path.relative(process.cwd(), stateDir) || '.'})`,
  '',
  'Demo credentials (from the seed; for this local tenant only):',
  ...Object.keys(realm?.oauth2Clients ?? {}).map((id) => `  client ${id}  secret ${secretOf(id)}`),
  user ? `  user   ${user.username}  password ${user.password}  (_id ${user._id})` : '',
  `  service account ${tenant.serviceAccount.id}, private key in ${path.join(path.relative(process.cwd(), stateDir) || '.', 'service-account.jwk.json')}`,
  `  session cookie name ${state.cookieName}`,
  '',
  'Deploy to it with `npm run deploy` (in another terminal), then, as in the article:',
  `  curl -s ${tenant.url}/am/oauth2/realms/root/realms/alpha/access_token -d grant_type=client_credentials -d client_id=scopeDrivenAPI1Client -d client_secret=${secretOf('scopeDrivenAPI1Client')} --data-urlencode scope=api://scopeDrivenAPI2Client/read`,
  `  curl -s ${tenant.url}/am/oauth2/realms/root/realms/alpha/introspect -d client_id=scopeDrivenAPI1Client -d client_secret=${secretOf('scopeDrivenAPI1Client')} -d token=<access_token>`,
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
