/**
 * The node API form follows the tenant's AM version: AM >= 8.1 (AIC today) addresses nodes by type
 * version (nodes/{type}/{version}/{id}, resource=3.0); older AM by type only. AIC still accepts the
 * legacy form, so only the request paths show that the tool chose right.
 */
import { describe, expect, it } from 'vitest';
import { loadAccessConfig } from '../../tooling/config/access.js';
import { ROOT, startHarness } from '../helpers/local-tenant.js';

const nodePuts = (log: { text: string }[]) => log.map((l) => l.text).filter((t) => /^PUT \S*\/authenticationtrees\/nodes\//.test(t));

describe('the journey node API form', () => {
  it.each([
    ['8.1.0', /\/nodes\/[A-Za-z]+\/1\.0\/[0-9a-f-]{36} -> 201$/],
    ['7.5.0', /\/nodes\/[A-Za-z]+\/[0-9a-f-]{36} -> 201$/],
  ])('AM %s: every node is written in its form', async (amVersion, form) => {
    const harness = await startHarness({ amVersion });
    try {
      const outcome = await harness.deploy(await loadAccessConfig(`${ROOT}/access`));
      expect(outcome.ok).toBe(true);
      const puts = nodePuts(harness.tenant.context.runtime.log);
      expect(puts).toHaveLength(4);
      for (const put of puts) expect(put).toMatch(form);
      // A second deploy reads the nodes back in the same form and finds nothing to change.
      const again = await harness.deploy(await loadAccessConfig(`${ROOT}/access`));
      expect(again.plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
    } finally {
      await harness.close();
    }
  });
});
