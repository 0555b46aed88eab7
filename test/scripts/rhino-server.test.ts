/**
 * The long-lived engine server (rhino/server.ts + rhino/java/harness/Server.java): one compile per
 * script revision, a fresh top-level scope per execution, AM's script pool (10 core / 50 max
 * threads, queue 10, refusing beyond), a crash failing only the executions in flight, and a JVM
 * that never keeps Node alive. Under CI=true a missing engine fails these tests.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { HttpAnswer } from '../../amkit/types.js';
import { rhinoAvailable, RhinoServer, type AsyncHttpHandler, type RhinoCase } from '../../rhino/run.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const engine = rhinoAvailable();
const mustRun = process.env.CI === 'true';
const describeEngine = engine.ok || mustRun ? describe : describe.skip;
if (!engine.ok && !mustRun) process.stderr.write(`Skipping the Rhino engine server tests locally: ${engine.reason}\n`);

const input = { realm: '/alpha', env: {}, accessToken: { scope: [], clientId: 'c', resourceOwnerId: 'c', grantType: 'client_credentials' } };
const tm = (source: string, extra: Partial<RhinoCase['input']> = {}): RhinoCase => ({ source, context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', input: { ...input, ...extra } });
/** A script that holds its pool thread until the test answers its HTTP request. */
const BLOCKING = 'var r = new org.forgerock.http.protocol.Request(); r.setUri("https://held.example/"); accessToken.setField("status", httpClient.send(r).get().getStatus().getCode());';

describeEngine('the long-lived Rhino engine server', () => {
  const servers: RhinoServer[] = [];
  const fresh = () => {
    if (!engine.ok) throw new Error(`Rhino engine tests must run in CI: ${engine.reason}`);
    const server = new RhinoServer();
    servers.push(server);
    return server;
  };
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  it('starts one JVM however many executions arrive before it is ready', async () => {
    const server = fresh();
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => server.run(tm('accessToken.setField("n", 1);'))));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(server.stats.started).toBe(1);
  }, 60_000);

  it('compiles a script once per revision, however many executions run it at once', async () => {
    const server = fresh();
    const source = 'accessToken.setField("n", 1);';
    const first = await Promise.all(Array.from({ length: 20 }, () => server.run(tm(source))));
    expect(first.every((o) => o.ok && o.accessToken?.fields.n === 1)).toBe(true);
    expect(server.stats.compiles).toBe(1);
    await Promise.all(Array.from({ length: 5 }, () => server.run(tm(source))));
    expect(server.stats.compiles).toBe(1);
    const revised = await server.run(tm('accessToken.setField("n", 2);'));
    expect(revised.accessToken?.fields.n).toBe(2);
    expect(server.stats.compiles).toBe(2);
  }, 60_000);

  it('sends a script again when the engine evicted it from its cache (256 revisions)', async () => {
    const server = fresh();
    const first = 'accessToken.setField("first", true);';
    expect((await server.run(tm(first))).ok).toBe(true);
    for (let i = 0; i < 300; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => server.run(tm(`accessToken.setField("n", ${i + j});`))));
    const again = await server.run(tm(first));
    expect(again.ok).toBe(true);
    expect(again.accessToken?.fields).toEqual({ first: true });
    expect(server.stats.compiles).toBe(302);
  }, 60_000);

  it('runs every execution in a fresh top-level scope at language version 0', async () => {
    const server = fresh();
    const leak = 'if (typeof leaked !== "undefined" || [].leakedToo !== undefined) { accessToken.setField("sawLeak", true); } leaked = 1; Array.prototype.leakedToo = 1; Object.prototype.leakedThree = 1;';
    expect((await server.run(tm(leak))).accessToken?.fields).toEqual({});
    expect((await server.run(tm(leak))).accessToken?.fields).toEqual({});
    expect((await server.run(tm('accessToken.setField("three", typeof ({}).leakedThree);'))).accessToken?.fields).toEqual({ three: 'undefined' });
    const version = await server.run(tm('let x = 1;'));
    expect(version.ok).toBe(false);
  }, 60_000);

  it("refuses beyond AM's pool (10 core, 50 max threads, 10 queued) with a clear error, and runs the rest", async () => {
    const server = fresh();
    const held: ((answer: HttpAnswer) => void)[] = [];
    const handler: AsyncHttpHandler = () => new Promise<HttpAnswer>((resolve) => held.push(resolve));
    const running = Array.from({ length: 60 }, () => server.run(tm(BLOCKING, { http: handler })));
    // 50 threads hold their HTTP call and 10 executions wait in the queue: the pool is full.
    await expect.poll(() => held.length, { timeout: 30_000 }).toBe(50);
    const refused = await server.run(tm(BLOCKING, { http: handler }));
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/^script engine pool exhausted: 50 threads busy and 10 executions queued/);
    expect(server.stats.refused).toBe(1);
    // Released, the held and the queued executions all complete.
    const release = setInterval(() => held.splice(0).forEach((resolve) => resolve({ status: 204, body: '' })), 20);
    try {
      const outcomes = await Promise.all(running);
      expect(outcomes.filter((o) => o.ok && o.accessToken?.fields.status === 204)).toHaveLength(60);
    } finally {
      clearInterval(release);
    }
  }, 90_000);

  it('fails the executions in flight as "engine crashed" when the JVM dies, and runs the next ones in a new JVM', async () => {
    const server = fresh();
    await server.start();
    const firstPid = server.pid!;
    const held: ((answer: HttpAnswer) => void)[] = [];
    const handler: AsyncHttpHandler = () => new Promise<HttpAnswer>((resolve) => held.push(resolve));
    const inFlight = server.run(tm(BLOCKING, { http: handler }));
    await expect.poll(() => held.length, { timeout: 30_000 }).toBe(1);
    process.kill(firstPid, 'SIGKILL');
    const crashed = await inFlight;
    expect(crashed.ok).toBe(false);
    expect(crashed.error).toMatch(/^engine crashed: .*signal SIGKILL/);
    const next = await server.run(tm('accessToken.setField("after", true);'));
    expect(next.ok).toBe(true);
    expect(next.accessToken?.fields).toEqual({ after: true });
    expect(server.pid).not.toBe(firstPid);
    expect(server.stats).toMatchObject({ started: 2, crashes: 1 });
  }, 90_000);

  it('never keeps Node alive: a process that ran a script and did not stop the engine exits by itself', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rhino-exit-'));
    try {
      const script = path.join(dir, 'run-once.mts');
      await writeFile(script, `import { runInRhino } from ${JSON.stringify(path.join(ROOT, 'rhino/run.ts'))};\nconst [o] = await runInRhino([{ source: 'accessToken.setField("x", 1);', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', input: ${JSON.stringify(input)} }]);\nprocess.stdout.write(JSON.stringify(o.accessToken));\n`);
      // One process (tsx as a loader, not its CLI wrapper), so a kill on timeout ends it.
      const child = spawn(process.execPath, ['--import', pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, script], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error('the process did not exit by itself within 30 s'));
        }, 30_000);
        child.on('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual({ scope: [], fields: { x: 1 } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
