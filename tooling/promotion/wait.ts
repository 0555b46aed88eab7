/**
 * Polling an asynchronous AIC process (a lock, a promotion, a rollback) until it reaches a state,
 * with a progress line whenever what it shows changes, and a deadline. Owns timing only.
 */

export interface WaitOptions {
  pollSeconds: number;
  timeoutSeconds: number;
  /** Called when the shown state changes (and on the first read), with the seconds waited so far. */
  onProgress?: (shown: string, seconds: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export class WaitTimeout extends Error {
  constructor(
    readonly what: string,
    readonly lastShown: string,
    readonly seconds: number,
  ) {
    super(`${what}: still ${lastShown} after ${seconds} s`);
    this.name = 'WaitTimeout';
  }
}

/** Reads until `done(value)`; `show(value)` is what progress reports. Throws WaitTimeout at the deadline. */
export async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, show: (value: T) => string, options: WaitOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  let lastShown: string | undefined;
  for (;;) {
    const value = await read();
    const shown = show(value);
    const seconds = Math.round((now() - started) / 1000);
    if (shown !== lastShown) options.onProgress?.(shown, seconds);
    lastShown = shown;
    if (done(value)) return value;
    if (now() - started >= options.timeoutSeconds * 1000) throw new WaitTimeout(what, shown, seconds);
    await sleep(options.pollSeconds * 1000);
  }
}
