/**
 * A direct configuration session around the static writes of a deploy to an immutable environment
 * (tenants that offer one): opened before the first static write and waited for until initialised
 * (minutes on AIC), the writes go through a client that marks them mutable, then applied and waited
 * for. A session that fails to open or apply is aborted, so it never stays open. Owns the session's
 * lifecycle; the calls and the header are rest/direct-configuration.ts's.
 */
import { abortSession, applySession, getSessionState, initSession, mutableConfigurationHttp, type SessionStatus } from '../rest/direct-configuration.js';
import type { AmHttp } from '../rest/http.js';

export interface SessionOptions {
  pollSeconds?: number;
  timeoutSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (status: string) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(http: AmHttp, wanted: SessionStatus, options: SessionOptions, what: string): Promise<void> {
  const sleep = options.sleep ?? defaultSleep;
  const deadline = Date.now() + (options.timeoutSeconds ?? 1800) * 1000;
  for (;;) {
    const { status } = await getSessionState(http);
    options.onProgress?.(status);
    if (status === wanted) return;
    if (status === 'ERROR') throw new Error(`direct configuration session: ${what} ended in ERROR`);
    if (Date.now() > deadline) throw new Error(`direct configuration session: still ${status} while waiting for ${wanted} (${what})`);
    await sleep((options.pollSeconds ?? 10) * 1000);
  }
}

/** The apply step's session for a deploy: `open` returns the client static writes use. */
export function directConfigurationSession(http: AmHttp, options: SessionOptions = {}): { open(): Promise<AmHttp>; close(): Promise<void> } {
  const abort = () => abortSession(http).catch(() => undefined);
  return {
    async open() {
      try {
        await initSession(http);
        await waitFor(http, 'SESSION_INITIALISED', options, 'opening');
      } catch (thrown) {
        await abort();
        throw thrown;
      }
      return mutableConfigurationHttp(http);
    },
    async close() {
      try {
        await applySession(http);
        await waitFor(http, 'SESSION_APPLIED', options, 'applying');
      } catch (thrown) {
        await abort();
        throw thrown;
      }
    },
  };
}
