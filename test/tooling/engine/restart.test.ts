/**
 * The restart, as AIC allows it: never a second restart while one runs, a stale "ready" right after
 * the request does not end the wait, and a restart that never ends gives a clear error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { restartAndWait } from '../../../tooling/engine/restart.js';
import type { AmHttp } from '../../../tooling/rest/http.js';
import { esvsLoaded, putVariable, restart } from '../../../tooling/rest/esv.js';
import { startHarness, type Harness } from '../../helpers/local-tenant.js';

let harness: Harness | undefined;
afterEach(() => harness?.close());

const restartPosts = (h: Harness) => h.tenant.context.runtime.log.filter((l) => /^POST \/environment\/startup -> /.test(l.text)).map((l) => l.text);

describe('restartAndWait against the local tenant (strict like AIC)', () => {
  it('waits for a restart someone else started instead of asking for a second one, then restarts once', async () => {
    harness = await startHarness({ restartSeconds: 1 });
    await restart(harness.http); // someone else's restart: a POST now would be refused (409)
    const seen: string[] = [];
    await restartAndWait(harness.http, { pollSeconds: 0.1, onProgress: (status) => seen.push(status) });
    expect(seen).toContain('restarting');
    // Theirs, then ours once theirs had finished. A request of ours made while AIC still answered the
    // stale "ready" is refused (409) and only makes us wait: never two restarts at once.
    const posts = restartPosts(harness);
    expect(posts.filter((p) => p.endsWith('-> 200'))).toHaveLength(2);
    expect(posts.every((p) => /-> (200|409)$/.test(p))).toBe(true);
  });

  it("does not stop at the stale 'ready' AIC answers right after the request: the values have loaded when it returns", async () => {
    harness = await startHarness({ restartSeconds: 0.8 });
    await putVariable(harness.http, 'esv-pending-value', { value: 'v', description: '', expressionType: 'string' });
    expect(await esvsLoaded(harness.http, ['esv-pending-value'])).toBe(false);
    const seen: string[] = [];
    await restartAndWait(harness.http, { pollSeconds: 0.05, onProgress: (status) => seen.push(status) });
    expect(seen).toContain('restarting');
    expect(await esvsLoaded(harness.http, ['esv-pending-value'])).toBe(true);
  });
});

/** A tenant whose startup status follows a script; counts the restart requests. */
function scriptedTenant(statuses: string[]): { http: AmHttp; posts: () => number } {
  let posts = 0;
  let index = 0;
  const http = {
    request: async (req: { method: string; path: string }) => {
      if (req.method === 'POST') return (posts++, { status: 200, data: { restartStatus: 'restarting' }, headers: {} });
      if (req.path === '/environment/startup') return { status: 200, data: { restartStatus: statuses[Math.min(index++, statuses.length - 1)] }, headers: {} };
      return { status: 200, data: { result: [] }, headers: {} };
    },
  } as unknown as AmHttp;
  return { http, posts: () => posts };
}

describe('restartAndWait bounds', () => {
  const clock = () => {
    let now = 0;
    return { now: () => now, sleep: async (ms: number) => void (now += ms) };
  };

  it('a restart that never ends is a clear error after the timeout', async () => {
    const { http, posts } = scriptedTenant(['ready', 'restarting']);
    await expect(restartAndWait(http, { pollSeconds: 5, timeoutSeconds: 60, ...clock() })).rejects.toThrow(/tenant restart: still "restarting" after \d+ s \(timeout 60 s\)/);
    expect(posts()).toBe(1);
  });

  it('a status that never leaves ready, with the values never loading, is a clear error too (not a silent success)', async () => {
    const { http } = scriptedTenant(['ready']);
    await expect(restartAndWait(http, { pollSeconds: 5, timeoutSeconds: 30, loaded: async () => false, ...clock() })).rejects.toThrow(/the status never left "ready" after the restart was requested/);
  });

  it('a restart already running past the timeout is reported without asking for another', async () => {
    const { http, posts } = scriptedTenant(['restarting']);
    await expect(restartAndWait(http, { pollSeconds: 5, timeoutSeconds: 20, ...clock() })).rejects.toThrow(/a restart already running is still "restarting"/);
    expect(posts()).toBe(0);
  });
});
