/**
 * The local tenant with --engine rhino: the deployed bundles run in real Rhino 1.7.14 through the
 * long-lived engine server and call the tenant back over loopback HTTP. Fails (does not skip) in CI
 * when the engine is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rhinoAvailable } from '../../rhino/run.js';
import { articleAccess, SECRETS, startHarness, type Harness } from '../helpers/local-tenant.js';

const engine = rhinoAvailable();
const run = engine.ok || process.env.CI === 'true' ? describe : describe.skip;

run('the article with the real Rhino engine', () => {
  let harness: Harness;
  beforeAll(async () => {
    if (!engine.ok) throw new Error(`Rhino engine tests must run in CI: ${engine.reason}`);
    harness = await startHarness({ engine: 'rhino' });
    expect((await harness.deploy(articleAccess())).ok).toBe(true);
  }, 120_000);
  afterAll(() => harness?.close());

  it('client credentials: scope read, aud scopeDrivenAPI2Client, policyResult true', async () => {
    const { status, body } = await harness.token({ grant_type: 'client_credentials', client_id: 'scopeDrivenAPI1Client', client_secret: SECRETS.scopeDrivenAPI1Client, scope: 'api://scopeDrivenAPI2Client/read' });
    expect(status).toBe(200);
    expect(await harness.introspect(body.access_token as string, 'scopeDrivenAPI1Client', SECRETS.scopeDrivenAPI1Client)).toMatchObject({ active: true, scope: 'read', aud: 'scopeDrivenAPI2Client', policyResult: true });
    expect([...harness.tenant.context.runtime.sessions.values()].filter((s) => s.kind === 'agent')).toEqual([]);
  }, 60_000);

  it('40 concurrent tokens (within AM\'s script pool) each get their own correct answer, three outbound calls apiece', async () => {
    const counters = harness.tenant.context.runtime.counters;
    const before = counters.scriptHttpCalls;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        harness.token({ grant_type: 'client_credentials', client_id: 'scopeDrivenAPI1Client', client_secret: SECRETS.scopeDrivenAPI1Client, scope: i % 2 ? 'api://scopeDrivenAPI2Client/read' : 'api://scopeDrivenAPI2Client/admin' }),
      ),
    );
    answers.forEach(({ status, body }, i) => {
      expect(status).toBe(200);
      expect(body.scope ?? '').toBe(i % 2 ? 'read' : '');
    });
    expect(counters.scriptHttpCalls - before).toBe(120);
    expect([...harness.tenant.context.runtime.sessions.values()].filter((s) => s.kind === 'agent')).toEqual([]);
  }, 120_000);

  it('two providers are refused by the Validate Scope script in Rhino', async () => {
    const { status, body } = await harness.token({ grant_type: 'client_credentials', client_id: 'scopeDrivenAPI1Client', client_secret: SECRETS.scopeDrivenAPI1Client, scope: 'api://scopeDrivenAPI2Client/read api://billingApi/read' });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_scope');
  }, 60_000);
});
