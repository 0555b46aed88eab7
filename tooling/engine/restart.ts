/**
 * Restarts the tenant so pending ESV values load, the way AIC allows it: read the status first and
 * wait while a restart is already running (never ask for a second one); after asking, a "ready"
 * counts only once the status has been seen to leave "ready", or the ESVs the restart was for read
 * as loaded (the first polls may still read the old "ready", and a quick restart can end between two
 * polls); bounded by a timeout with a clear error. Owns the restart-and-poll loop.
 */
import { AmError, type AmHttp } from '../rest/http.js';
import { getStartup, restart } from '../rest/esv.js';

export interface RestartOptions {
  pollSeconds?: number;
  timeoutSeconds?: number;
  onProgress?: (status: string, elapsedSeconds: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Whether what the restart was for has loaded (a "ready" then is not the stale one). */
  loaded?: () => Promise<boolean>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function restartAndWait(http: AmHttp, options: RestartOptions = {}): Promise<void> {
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  const pollMs = (options.pollSeconds ?? 5) * 1000;
  const timeoutMs = (options.timeoutSeconds ?? 900) * 1000;
  const started = now();
  const elapsed = () => Math.round((now() - started) / 1000);
  /** Reads the status and reports it; `readyMeans` says what a "ready" is at this point, so the progress lines never show an unexplained "ready". */
  const poll = async (readyMeans: string) => {
    const { restartStatus } = await getStartup(http);
    options.onProgress?.(restartStatus === 'ready' ? readyMeans : restartStatus, elapsed());
    return restartStatus;
  };
  const timedOut = (what: string) => now() - started > timeoutMs && new Error(`tenant restart: ${what} after ${elapsed()} s (timeout ${Math.round(timeoutMs / 1000)} s); check the tenant's status in the admin console, then run deploy again`);

  // A restart someone else started: let it finish rather than asking for another one. Right after
  // it was asked for, its status may still read "ready"; then our request is refused (409) and we
  // wait for it the same way, then ask again (it may have started before our writes).
  for (;;) {
    for (let status = await poll('none running, requesting one'); status !== 'ready'; status = await poll('the running one ended, requesting ours')) {
      const late = timedOut(`a restart already running is still "${status}"`);
      if (late) throw late;
      await sleep(pollMs);
    }
    try {
      await restart(http);
      break;
    } catch (thrown) {
      if (!(thrown instanceof AmError) || thrown.status !== 409) throw thrown;
      options.onProgress?.('restarting (another restart is running)', elapsed());
      const late = timedOut('another restart kept running');
      if (late) throw late;
      await sleep(Math.min(pollMs, 1000));
    }
  }
  let left = false;
  // The first looks come soon (1 s, 2 s, 4 s, then every pollSeconds), so that even a quick restart
  // is seen leaving "ready" and its end is not waited for much longer than it took.
  for (let polls = 0; ; polls++) {
    await sleep(Math.min(pollMs, 1000 * 2 ** polls));
    const status = await poll(left ? 'ready' : 'requested, not begun yet');
    if (status !== 'ready') left = true;
    else if (left || (options.loaded && (await options.loaded()))) return;
    const late = timedOut(left ? `still "${status}"` : 'the status never left "ready" after the restart was requested');
    if (late) throw late;
  }
}
