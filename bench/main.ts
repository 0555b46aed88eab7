/**
 * `npm run bench`: deploys generated access configurations of growing size to the local tenant with
 * injected per-request latency (a real tenant across a network), and measures first deploy, no-op
 * re-deploy, a one-grant change, the speed-up of bounded concurrency over sequential requests, the
 * token path with the scripts running, and the build. Ratios are measured side by side in one run.
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
import axios from 'axios';
import { buildScripts } from '../tooling/build/build-scripts.js';
import { generateAccessConfig, type BundleSource } from '../tooling/engine/desired/index.js';
import { runDeploy } from '../tooling/engine/deploy.js';
import { diagnosticLine } from '../tooling/diagnostics.js';
import { AmHttp } from '../tooling/rest/http.js';
import { serviceAccountAuth } from '../tooling/rest/auth.js';
import { startTenant } from '../tenant/server.js';
import { addClients } from '../test/helpers/tenant-state.js';
import type { AccessConfig } from '../tooling/config/access.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const options = new Command('bench')
  .option('--json', 'print one JSON object')
  .option('--latency-ms <ms>', 'latency injected per request', '20')
  .option('--sizes <list>', 'provider counts', '10,100,500')
  .option('--concurrency <n>', 'default concurrency', '8')
  .option('--tokens <n>', 'client-credentials tokens to issue', '300')
  .parse()
  .opts();
const latencyMs = Number(options.latencyMs);
const sizes = String(options.sizes).split(',').map(Number);
const concurrency = Number(options.concurrency);
const log = (line: string) => (options.json ? process.stderr : process.stdout).write(line + '\n');

async function context() {
  const started = performance.now();
  const built = await buildScripts();
  const buildSeconds = (performance.now() - started) / 1000;
  const scripts: BundleSource[] = built.map((b) => ({ name: b.name, source: b.source, context: b.context }));
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

async function tokenRun(inputs: Inputs, count: number) {
  const access: AccessConfig = {
    consumers: { scopeDrivenAPI1Client: {} },
    identityClaims: [],
    providers: { scopeDrivenAPI2Client: { scopes: { read: { grants: [{ client: 'scopeDrivenAPI1Client' }] } } } },
  };
  const { tenant, http } = await tenantFor(access, 0);
  try {
    await timedDeploy(http(8), access, inputs, tenant.url);
    const client = axios.create({ baseURL: `${tenant.url}/am/oauth2/realms/root/realms/alpha`, validateStatus: () => true });
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'scopeDrivenAPI1Client', client_secret: 'demo-consumer-secret', scope: 'api://scopeDrivenAPI2Client/read' }).toString();
    const calls = tenant.context.runtime.counters.scriptHttpCalls;
    const started = performance.now();
    let granted = 0;
    for (let i = 0; i < count; i += 8) {
      const batch = await Promise.all(Array.from({ length: Math.min(8, count - i) }, () => client.post('/access_token', form, { headers: { 'content-type': 'application/x-www-form-urlencoded' } })));
      granted += batch.filter((r) => r.status === 200 && r.data.scope === 'read').length;
    }
    const seconds = (performance.now() - started) / 1000;
    if (granted !== count) throw new Error(`only ${granted} of ${count} tokens were granted read`);
    return { outboundCallsPerIssue: (tenant.context.runtime.counters.scriptHttpCalls - calls) / count, issuedPerSecond: Math.round(count / seconds) };
  } finally {
    await tenant.close();
  }
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
  const token = await tokenRun(inputs, Number(options.tokens));
  log(`  tokens: ${token.issuedPerSecond} client-credentials tokens/s with both scripts running, ${token.outboundCallsPerIssue} outbound calls per token`);
  log(`  build: ${inputs.buildSeconds.toFixed(2)} s for both bundles`);
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
