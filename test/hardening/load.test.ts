/**
 * The scripts under load: 200 concurrent token requests of different consumers and scopes each get
 * their own correct answer (no state leaking between executions), and no agent session is left.
 */
import { describe, expect, it } from 'vitest';
import { articleAccess, SECRETS, startHarness } from '../helpers/local-tenant.js';

describe('200 concurrent token requests', () => {
  it('all get correct, independent answers and leave no agent session behind', async () => {
    const harness = await startHarness();
    try {
      expect((await harness.deploy(articleAccess())).ok).toBe(true);
      const cases = Array.from({ length: 200 }, (_, i) => {
        const consumer = i % 3 === 0 ? 'scopeDrivenAPI2Client' : 'scopeDrivenAPI1Client';
        const scope = ['api://scopeDrivenAPI2Client/read', 'api://scopeDrivenAPI2Client/write', 'api://scopeDrivenAPI2Client/read openid'][i % 4 === 1 ? 1 : i % 5 === 0 ? 2 : 0];
        // Only the consumer is granted read; no client identity carries the writers group; both clients allow openid.
        const granted = consumer === 'scopeDrivenAPI1Client' && scope.includes('/read') ? ['read'] : [];
        const expected = [...granted, ...(scope.includes('openid') ? ['openid'] : [])].sort().join(' ');
        return { consumer, scope, expected };
      });
      const answers = await Promise.all(cases.map((c) => harness.token({ grant_type: 'client_credentials', client_id: c.consumer, client_secret: SECRETS[c.consumer as keyof typeof SECRETS], scope: c.scope })));
      answers.forEach((answer, i) => {
        expect({ i, status: answer.status, scope: String(answer.body.scope).split(' ').sort().join(' ') }).toEqual({ i, status: 200, scope: cases[i].expected });
      });
      const audiences = [...harness.tenant.context.runtime.tokens.values()].filter((t) => t.kind === 'access').map((t) => ({ owner: t.clientId, aud: t.fields.aud ?? null, policyResult: t.fields.policyResult }));
      expect(audiences.filter((t) => t.aud === 'scopeDrivenAPI2Client').every((t) => t.owner === 'scopeDrivenAPI1Client' && t.policyResult === true)).toBe(true);
      expect([...harness.tenant.context.runtime.sessions.values()].filter((s) => s.kind === 'agent')).toEqual([]);
      expect(harness.tenant.context.runtime.counters.scriptHttpCalls).toBe(3 * cases.length);
    } finally {
      await harness.close();
    }
  }, 120_000);
});
