/**
 * The real engine's batch API: runs script cases in Mozilla Rhino 1.7.14 (Debian's rhino package)
 * at language version 0, each in a fresh top-level scope, through the process's long-lived engine
 * server (server.ts). Outcomes come back in the order of the cases.
 */
import type { ScriptOutcome } from '../amkit/types.js';
import { RhinoServer, rhinoServer, type RhinoExecution } from './server.js';

export { rhinoAvailable, rhinoJar, defaultLocalEngine } from './availability.js';
export { rhinoServer, stopRhinoServer, RhinoServer, type AsyncHttpHandler, type AsyncPolicyHandler, type RhinoExecution, type RhinoHttp, type RhinoServerStats } from './server.js';

/** One case: a bundle, its context, the entry point AM would call (validate scope) and the bindings' input. */
export type RhinoCase = RhinoExecution;

/** A batch never meets the pool's refusal: at most the pool's core threads in flight. */
const BATCH_CONCURRENCY = 10;

export async function runInRhino(cases: RhinoCase[]): Promise<ScriptOutcome[]> {
  const server = rhinoServer();
  await server.start();
  const outcomes: ScriptOutcome[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const index = next++;
      outcomes[index] = await server.run(cases[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, cases.length) }, worker));
  return outcomes;
}

export type RhinoRunner = (execution: RhinoCase) => Promise<ScriptOutcome>;
let runner: RhinoRunner = (execution) => rhinoServer().run(execution);

/** One execution through the shared engine server; an engine failure is a failed outcome, never a rejection. */
export function runRhinoCase(execution: RhinoCase): Promise<ScriptOutcome> {
  return runner(execution);
}

/**
 * Replaces how runRhinoCase runs executions, and returns the previous runner. For benchmarks only:
 * they measure runInFreshJvm against the long-lived server through the same tenant.
 */
export function setRhinoRunner(next: RhinoRunner): RhinoRunner {
  const previous = runner;
  runner = next;
  return previous;
}

/** One JVM per execution — JVM start, Rhino set-up and compile every time: how the engine ran before the server. */
export async function runInFreshJvm(execution: RhinoCase): Promise<ScriptOutcome> {
  const server = new RhinoServer();
  try {
    return await server.run(execution);
  } finally {
    await server.stop();
  }
}
