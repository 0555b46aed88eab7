/** Transport: unknown routes, body limit, internal errors, logging, write observation, in-process dispatch, latency and faults. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WriteEvent } from '../../../tenant/server.js';
import { CoreTenant, REALM, b64 } from './tenant-client.js';

let core: CoreTenant;
beforeAll(async () => {
  core = await CoreTenant.start();
});
afterAll(() => core.close());

const script = (name: string) => ({ name, description: '', script: b64('1'), language: 'JAVASCRIPT', context: 'OAUTH2_VALIDATE_SCOPE', evaluatorVersion: '1.0', default: false });

describe('routing and errors', () => {
  it('answers an unknown route with AM 404 body and JSON content type', async () => {
    const answer = await core.call('GET', '/am/json/nothing/here', undefined, { token: null });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 404, reason: 'Not Found', message: "Resource '/am/json/nothing/here' not found" });
    expect(answer.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  });

  it('answers 413 to a body over 5 MB, without effect', async () => {
    const id = randomUUID();
    const huge = { ...script('core-huge'), description: 'x'.repeat(5 * 1024 * 1024 + 10) };
    const answer = await core.call('PUT', `${REALM}/scripts/${id}`, huge);
    expect(answer.status).toBe(413);
    expect(core.state.realms.alpha.scripts[id]).toBeUndefined();
  });

  it('answers 500 AM-shaped, without internals, when a handler throws', async () => {
    const realm = core.state.realms.alpha;
    const scripts = realm.scripts;
    (realm as unknown as { scripts: unknown }).scripts = null;
    try {
      const answer = await core.call('GET', `${REALM}/scripts?_queryFilter=true`);
      expect(answer.status).toBe(500);
      expect(answer.body).toMatchObject({ code: 500, reason: 'Internal Server Error' });
      expect(answer.text).not.toMatch(/null|TypeError|at \w+ \(/);
    } finally {
      realm.scripts = scripts;
    }
  });
});

describe('logging', () => {
  it('logs METHOD path -> status, never bodies, tokens or secrets', async () => {
    const secret = `log-Secret-${randomUUID()}`;
    const token = await core.token();
    const id = `core-log-${randomUUID().slice(0, 8)}`;
    const path = `${REALM}/realm-config/agents/IdentityGatewayAgent/${id}`;
    await core.call('PUT', path, { userpassword: secret, status: { inherited: false, value: 'Active' } }, { token });
    const lines = core.tenant.context.runtime.log.map((line) => line.text);
    expect(lines).toContain(`PUT ${path} -> 201`);
    const all = lines.join('\n');
    expect(all).not.toContain(secret);
    expect(all).not.toContain(token);
    expect(all).not.toContain('assertion');
  });

  it('counts HTTP requests', async () => {
    const before = core.tenant.context.runtime.counters.requests;
    await core.call('GET', '/am/json/serverinfo/version', undefined, { token: null });
    await core.call('GET', '/am/json/serverinfo/version', undefined, { token: null });
    expect(core.tenant.context.runtime.counters.requests - before).toBe(2);
  });
});

describe('write observation', () => {
  it('reports each successful configuration write, not reads or refused writes', async () => {
    const events: WriteEvent[] = [];
    core.tenant.onWrite((event) => events.push(event));
    const id = randomUUID();
    await core.call('PUT', `${REALM}/scripts/${id}`, script(`core-write-${id}`));
    await core.call('GET', `${REALM}/scripts/${id}`);
    await core.call('PUT', `${REALM}/scripts/${randomUUID()}`, script(`core-write-${id}`)); // 409
    await core.call('PUT', '/environment/variables/esv-core-observed', { valueBase64: b64('x'), description: '', expressionType: 'string' });
    expect(events).toEqual([
      { method: 'PUT', path: `${REALM}/scripts/${id}`, status: 201 },
      { method: 'PUT', path: '/environment/variables/esv-core-observed', status: 200 },
    ]);
  });
});

describe('in-process dispatch', () => {
  it('calls synchronous handlers without HTTP and refuses asynchronous ones', () => {
    const context = core.tenant.context;
    const before = context.runtime.counters.requests;
    const answer = context.dispatchSync({ method: 'GET', path: '/am/json/serverinfo/version', query: {}, headers: {}, body: '', origin: 'script' });
    expect(answer.status).toBe(200);
    expect((answer.body as { version: string }).version).toBe(context.state.amVersion);
    expect(context.dispatchSync({ method: 'GET', path: '/nowhere', query: {}, headers: {}, body: '', origin: 'script' }).status).toBe(404);
    expect(() => context.dispatchSync({ method: 'POST', path: '/am/oauth2/access_token', query: {}, headers: {}, body: '', origin: 'script' })).toThrow(/in-process/);
    expect(context.runtime.counters.requests).toBe(before);
  });
});

describe('injected latency', () => {
  it('delays every HTTP answer by latencyMs', async () => {
    const slow = await CoreTenant.start({ latencyMs: 120 });
    try {
      const started = Date.now();
      await slow.call('GET', '/am/json/serverinfo/version', undefined, { token: null });
      expect(Date.now() - started).toBeGreaterThanOrEqual(120);
    } finally {
      await slow.close();
    }
  });

  it('takes its latency from LOCAL_TENANT_LATENCY_MS when no option is given', async () => {
    process.env.LOCAL_TENANT_LATENCY_MS = '100';
    const slow = await CoreTenant.start();
    delete process.env.LOCAL_TENANT_LATENCY_MS;
    try {
      const started = Date.now();
      await slow.call('GET', '/am/json/serverinfo/version', undefined, { token: null });
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    } finally {
      await slow.close();
    }
  });
});

describe('injected faults', () => {
  it('answers every request with 429 (Retry-After: 1), 503 or a dropped connection, before any effect', async () => {
    const faulty = await CoreTenant.start({ faultRate: 1, faultSeed: 7 });
    try {
      const seen = new Set<string>();
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const id = randomUUID();
        ids.push(id);
        try {
          // No token is needed to prove the fault comes first: an unfaulted request would be 401.
          const answer = await faulty.call('PUT', `${REALM}/scripts/${id}`, script(`core-fault-${i}`), { token: null });
          if (answer.status === 429) {
            expect(answer.headers.get('retry-after')).toBe('1');
            expect(answer.body).toMatchObject({ code: 429 });
          } else expect(answer.status).toBe(503);
          seen.add(String(answer.status));
        } catch {
          seen.add('dropped');
        }
      }
      expect([...seen].sort()).toEqual(['429', '503', 'dropped']);
      for (const id of ids) expect(faulty.state.realms.alpha.scripts[id]).toBeUndefined();
      expect(faulty.tenant.context.runtime.counters.requests).toBe(30);
    } finally {
      await faulty.close();
    }
  });

  it('never faults in-process calls', async () => {
    const faulty = await CoreTenant.start({ faultRate: 1 });
    try {
      for (let i = 0; i < 10; i++) {
        expect(faulty.tenant.context.dispatchSync({ method: 'GET', path: '/am/json/serverinfo/version', query: {}, headers: {}, body: '', origin: 'script' }).status).toBe(200);
      }
    } finally {
      await faulty.close();
    }
  });

  it('faults only about the configured fraction', async () => {
    const faulty = await CoreTenant.start({ faultRate: 0.3, faultSeed: 11 });
    try {
      let faults = 0;
      for (let i = 0; i < 60; i++) {
        try {
          const answer = await faulty.call('GET', '/am/json/serverinfo/version', undefined, { token: null });
          if (answer.status !== 200) faults += 1;
        } catch {
          faults += 1;
        }
      }
      expect(faults).toBeGreaterThan(6);
      expect(faults).toBeLessThan(36);
    } finally {
      await faulty.close();
    }
  });
});
