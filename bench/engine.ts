/**
 * The script engines side by side in one run: client-credentials tokens through the local tenant
 * (both scripts running: Validate Scope, then Access Token Modification) with the legacy scripts in
 * the Node sandbox, in real Rhino with one JVM per execution (how `--engine rhino` ran before), in
 * real Rhino through the long-lived engine server, and the next-generation scripts (policy binding,
 * zero outbound calls) in both engines. Per run: tokens/s, latency percentiles, outbound calls per
 * token, as the tenant counts them.
 *
 *   npx tsx bench/engine.ts                      table
 *   npx tsx bench/engine.ts --json               one JSON object
 *   npx tsx bench/engine.ts --tokens 2000 --concurrency 8 --before-tokens 16
 *
 * bench/main.ts may call measureEngines() and print its figures.
 */
import { Command } from 'commander';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildScripts } from '../tooling/build/build-scripts.js';
import { rhinoAvailable, rhinoServer, runInFreshJvm, setRhinoRunner, stopRhinoServer } from '../rhino/run.js';
import { CONSUMER, PROVIDER, REALM, startPreparedTenant, type Started } from '../test/tenant/runtime/fixture.js';

export interface EngineRun {
  scripts: 'legacy' | 'next-gen';
  engine: 'node' | 'rhino' | 'rhino (one JVM per execution)';
  tokens: number;
  concurrency: number;
  issuedPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  outboundCallsPerIssue: number;
  /** CPU per token (independent of other load on the machine): this Node process (tenant and client) and the engine's JVM. */
  cpuMsPerIssue: { node: number; jvm: number };
  failed: number;
}

export interface EngineOptions {
  /** Tokens per measured run (after warm-up). */
  tokens?: number;
  /** Requests in flight. */
  concurrency?: number;
  /** Tokens for the one-JVM-per-execution run (about one per second). */
  beforeTokens?: number;
  /** Tokens issued before measuring (JIT, script cache). */
  warmup?: number;
  log?: (line: string) => void;
}

const NEXT_GEN_SCOPE_ID = '11111111-2222-4333-8444-555555555511';
const NEXT_GEN_MOD_ID = '11111111-2222-4333-8444-555555555512';

/** Adds the next-generation bundles to a prepared tenant and points the consumer's overrides at them. */
async function useNextGen(started: Started): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-next-gen-'));
  try {
    const built = await buildScripts(dir, { engines: ['next-gen'] });
    const realm = started.tenant.context.state.realms[REALM];
    for (const bundle of built) {
      const id = bundle.name === 'scope-validation-next-gen' ? NEXT_GEN_SCOPE_ID : NEXT_GEN_MOD_ID;
      realm.scripts[id] = { _id: id, name: `bench ${bundle.name}`, description: '', script: Buffer.from(bundle.source).toString('base64'), language: 'JAVASCRIPT', context: bundle.context, evaluatorVersion: bundle.evaluatorVersion, default: false };
    }
    const overrides = realm.oauth2Clients[CONSUMER].overrideOAuth2ClientConfig as Record<string, unknown>;
    overrides.validateScopeScript = NEXT_GEN_SCOPE_ID;
    overrides.accessTokenModificationScript = NEXT_GEN_MOD_ID;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return +sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)].toFixed(1);
}

/** One POST over a kept-alive connection (node:http: lighter than fetch, which shares the CPU with the tenant). */
export function post(agent: http.Agent, url: URL, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Closed loop: `concurrency` clients, each asking for its next token as soon as one comes back. */
async function issue(started: Started, count: number, concurrency: number) {
  const url = new URL(`${started.tenant.url}/am/oauth2/realms/root/realms/${REALM}/access_token`);
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: CONSUMER, client_secret: started.consumerSecret, scope: `api://${PROVIDER}/read` }).toString();
  return issueTokens(url, body, count, concurrency, 'read');
}

/** Closed loop of token requests with one form body; a token counts as failed unless it has exactly `scope`. */
export async function issueTokens(url: URL, body: string, count: number, concurrency: number, scope: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const client = async () => {
    while (next < count) {
      next += 1;
      const begun = performance.now();
      const response = await post(agent, url, body);
      latencies.push(performance.now() - begun);
      let granted: unknown;
      try {
        granted = (JSON.parse(response.text) as { scope?: unknown }).scope;
      } catch {
        granted = undefined;
      }
      if (response.status !== 200 || granted !== scope) failed += 1;
    }
  };
  const begun = performance.now();
  try {
    await Promise.all(Array.from({ length: concurrency }, client));
  } finally {
    agent.destroy();
  }
  return { seconds: (performance.now() - begun) / 1000, latencies, failed };
}

/** CPU seconds the engine's JVM has used (Linux /proc; 0 elsewhere or when none runs). */
function jvmCpuSeconds(): number {
  const pid = rhinoServer().pid;
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function measure(scripts: EngineRun['scripts'], engine: EngineRun['engine'], tokens: number, concurrency: number, warmup: number): Promise<EngineRun> {
  const started = await startPreparedTenant({ engine: engine === 'node' ? 'node' : 'rhino' });
  // Secrets reach systemEnv only when usable in placeholders (AM-FACTS §1), as the deploy tool creates them.
  for (const secret of Object.values(started.tenant.context.state.esv.secrets)) secret.useInPlaceholders = true;
  try {
    if (scripts === 'next-gen') await useNextGen(started);
    if (warmup > 0) await issue(started, warmup, concurrency);
    const counters = started.tenant.context.runtime.counters;
    const calls = counters.scriptHttpCalls;
    const cpu = process.cpuUsage();
    const jvm = jvmCpuSeconds();
    const run = await issue(started, tokens, concurrency);
    const nodeCpu = process.cpuUsage(cpu);
    const sorted = [...run.latencies].sort((a, b) => a - b);
    return {
      scripts,
      engine,
      tokens,
      concurrency,
      issuedPerSecond: Math.round(tokens / run.seconds),
      latencyMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: percentile(sorted, 100) },
      outboundCallsPerIssue: +((counters.scriptHttpCalls - calls) / tokens).toFixed(2),
      cpuMsPerIssue: { node: +((nodeCpu.user + nodeCpu.system) / 1000 / tokens).toFixed(2), jvm: engine === 'rhino' ? +(((jvmCpuSeconds() - jvm) * 1000) / tokens).toFixed(2) : 0 },
      failed: run.failed,
    };
  } finally {
    await started.close();
  }
}

export async function measureEngines(options: EngineOptions = {}): Promise<EngineRun[]> {
  const tokens = options.tokens ?? 1000;
  const concurrency = options.concurrency ?? 8;
  const warmup = options.warmup ?? 300;
  const beforeTokens = options.beforeTokens ?? 16;
  const log = options.log ?? (() => {});
  const runs: EngineRun[] = [];
  const row = (run: EngineRun) => {
    runs.push(run);
    log(
      `  ${run.scripts.padEnd(8)} ${run.engine.padEnd(31)} ${String(run.issuedPerSecond).padStart(5)} tokens/s   p50 ${run.latencyMs.p50.toFixed(1).padStart(7)} ms   p95 ${run.latencyMs.p95.toFixed(1).padStart(7)} ms   p99 ${run.latencyMs.p99.toFixed(1).padStart(7)} ms   ${run.outboundCallsPerIssue} outbound calls/token   CPU/token ${run.cpuMsPerIssue.node} ms Node${run.engine === 'rhino' ? ` + ${run.cpuMsPerIssue.jvm} ms JVM` : run.engine === 'node' ? '' : ' (+ one JVM per execution, not measured)'}${run.failed ? `   ${run.failed} FAILED` : ''}`,
    );
  };
  log(`Script engines: ${tokens} client-credentials tokens per run at ${concurrency} in flight (after ${warmup} warm-up), ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`);
  row(await measure('legacy', 'node', tokens, concurrency, warmup));
  const rhino = rhinoAvailable();
  if (!rhino.ok) {
    log(`  real Rhino runs skipped: ${rhino.reason}`);
  } else {
    if (beforeTokens > 0) {
      const previous = setRhinoRunner(runInFreshJvm);
      try {
        row(await measure('legacy', 'rhino (one JVM per execution)', beforeTokens, concurrency, 0));
      } finally {
        setRhinoRunner(previous);
      }
    }
    await rhinoServer().start();
    row(await measure('legacy', 'rhino', tokens, concurrency, warmup));
  }
  row(await measure('next-gen', 'node', tokens, concurrency, warmup));
  if (rhino.ok) {
    row(await measure('next-gen', 'rhino', tokens, concurrency, warmup));
    const stats = rhinoServer().stats;
    log(`  engine server: ${stats.started} JVM started, ${stats.executions} executions, ${stats.compiles} compiles, ${stats.refused} refused, ${stats.crashes} crashes`);
    await stopRhinoServer();
  }
  return runs;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = new Command('bench-engine')
    .option('--json', 'print one JSON object')
    .option('--tokens <n>', 'tokens per measured run', '1000')
    .option('--concurrency <n>', 'requests in flight', '8')
    .option('--before-tokens <n>', 'tokens for the one-JVM-per-execution run', '16')
    .option('--warmup <n>', 'tokens before measuring', '300')
    .parse()
    .opts();
  const log = (line: string) => (options.json ? process.stderr : process.stdout).write(line + '\n');
  const runs = await measureEngines({ tokens: Number(options.tokens), concurrency: Number(options.concurrency), beforeTokens: Number(options.beforeTokens), warmup: Number(options.warmup), log });
  if (options.json) process.stdout.write(JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, runs }, null, 2) + '\n');
}
