/**
 * Rotating the gateway secret with tokens issued all the while: the script only sees ESVs a restart
 * has loaded, so at every moment the id and password it has must name an active agent that has that
 * password. With the two alternating agents no token fails closed; agents are read, merged and
 * written whole, so a setting made in the console survives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccessConfig, type AccessConfig } from '../../tooling/config/access.js';
import { getAgent, putAgent } from '../../tooling/rest/ig-agents.js';
import { ROOT, SECRETS, startHarness, type Harness } from '../helpers/local-tenant.js';

const FIRST = 'First-Gateway-Secret-0123-Abc';
const SECOND = 'Second-Gateway-Secret-4567-Def';
const THIRD = 'Third-Gateway-Secret-8901-Ghi';

let harness: Harness;
let access: AccessConfig;
beforeAll(async () => {
  // A restart that takes a while, as on AIC, so tokens are issued before, during and after it.
  harness = await startHarness({ restartSeconds: 1.5 });
  access = await loadAccessConfig(`${ROOT}/access`);
  expect((await harness.deploy(access, { gatewaySecret: FIRST })).ok).toBe(true);
});
afterAll(() => harness.close());

/** Issues tokens on two workers until `until` settles; returns every token's scope. */
async function tokensDuring(until: Promise<unknown>): Promise<string[]> {
  const scopes: string[] = [];
  let done = false;
  void until.finally(() => (done = true));
  const worker = async () => {
    while (!done) {
      const { body } = await harness.token({ grant_type: 'client_credentials', client_id: 'scopeDrivenAPI1Client', client_secret: SECRETS.scopeDrivenAPI1Client, scope: 'api://scopeDrivenAPI2Client/read' });
      scopes.push(String(body.scope));
    }
  };
  await Promise.all([worker(), worker(), until]);
  return scopes;
}

const realm = () => harness.tenant.context.state.realms.alpha;

describe('rotating the gateway secret', () => {
  it('no token fails closed while the secret changes, and the previous agent is retired after the restart', async () => {
    const agent = (await getAgent(harness.http, 'alpha', 'policy-evaluator'))!;
    await putAgent(harness.http, 'alpha', 'policy-evaluator', { igCdssoLoginUrlTemplate: 'https://ig.example.com/login?goto=${goto}' }, { current: agent.wrapped });
    const rotation = harness.deploy(access, { gatewaySecret: SECOND });
    const scopes = await tokensDuring(rotation);
    const outcome = await rotation;
    expect(outcome.ok).toBe(true);
    expect(outcome.restarted).toBe(true);
    expect(scopes.length).toBeGreaterThan(10);
    expect(scopes.filter((s) => s !== 'read')).toEqual([]);
    expect(realm().igAgents['policy-evaluator-b'].status).toBe('Active');
    expect(realm().igAgents['policy-evaluator'].status).toBe('Inactive');
    // Merged, not replaced: the console's setting is still there.
    expect(realm().igAgents['policy-evaluator'].igCdssoLoginUrlTemplate).toBe('https://ig.example.com/login?goto=${goto}');
    // The retired agent can no longer log in with the old secret.
    const old = await fetch(`${harness.tenant.url}/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=AgentLogin`, { method: 'POST', headers: { 'X-OpenAM-Username': 'policy-evaluator', 'X-OpenAM-Password': FIRST, 'Content-Type': 'application/json', 'Accept-API-Version': 'resource=2.0, protocol=1.0' }, body: '{}' });
    expect(old.status).toBe(401);
  });

  it('a second deploy with the same secret changes nothing', async () => {
    const again = await harness.deploy(access, { gatewaySecret: SECOND });
    expect(again.plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
    expect(again.plan.restart).toBeUndefined();
  });

  it('the next rotation goes back to the first agent, again with no token failing', async () => {
    const rotation = harness.deploy(access, { gatewaySecret: THIRD });
    const scopes = await tokensDuring(rotation);
    expect((await rotation).ok).toBe(true);
    expect(scopes.filter((s) => s !== 'read')).toEqual([]);
    expect(realm().igAgents['policy-evaluator'].status).toBe('Active');
    expect(realm().igAgents['policy-evaluator-b'].status).toBe('Inactive');
  });

  it('a rotation deployed with --no-restart keeps tokens working and finishes on the next deploy', async () => {
    const deferred = await harness.deploy(access, { gatewaySecret: FIRST, restart: false });
    expect(deferred.result?.restart).toBe('deferred');
    expect(deferred.result?.deferred.map((d) => d.change.id)).toEqual(['policy-evaluator#retire']);
    expect((await harness.token({ grant_type: 'client_credentials', client_id: 'scopeDrivenAPI1Client', client_secret: SECRETS.scopeDrivenAPI1Client, scope: 'api://scopeDrivenAPI2Client/read' })).body.scope).toBe('read');
    const finished = await harness.deploy(access, { gatewaySecret: FIRST });
    expect(finished.plan.changes.filter((c) => c.action !== 'noop').map((c) => c.id)).toEqual(['policy-evaluator#retire']);
    expect(finished.restarted).toBe(true);
    expect(realm().igAgents['policy-evaluator'].status).toBe('Inactive');
    expect((await harness.token({ grant_type: 'client_credentials', client_id: 'scopeDrivenAPI1Client', client_secret: SECRETS.scopeDrivenAPI1Client, scope: 'api://scopeDrivenAPI2Client/read' })).body.scope).toBe('read');
  });
});
