/**
 * `npm run bench`: deploys generated access configurations of growing size to the local tenant with
 * injected per-request latency (a real tenant across a network), and measures first deploy, no-op
 * re-deploy, a one-grant change, the speed-up of bounded concurrency over sequential requests, the
 * build, and the token path per script engine (legacy and next-gen, each deployed by the tool, the
 * scripts running in real Rhino where it is installed): outbound calls per token, tokens/s, and the
 * latency the scripts add to a token at the injected latency. Ratios are measured side by side in
 * one run; `--json` carries the engines as token.byEngine.legacy and token.byEngine.nextGen.
 *
 *   npm run bench                 table
 *   npm run bench -- --json       one JSON object
 *   npm run bench -- --latency-ms 50 --sizes 10,100,500
 */
import { Command } from 'commander';
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_ENGINES, buildScripts, type ScriptEngine } from '../tooling/build/build-scripts.js';
import { bundleSource, generateAccessConfig, type BundleSource } from '../tooling/engine/desired/index.js';
import { runDeploy } from '../tooling/engine/deploy.js';
import { diagnosticLine } from '../tooling/diagnostics.js';
import { AmHttp } from '../tooling/rest/http.js';
import { serviceAccountAuth } from '../tooling/rest/auth.js';
import { startTenant } from '../tenant/server.js';
import { addClients } from '../test/helpers/tenant-state.js';
import { rhinoAvailable, rhinoServer, stopRhinoServer } from '../rhino/run.js';
import { issueTokens, percentile } from './engine.js';
import type { AccessConfig } from '../tooling/config/access.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const options = new Command('bench')
  .option('--json', 'print one JSON object')
  .option('--latency-ms <ms>', 'latency injected per request', '20')
  .option('--sizes <list>', 'provider counts', '10,100,500')
  .option('--concurrency <n>', 'default concurrency', '8')
  .option('--tokens <n>', 'client-credentials tokens per engine for tokens/s', '1000')
  .parse()
  .opts();
const latencyMs = Number(options.latencyMs);
const sizes = String(options.sizes).split(',').map(Number);
const concurrency = Number(options.concurrency);
const log = (line: string) => (options.json ? process.stderr : process.stdout).write(line + '\n');

async function context() {
  const started = performance.now();
  const built = await buildScripts(null, { engines: ALL_ENGINES });
  const buildSeconds = (performance.now() - started) / 1000;
  // Both engines' bundles: each deploy's access configuration chooses (scriptEngine).
  const scripts: BundleSource[] = built.map(bundleSource);
  const journey = JSON.parse(await readFile(path.join(ROOT, 'journeys', 'AgentLogin.json'), 'utf8'));
  return { buildSeconds, scripts, journey };
}

async function tenantFor(access: AccessConfig, latency: number) {
  const tenant = await startTenant({ port: 0, latencyMs: latency, restartSeconds: 0.05 });
  addClients(tenant.context, 'alpha', Object.keys(access.consumers));
  const http = (n: number) => new AmHttp({ baseUrl: tenant.url, concurrency: n, auth: serviceAccountAuth({ tokenUrl: `${tenant.url}/am/oauth2/access_token`, accountId: tenant.serviceAccount.id, jwk: tenant.serviceAccount.privateJwk }) });
  return { tenant, http };
}

type Inputs = Awaited<ReturnType<typeof context>>;

async function timedDeploy(http: AmHttp, access: AccessConfig, inputs: Inputs, tenantUrl: string) {
  const before = { requests: http.stats.requests, writes: http.stats.writes };
  const started = performance.now();
  const outcome = await runDeploy(http, { access, realm: 'alpha', tenantEsvValue: tenantUrl, gatewayId: 'policy-evaluator', secrets: { gatewaySecret: 'bench-Gateway-Secret-000-aaa-ZZZ' }, scripts: inputs.scripts, journey: inputs.journey }, { restartPollSeconds: 0.01 });
  if (!outcome.ok) throw new Error(`deploy failed: ${outcome.diagnostics.slice(0, 3).map(diagnosticLine).join("; ")}`);
  return { seconds: (performance.now() - started) / 1000, requests: http.stats.requests - before.requests, writes: http.stats.writes - before.writes, objects: outcome.plan.changes.length };
}

function changeOneGrant(access: AccessConfig): AccessConfig {
  const copy: AccessConfig = JSON.parse(JSON.stringify(access));
  const provider = Object.keys(copy.providers).sort()[0];
  const scope = Object.keys(copy.providers[provider].scopes).sort()[0];
  const consumers = Object.keys(copy.consumers).sort();
  const grants = copy.providers[provider].scopes[scope].grants;
  const used = new Set(grants.map((g) => g.client));
  grants.push({ client: consumers.find((c) => !used.has(c))! });
  return copy;
}

const TOKEN_ACCESS = (scriptEngine: ScriptEngine): AccessConfig => ({
  consumers: { scopeDrivenAPI1Client: {} },
  identityClaims: [],
  providers: { scopeDrivenAPI2Client: { scopes: { read: { grants: [{ client: 'scopeDrivenAPI1Client' }] } } } },
  scriptEngine,
});
/** A client like the consumer (same secret) that is in no access configuration: its tokens run no script. */
const PLAIN_CLIENT = 'benchPlainClient';
const tokenForm = (clientId: string, scope: string) => new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'demo-consumer-secret', scope }).toString();
const SCRIPTED_FORM = tokenForm('scopeDrivenAPI1Client', 'api://scopeDrivenAPI2Client/read');
const PLAIN_FORM = tokenForm(PLAIN_CLIENT, 'openid');

/** A fresh tenant with the scripts of `scriptEngine` deployed by the tool, running them in `runtime`. */
async function scriptedTenant(inputs: Inputs, scriptEngine: ScriptEngine, runtime: 'node' | 'rhino', latency: number) {
  const access = TOKEN_ACCESS(scriptEngine);
  const tenant = await startTenant({ port: 0, latencyMs: latency, restartSeconds: 0.05, engine: runtime });
  addClients(tenant.context, 'alpha', [PLAIN_CLIENT]);
  const http = new AmHttp({ baseUrl: tenant.url, concurrency: 8, auth: serviceAccountAuth({ tokenUrl: `${tenant.url}/am/oauth2/access_token`, accountId: tenant.serviceAccount.id, jwk: tenant.serviceAccount.privateJwk }) });
  await timedDeploy(http, access, inputs, tenant.url);
  return { tenant, url: new URL(`${tenant.url}/am/oauth2/realms/root/realms/alpha/access_token`) };
}

/** Tokens/s at 8 in flight and outbound calls per token (the tenant counts them), without injected latency. */
async function throughput(inputs: Inputs, scriptEngine: ScriptEngine, runtime: 'node' | 'rhino', count: number) {
  const { tenant, url } = await scriptedTenant(inputs, scriptEngine, runtime, 0);
  try {
    await issueTokens(url, SCRIPTED_FORM, Math.min(200, count), 8, 'read'); // warm-up: compile, JIT
    const calls = tenant.context.runtime.counters.scriptHttpCalls;
    const started = performance.now();
    const run = await issueTokens(url, SCRIPTED_FORM, count, 8, 'read');
    const seconds = (performance.now() - started) / 1000;
    if (run.failed) throw new Error(`${scriptEngine}: ${run.failed} of ${count} tokens were not granted read`);
    return { outboundCallsPerIssue: +((tenant.context.runtime.counters.scriptHttpCalls - calls) / count).toFixed(2), issuedPerSecond: Math.round(count / seconds) };
  } finally {
    await tenant.close();
  }
}

/**
 * What the scripts add to a token at the injected latency: one token at a time, alternately for the
 * consumer (both scripts) and for a client without scripts, on the same tenant; the difference of
 * the medians. The legacy script's three calls each pay the latency; the policy binding pays none.
 */
async function addedLatency(inputs: Inputs, scriptEngine: ScriptEngine, runtime: 'node' | 'rhino', latency: number, samples: number) {
  const { tenant, url } = await scriptedTenant(inputs, scriptEngine, runtime, latency);
  try {
    const one = async (body: string, scope: string) => {
      const started = performance.now();
      const run = await issueTokens(url, body, 1, 1, scope);
      if (run.failed) throw new Error(`${scriptEngine}: a token was not granted ${scope}`);
      return performance.now() - started;
    };
    for (let i = 0; i < 5; i++) await Promise.all([one(SCRIPTED_FORM, 'read'), one(PLAIN_FORM, 'openid')]);
    const scripted: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < samples; i++) {
      scripted.push(await one(SCRIPTED_FORM, 'read'));
      plain.push(await one(PLAIN_FORM, 'openid'));
    }
    const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
    return { addedLatencyMs: +(median(scripted) - median(plain)).toFixed(1), tokenMs: { withScripts: median(scripted), withoutScripts: median(plain) } };
  } finally {
    await tenant.close();
  }
}

/** Both engines side by side in this run: the deploy tool writes each engine's scripts, the tenant runs them. */
async function tokensByEngine(inputs: Inputs, count: number) {
  const available = rhinoAvailable();
  const runtime = available.ok ? 'rhino' : 'node';
  if (!available.ok) log(`  tokens: real Rhino is not available (${available.reason}); the scripts run in the Node sandbox`);
  // Started before the first burst of 8: concurrent first executions would each start a JVM (rhino/server.ts start() race).
  else await rhinoServer().start();
  const byEngine: Record<'legacy' | 'nextGen', { outboundCallsPerIssue: number; issuedPerSecond: number; addedLatencyMs: number; tokenMs: { withScripts: number; withoutScripts: number } }> = {} as never;
  for (const [key, scriptEngine] of [['legacy', 'legacy'], ['nextGen', 'next-gen']] as const) {
    const speed = await throughput(inputs, scriptEngine, runtime, count);
    const latency = await addedLatency(inputs, scriptEngine, runtime, latencyMs, 30);
    byEngine[key] = { ...speed, ...latency };
    log(`  tokens, ${scriptEngine.padEnd(8)} scripts (${runtime}): ${speed.outboundCallsPerIssue} outbound calls per token, ${speed.issuedPerSecond} tokens/s at 8 in flight; +${latency.addedLatencyMs} ms per token at ${latencyMs} ms injected latency (${latency.tokenMs.withScripts} ms with the scripts, ${latency.tokenMs.withoutScripts} ms without)`);
  }
  if (available.ok) await stopRhinoServer();
  const ratios = {
    issuedPerSecond: +(byEngine.nextGen.issuedPerSecond / byEngine.legacy.issuedPerSecond).toFixed(2),
    addedLatency: byEngine.nextGen.addedLatencyMs > 0 ? +(byEngine.legacy.addedLatencyMs / byEngine.nextGen.addedLatencyMs).toFixed(1) : null,
  };
  log(`  next-gen vs legacy: ${ratios.issuedPerSecond}× the tokens/s, ${byEngine.legacy.addedLatencyMs - byEngine.nextGen.addedLatencyMs >= 0 ? `${(byEngine.legacy.addedLatencyMs - byEngine.nextGen.addedLatencyMs).toFixed(1)} ms less` : 'no less'} added latency per token`);
  return { runtime, byEngine, nextGenVsLegacy: ratios };
}

async function main() {
  const inputs = await context();
  log(`Benchmark on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${latencyMs} ms injected latency per request, concurrency ${concurrency}`);
  const rows: Record<string, unknown>[] = [];
  let largest: { access: AccessConfig; seconds: number; objects: number } | undefined;
  for (const providers of sizes) {
    const access = generateAccessConfig({ providers, scopesPerProvider: 5, grantsPerScope: [2, 3], consumers: Math.max(5, Math.round(providers / 5)), seed: 11 });
    const { tenant, http } = await tenantFor(access, latencyMs);
    try {
      const client = http(concurrency);
      const first = await timedDeploy(client, access, inputs, tenant.url);
      const noop = await timedDeploy(client, access, inputs, tenant.url);
      const small = await timedDeploy(client, changeOneGrant(access), inputs, tenant.url);
      rows.push({ providers, objects: first.objects, firstDeploy: { seconds: +first.seconds.toFixed(2), requests: first.requests }, noopDeploy: { seconds: +noop.seconds.toFixed(2), writes: noop.writes, requests: noop.requests }, smallChange: { writes: small.writes, requests: small.requests } });
      log(`  ${String(providers).padStart(4)} providers  ${String(first.objects).padStart(5)} objects  first ${first.seconds.toFixed(2)} s / ${first.requests} req   no-op ${noop.writes} writes / ${noop.requests} req   one grant changed: ${small.writes} writes`);
      if (providers === Math.max(...sizes)) largest = { access, seconds: first.seconds, objects: first.objects };
    } finally {
      await tenant.close();
    }
  }
  let speedup: number | undefined;
  if (largest) {
    const { tenant, http } = await tenantFor(largest.access, latencyMs);
    try {
      const sequential = await timedDeploy(http(1), largest.access, inputs, tenant.url);
      speedup = +(sequential.seconds / largest.seconds).toFixed(1);
      log(`  sequential (concurrency 1) first deploy of ${largest.objects} objects: ${sequential.seconds.toFixed(2)} s -> speed-up ${speedup}×`);
    } finally {
      await tenant.close();
    }
  }
  const token = await tokensByEngine(inputs, Number(options.tokens));
  log(`  build: ${inputs.buildSeconds.toFixed(2)} s for the ${inputs.scripts.length} bundles`);
  const last = rows[rows.length - 1] as { objects: number; firstDeploy: unknown; noopDeploy: unknown; smallChange: unknown };
  const result = {
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, latencyMs, concurrency },
    objects: last.objects,
    firstDeploy: last.firstDeploy,
    speedupVsSequential: speedup,
    noopDeploy: last.noopDeploy,
    smallChange: last.smallChange,
    token,
    build: { seconds: +inputs.buildSeconds.toFixed(2) },
    bySize: rows,
  };
  if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

await main();
