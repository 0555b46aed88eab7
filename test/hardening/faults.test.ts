/**
 * A hostile tenant: 5 % of requests answered 429 (Retry-After: 1), 503 or a dropped connection.
 * The deploy of a large configuration still converges to exactly the state a fault-free deploy reaches.
 */
import { describe, expect, it } from 'vitest';
import { generateAccessConfig } from '../../tooling/engine/desired/index.js';
import { addClients, comparableRealm, danglingClientReferences } from '../helpers/tenant-state.js';
import { startHarness } from '../helpers/local-tenant.js';

const PROVIDERS = Number(process.env.HARDENING_PROVIDERS ?? 500);

describe(`deploy of ${PROVIDERS} providers under 5 % injected faults`, () => {
  it('converges: a second plan is empty and the state equals the fault-free one', async () => {
    const access = generateAccessConfig({ providers: PROVIDERS, scopesPerProvider: 5, grantsPerScope: [2, 3], consumers: Math.max(5, PROVIDERS / 5), seed: 7 });
    const clean = await startHarness();
    const faulty = await startHarness({ faultRate: 0.05, faultSeed: 1234 });
    try {
      for (const h of [clean, faulty]) addClients(h.tenant.context, 'alpha', Object.keys(access.consumers));
      const reference = await clean.deploy(access);
      expect(reference.ok).toBe(true);

      let outcome = await faulty.deploy(access);
      // A fault can outlast the bounded retries of one request; a re-run picks up exactly what is left.
      for (let attempt = 0; attempt < 3 && !outcome.ok; attempt++) outcome = await faulty.deploy(access);
      expect(outcome.ok).toBe(true);
      expect(faulty.http.stats.retries).toBeGreaterThan(0);
      expect(faulty.tenant.context.runtime.log.some((l) => l.text.includes('injected 429'))).toBe(true);

      const again = await faulty.deploy(access);
      expect(again.plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
      // The two tenants differ only in their own URL, which each was told as esv-tenant-env-fqdn.
      const comparable = (h: typeof clean) => {
        const state = comparableRealm(h.tenant.context, 'alpha') as { variables: Record<string, string> };
        expect(Buffer.from(state.variables['esv-tenant-env-fqdn'], 'base64').toString()).toBe(h.tenant.url);
        delete state.variables['esv-tenant-env-fqdn'];
        return state;
      };
      expect(comparable(faulty)).toEqual(comparable(clean));
      expect(danglingClientReferences(faulty.tenant.context, 'alpha')).toEqual([]);
    } finally {
      await clean.close();
      await faulty.close();
    }
  }, 300_000);
});
