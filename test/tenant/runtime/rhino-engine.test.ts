/**
 * The client-credentials demonstration with `engine: 'rhino'`: the bundles run in real Rhino 1.7.14
 * and reach the tenant over loopback HTTP. Without Java/Rhino this fails under CI=true and is
 * skipped (with the reason printed) elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rhinoAvailable } from '../../../rhino/run.js';
import { call, CONSUMER, form, oauth2, PROVIDER, startPreparedTenant, type Started } from './fixture.js';

const engine = rhinoAvailable();
const mustRun = process.env.CI === 'true';
if (!engine.ok && !mustRun) process.stderr.write(`Skipping the local tenant's Rhino engine test: ${engine.reason}\n`);

(engine.ok || mustRun ? describe : describe.skip)('local tenant with engine rhino', () => {
  let t: Started;
  beforeAll(async () => {
    if (!engine.ok) throw new Error(`The Rhino engine test must run in CI: ${engine.reason}`);
    t = await startPreparedTenant({ engine: 'rhino' });
  }, 120_000);
  afterAll(async () => t?.close());

  it('narrows api://scopeDrivenAPI2Client/read to read with aud and policyResult true', async () => {
    const token = await call(oauth2(t.tenant, 'access_token'), form({ grant_type: 'client_credentials', scope: `api://${PROVIDER}/read`, client_id: CONSUMER, client_secret: t.consumerSecret }));
    expect(token.status).toBe(200);
    expect(token.json.scope).toBe('read');
    const info = await call(oauth2(t.tenant, 'introspect'), form({ token: String(token.json.access_token), client_id: CONSUMER, client_secret: t.consumerSecret }));
    expect(info.json).toMatchObject({ active: true, scope: 'read', aud: PROVIDER, policyResult: true });
    expect([...t.tenant.context.runtime.sessions.values()].filter((s) => s.kind === 'agent')).toEqual([]);
    expect(t.tenant.context.runtime.counters.scriptHttpCalls).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
