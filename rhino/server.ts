/**
 * One long-lived JVM running the real engine (rhino/java/harness/Server.java), talked to over its
 * stdin/stdout: one JSON frame per line. Owns the process: starting it, compiling each script source
 * once per JVM (by SHA-256), matching answers to executions, serving the engine's callbacks (policy
 * evaluation and HTTP handlers that live in Node), and starting a fresh JVM after a crash — the
 * executions in flight then fail as "engine crashed", the next ones run in the new JVM.
 *
 * The JVM does not keep Node alive while idle (it is unref'd until an execution is pending) and
 * exits by itself when its stdin closes, so it never outlives the process that started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { BindingInput, HttpAnswer, HttpExchange, HttpHandler, PolicyEvaluation, PolicyHandler, ScriptContext, ScriptedAnswer, ScriptedPolicyAnswer, ScriptOutcome } from '../amkit/types.js';
import { rhinoAvailable } from './availability.js';
import { ensureCompiled } from './compile.js';

/** In the real engine a handler may answer later: the script's thread waits, as on a slow network. */
export type AsyncHttpHandler = (req: HttpExchange) => HttpAnswer | Promise<HttpAnswer>;
export type AsyncPolicyHandler = (request: PolicyEvaluation) => unknown;
export type RhinoHttp = HttpHandler | AsyncHttpHandler | ScriptedAnswer[] | { live: true };

export interface RhinoExecution {
  /** Shown in error messages (the script's file name in Rhino's). */
  name?: string;
  source: string;
  context: ScriptContext;
  entryPoint?: string;
  input: Omit<BindingInput, 'http' | 'policy'> & { http?: RhinoHttp; policy?: PolicyHandler | AsyncPolicyHandler | ScriptedPolicyAnswer[] | null };
}

export interface RhinoServerStats {
  /** JVMs started (1 + restarts after crashes). */
  started: number;
  crashes: number;
  executions: number;
  /** Executions the pool refused (10 core / 50 max threads and 10 queued were busy). */
  refused: number;
  /** Script sources sent for compilation. */
  compiles: number;
}

interface Pending {
  frame: Record<string, unknown>;
  source: string;
  child: ChildProcess;
  http?: AsyncHttpHandler;
  policy?: AsyncPolicyHandler;
  resolve: (outcome: ScriptOutcome) => void;
}

/**
 * JVM flags for two cores shared with the tenant: the serial collector, and C1 only — C2 spent more
 * CPU compiling Rhino's huge interpreter loop than it saved (measured: 384 against 302 tokens/s,
 * warm-up twice as fast). The stack is what AM's threads get.
 */
const JAVA_FLAGS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xms64m', '-Xmx512m', '-Xss4m', '-XX:+PerfDisableSharedMem'];

const failed = (error: string): ScriptOutcome => ({ ok: false, error, logs: [], httpCalls: [] });

export class RhinoServer {
  readonly stats: RhinoServerStats = { started: 0, crashes: 0, executions: 0, refused: 0, compiles: 0 };
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  /** Script hashes the current JVM has compiled (it caches them): later executions go without the source. */
  private known = new Set<string>();
  private readonly hashes = new Map<string, string>();
  private nextId = 1;
  private stderrTail = '';
  /** A JVM is starting: someone awaits it, so it keeps Node alive like a pending execution. */
  private starting = false;

  /** The JVM's process id, while one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the JVM (compiling the Java side when needed); resolves once it is ready. */
  start(): Promise<void> {
    // Concurrent first executions share one start (compile and JVM); a failed or ended one clears it.
    if (this.ready) return this.ready;
    const available = rhinoAvailable();
    if (!available.ok) return Promise.reject(new Error(available.reason));
    this.ready = ensureCompiled(available.jar).then((classpath) => this.spawnJvm(classpath));
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  private spawnJvm(classpath: string): Promise<void> {
    const extra = (process.env.RHINO_SERVER_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean); // e.g. profiling flags
    const child = spawn('java', [...JAVA_FLAGS, ...extra, '-cp', classpath, 'harness.Server'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.known = new Set();
    this.stderrTail = '';
    this.stats.started += 1;
    this.starting = true;
    let isReady = false;
    let onReady!: () => void;
    let onFail!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      onReady = () => {
        isReady = true;
        this.starting = false;
        this.refreshRef();
        resolve();
      };
      onFail = (error) => {
        this.starting = false;
        reject(error);
      };
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
      if (process.env.RHINO_SERVER_DEBUG) process.stderr.write(chunk);
    });
    child.stdin!.on('error', () => {}); // a dead JVM: 'exit' reports it
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (frame.type === 'ready') onReady();
      else if (frame.type === 'done') this.done(frame);
      else if (frame.type === 'call') void this.callback(child, frame);
    });
    const gone = (reason: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.ready = undefined;
      onFail(new Error(`the Rhino engine did not start: ${reason}${this.stderrTail ? `: ${this.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
      for (const [id, pending] of this.pending) {
        if (pending.child !== child) continue;
        this.pending.delete(id);
        pending.resolve(failed(`engine crashed: the Rhino engine (JVM) ended (${reason}) while this script ran; the next execution starts a new engine`));
      }
      if (isReady) this.stats.crashes += 1;
      this.refreshRef();
    };
    child.on('exit', (code, signal) => gone(signal ? `signal ${signal}` : `exit code ${code}`));
    child.on('error', (error) => gone(error.message));
    this.refreshRef();
    return ready;
  }

  /** Runs one execution; never rejects: a failure of the engine itself is a failed outcome. */
  async run(execution: RhinoExecution): Promise<ScriptOutcome> {
    try {
      await this.start();
    } catch (error) {
      return failed((error as Error).message);
    }
    const child = this.child;
    if (!child) return failed('engine crashed: the Rhino engine (JVM) ended before the script could run');
    const { http, policy, ...rest } = execution.input;
    const input: Record<string, unknown> = { ...rest };
    if (typeof http === 'function') input.http = { callback: true };
    else if (http !== undefined) input.http = http;
    if (typeof policy === 'function') input.policy = { callback: true };
    else if (policy !== undefined) input.policy = policy;
    const id = this.nextId++;
    const frame: Record<string, unknown> = { type: 'run', id, script: this.hashOf(execution.source), name: execution.name, context: execution.context, entryPoint: execution.entryPoint, input };
    this.stats.executions += 1;
    return new Promise<ScriptOutcome>((resolve) => {
      this.pending.set(id, { frame, source: execution.source, child, http: typeof http === 'function' ? http : undefined, policy: typeof policy === 'function' ? policy : undefined, resolve });
      this.refreshRef();
      this.send(child, frame, execution.source);
    });
  }

  /** Closes the JVM's stdin (it exits by itself) and waits for it; pending executions fail as crashed. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin!.end();
    });
  }

  private hashOf(source: string): string {
    let hash = this.hashes.get(source);
    if (!hash) {
      hash = createHash('sha256').update(source).digest('hex');
      if (this.hashes.size > 500) this.hashes.clear();
      this.hashes.set(source, hash);
    }
    return hash;
  }

  /** Sends the source along until this JVM has answered an execution of the script (and whenever it asks again). */
  private send(child: ChildProcess, frame: Record<string, unknown>, source: string, withSource = !this.known.has(String(frame.script))): void {
    child.stdin!.write(JSON.stringify(withSource ? { ...frame, source } : frame) + '\n');
  }

  private done(frame: Record<string, unknown>): void {
    const id = Number(frame.id);
    const pending = this.pending.get(id);
    if (!pending) return;
    const outcome = frame.outcome as ScriptOutcome & { needSource?: boolean };
    if (outcome.needSource) {
      // The JVM evicted the script from its cache: send it again, with the source.
      this.known.delete(String(pending.frame.script));
      this.send(pending.child, pending.frame, pending.source, true);
      return;
    }
    if (frame.compiled) this.stats.compiles += 1;
    if (frame.cached && pending.child === this.child) this.known.add(String(pending.frame.script));
    this.pending.delete(id);
    if (!outcome.ok && /^script engine pool exhausted/.test(outcome.error ?? '')) this.stats.refused += 1;
    this.refreshRef();
    pending.resolve(outcome);
  }

  /** The engine asks Node: a policy evaluation or an HTTP request answered by a handler. */
  private async callback(child: ChildProcess, frame: Record<string, unknown>): Promise<void> {
    const pending = this.pending.get(Number(frame.run));
    let reply: Record<string, unknown>;
    try {
      const request = JSON.parse(String(frame.json)) as unknown;
      let result: unknown;
      if (frame.kind === 'policy' && pending?.policy) result = await pending.policy(request as PolicyEvaluation);
      else if (frame.kind === 'http' && pending?.http) result = await pending.http(request as HttpExchange);
      else throw new Error(`no ${String(frame.kind)} handler for this execution`);
      reply = { type: 'reply', id: frame.id, ok: true, json: JSON.stringify(result ?? null) };
    } catch (error) {
      reply = { type: 'reply', id: frame.id, ok: false, error: (error as Error)?.message ?? String(error) };
    }
    if (this.child === child) child.stdin!.write(JSON.stringify(reply) + '\n');
  }

  /** Keeps Node's event loop alive exactly while executions are pending. */
  private refreshRef(): void {
    const child = this.child;
    if (!child) return;
    const busy = this.pending.size > 0 || this.starting;
    for (const handle of [child, child.stdin, child.stdout, child.stderr] as unknown as (Socket | ChildProcess | null)[]) {
      if (!handle) continue;
      if (busy) handle.ref();
      else handle.unref();
    }
  }
}

let shared: RhinoServer | undefined;

/** The process's engine server (created on first use; the JVM starts with the first execution or start()). */
export function rhinoServer(): RhinoServer {
  shared ??= new RhinoServer();
  return shared;
}

/** Stops the shared JVM, if one runs; the next execution starts a new one. */
export async function stopRhinoServer(): Promise<void> {
  await shared?.stop();
}
