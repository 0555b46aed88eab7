/**
 * Restarts the tenant so pending ESV values load, and waits until it reports ready.
 * Owns: the restart-and-poll loop. Called once per run, only when something is pending.
 */
import type { AmHttp } from '../rest/http.js';
import { getStartup, restart } from '../rest/esv.js';

export interface RestartOptions {
  pollSeconds?: number;
  timeoutSeconds?: number;
  onProgress?: (status: string, elapsedSeconds: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function restartAndWait(http: AmHttp, options: RestartOptions = {}): Promise<void> {
  const sleep = options.sleep ?? defaultSleep;
  const pollMs = (options.pollSeconds ?? 5) * 1000;
  const timeoutMs = (options.timeoutSeconds ?? 900) * 1000;
  const started = Date.now();
  await restart(http);
  for (;;) {
    const elapsed = Date.now() - started;
    const status = (await getStartup(http)).restartStatus;
    options.onProgress?.(status, Math.round(elapsed / 1000));
    if (status === 'ready') return;
    if (elapsed > timeoutMs) throw new Error(`tenant restart: still "${status}" after ${Math.round(elapsed / 1000)} s`);
    await sleep(pollMs);
  }
}
