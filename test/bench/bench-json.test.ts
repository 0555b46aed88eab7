/**
 * `npm run bench -- --json` as CI would read it, on a tiny run: it completes, and per script engine
 * it carries outbound calls per token (exactly 3 legacy, 0 next-gen: counted by the tenant), tokens/s
 * and the added latency. Figures are not judged here — benchmarks measure, tests do not time.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/local-tenant.js';

it('bench --json carries token.byEngine.legacy and token.byEngine.nextGen', async () => {
  const child = spawn(process.execPath, ['--import', pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, path.join(ROOT, 'bench/main.ts'), '--json', '--sizes', '2', '--tokens', '40', '--latency-ms', '5'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, stderr).toBe(0);
  const result = JSON.parse(stdout);
  const figures = { outboundCallsPerIssue: expect.any(Number), issuedPerSecond: expect.any(Number), addedLatencyMs: expect.any(Number) };
  expect(result.token.byEngine).toEqual({ legacy: expect.objectContaining(figures), nextGen: expect.objectContaining(figures) });
  expect(result.token.byEngine.legacy.outboundCallsPerIssue).toBe(3);
  expect(result.token.byEngine.nextGen.outboundCallsPerIssue).toBe(0);
  for (const engine of ['legacy', 'nextGen']) expect(result.token.byEngine[engine].issuedPerSecond).toBeGreaterThan(0);
  expect(result.token.runtime).toMatch(/^(rhino|node)$/);
  // The ratios, side by side (addedLatency is null when next-gen adds nothing measurable to divide by).
  expect(Object.keys(result.token.nextGenVsLegacy).sort()).toEqual(['addedLatency', 'issuedPerSecond']);
}, 240_000);
