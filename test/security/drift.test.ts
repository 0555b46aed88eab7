/**
 * Out-of-band changes that break tokens or widen a grant, made through the tenant's REST API as an
 * administrator would: each shows in the plan (a change, so `plan --detailed-exitcode` exits 2), and
 * a deploy repairs it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAccessConfig } from '../../tooling/config/access.js';
import type { AccessConfig } from '../../tooling/config/access.js';
import { ESV } from '../../tooling/engine/desired/index.js';
import { changeKey, planWarnings } from '../../tooling/engine/model.js';
import { hasChanges } from '../../tooling/engine/plan.js';
import { createSecret, createSecretVersion, deleteSecret } from '../../tooling/rest/esv.js';
import { getAgent, putAgent } from '../../tooling/rest/ig-agents.js';
import { createPolicy, updatePolicy } from '../../tooling/rest/policies.js';
import { restartAndWait } from '../../tooling/engine/restart.js';
import { ROOT, SECRETS, startHarness, type Harness } from '../helpers/local-tenant.js';

let harness: Harness;
let access: AccessConfig;
beforeEach(async () => {
  harness = await startHarness({ restartSeconds: 0.4 });
  access = await loadAccessConfig(`${ROOT}/access`);
  expect((await harness.deploy(access)).ok).toBe(true);
});
afterEach(() => harness.close());

const articleToken = () => harness.token({ grant_type: 'client_credentials', client_id: 'scopeDrivenAPI1Client', client_secret: SECRETS.scopeDrivenAPI1Client, scope: 'api://scopeDrivenAPI2Client/read' });
const restart = () => restartAndWait(harness.http, { pollSeconds: 0.05 });
const changed = async () => {
  const outcome = await harness.deploy(access);
  return { outcome, keys: outcome.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${changeKey(c)}`).sort() };
};

describe('drift that plan must see and deploy must repair', () => {
  it('a new version of the gateway secret written by someone else', async () => {
    await createSecretVersion(harness.http, ESV.gatewaySecret, 'Someone-Elses-Secret-0000-zz');
    await restart();
    expect((await articleToken()).body.scope).toBe(''); // the script now has a password no agent has
    const { outcome, keys } = await changed();
    expect(keys).toContain(`update esv:${ESV.gatewaySecret}`);
    expect(outcome.plan.changes.find((c) => c.id === ESV.gatewaySecret)?.reason).toMatch(/not the version .* the tool wrote/);
    expect(outcome.ok).toBe(true);
    expect((await articleToken()).body.scope).toBe('read');
    expect(hasChanges((await harness.deploy(access)).plan)).toBe(false);
  });

  it("a changed agent password (the plan's one login fails)", async () => {
    const agent = (await getAgent(harness.http, 'alpha', 'policy-evaluator'))!;
    await putAgent(harness.http, 'alpha', 'policy-evaluator', {}, { current: agent.wrapped, password: 'Changed-In-The-Console-11-ab' });
    expect((await articleToken()).body.scope).toBe('');
    const { outcome, keys } = await changed();
    expect(keys).toEqual(expect.arrayContaining(['create policy-gateway:policy-evaluator', `update esv:${ESV.gatewayId}`]));
    expect(outcome.plan.changes.find((c) => c.kind === 'policy-gateway' && c.action !== 'noop')?.reason).toMatch(/no longer logs in/);
    expect(outcome.ok).toBe(true);
    expect((await articleToken()).body.scope).toBe('read');
  });

  it('a gateway secret created with useInPlaceholders false (as an earlier version of the tool did): replaced before the restart', async () => {
    await deleteSecret(harness.http, ESV.gatewaySecret);
    await createSecret(harness.http, ESV.gatewaySecret, { value: 'gateway-Secret-for-tests-9f3b-Kq7', description: 'made by hand', encoding: 'generic', useInPlaceholders: false });
    await restart();
    expect((await articleToken()).body.scope).toBe(''); // scripts cannot read it through systemEnv
    const { outcome, keys } = await changed();
    expect(keys).toContain(`replace esv:${ESV.gatewaySecret}`);
    expect(outcome.plan.changes.find((c) => c.id === ESV.gatewaySecret)?.reason).toMatch(/useInPlaceholders false/);
    expect(outcome.ok).toBe(true);
    expect(harness.tenant.context.state.esv.secrets[ESV.gatewaySecret].useInPlaceholders).toBe(true);
    expect((await articleToken()).body.scope).toBe('read');
  });

  it('a condition added to a managed policy', async () => {
    const policy = harness.tenant.context.state.realms.alpha.policies['scopeDrivenAPI2Client read'];
    const { _rev, creationDate, lastModifiedDate, createdBy, lastModifiedBy, ...body } = policy;
    void _rev, creationDate, lastModifiedDate, createdBy, lastModifiedBy;
    await updatePolicy(harness.http, 'alpha', 'scopeDrivenAPI2Client read', { ...body, condition: { type: 'IPv4', startIp: '10.0.0.0', endIp: '10.255.255.255' } });
    const { outcome, keys } = await changed();
    expect(keys).toEqual(['update policy:scopeDrivenAPI2Client read']);
    expect(outcome.plan.changes.find((c) => c.id === 'scopeDrivenAPI2Client read')?.diff.map((d) => d.path)).toEqual(['condition']);
    expect(harness.tenant.context.state.realms.alpha.policies['scopeDrivenAPI2Client read'].condition).toBeUndefined();
  });

  it('a foreign policy in a managed policy set granting admin: deleted, or kept with a warning under keepForeignPolicies', async () => {
    const realm = harness.tenant.context.state.realms.alpha;
    const resourceTypeUuid = String(Object.values(realm.resourceTypes).find((t) => t.name === 'scopeDrivenAPI2Client')!.uuid);
    const foreign = { name: 'backdoor', active: true, applicationName: 'scopeDrivenAPI2Client', resourceTypeUuid, resources: ['api://scopeDrivenAPI2Client/admin'], actionValues: { GRANT: true }, subject: { type: 'JwtClaim', claimName: 'client', claimValue: 'scopeDrivenAPI1Client' } };
    await createPolicy(harness.http, 'alpha', foreign);
    const kept = await harness.deploy(access, { keepForeignPolicies: true });
    expect(planWarnings(kept.plan)).toEqual([expect.objectContaining({ code: 'plan.foreign-policy', object: 'policy:backdoor' })]);
    expect(realm.policies.backdoor).toBeDefined();
    const { keys } = await changed();
    expect(keys).toEqual(['delete policy:backdoor']);
    expect(realm.policies.backdoor).toBeUndefined();
  });
});
