/**
 * The local promotion group as AIC's clients see it: environment info per tier, static writes
 * refused in staging and production with AIC's 403 (dynamic ones not), the lock state machine,
 * ESV and static writes blocked while locked (in both environments), dry runs and promotions
 * copying the lower environment's static configuration with ids kept, missing ESVs, reports,
 * rollback, a promotion failing midway, and the request checks.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTenant } from '../../../tenant/server.js';
import { IMMUTABLE_MESSAGE } from '../../../tenant/promotion/guard.js';
import { lockFromUpper, LOCK_FILE } from '../../../tenant/promotion/group.js';
import { API, Member, REALM, lockAndWait, promoteAndWait, scriptBody, sleep, startGroup, until, type Group } from './group-fixture.js';

const SCRIPT_ID = '4b1c4a6e-0f53-4a5e-9c36-6f0d2a7c1a11';
const OTHER_ID = '9d6f9a2c-41d4-4f7d-8b8e-2a3b6c1e0f22';
let group: Group | undefined;
afterEach(async () => {
  await group?.close();
  group = undefined;
});

const putScript = (member: Member, id: string, name: string, source = 'var x = 1;', headers: Record<string, string> = {}) => member.send('PUT', `${REALM}/scripts/${id}`, scriptBody(name, source), headers);

describe('environment info', () => {
  it('answers per tier: development mutable, staging and production immutable, the chain in promotionTierInfo', async () => {
    group = await startGroup();
    const info = async (m: Member) => (await m.get('/environment/info')).body;
    expect(await info(group.dev)).toMatchObject({ tier: 'development', immutable: false, locked: false, promotionTierInfo: { tierDisplayName: 'Development', tiers: ['development', 'staging', 'production'], lowerTierDisplayName: null, upperTierDisplayName: 'Staging' } });
    expect(await info(group.staging)).toMatchObject({ tier: 'staging', immutable: true, locked: false, config_promotion_done: false, promotionTierInfo: { tierDisplayName: 'Staging', lowerTierDisplayName: 'Development', upperTierDisplayName: 'Production' } });
    expect(await info(group.prod)).toMatchObject({ tier: 'production', immutable: true, promotionTierInfo: { lowerTierDisplayName: 'Staging', upperTierDisplayName: null } });
  });

  it('a tenant started without the new options is the seed development tenant, as before, and cannot lock', async () => {
    const tenant = await startTenant({ port: 0 });
    try {
      const member = new Member(tenant, 'fr:am:* fr:idc:esv:*');
      const info = await member.get('/environment/info');
      expect(info.body).toEqual(tenant.context.state.environmentInfo);
      expect(info.body.tier).toBe('development');
      expect((await putScript(member, SCRIPT_ID, 'plain')).status).toBe(201);
      // Its service account was not given the promotion scope.
      expect(tenant.serviceAccount && Object.values(tenant.context.state.serviceAccounts)[0].scopes).not.toContain('fr:idc:promotion:*');
    } finally {
      await tenant.close();
    }
  });
});

describe('static configuration in an immutable environment', () => {
  it("refuses every static write with AIC's 403 and message, and only static ones", async () => {
    group = await startGroup();
    const { staging, dev } = group;
    const refused = [
      await putScript(staging, SCRIPT_ID, 'a script'),
      await staging.send('DELETE', `${REALM}/scripts/${SCRIPT_ID}`),
      await staging.send('PUT', `${REALM}/realm-config/authentication/authenticationtrees/trees/AgentLogin`, { entryNodeId: 'x', nodes: {} }),
      await staging.send('PUT', `${REALM}/realm-config/authentication/authenticationtrees/nodes/PageNode/1.0/${OTHER_ID}`, { nodes: [] }),
      await staging.send('PUT', `${REALM}/realm-config/services/oauth-oidc`, {}),
    ];
    for (const answer of refused) expect(answer).toEqual({ status: 403, body: { code: 403, reason: 'Forbidden', message: IMMUTABLE_MESSAGE } });
    expect(Object.keys(staging.state.realms.alpha.scripts)).toEqual([]);
    // Reads and queries pass.
    expect((await staging.get(`${REALM}/scripts?_queryFilter=true`)).status).toBe(200);
    // Dynamic configuration is written in each environment directly.
    expect((await staging.send('PUT', '/environment/variables/esv-staging-only', { valueBase64: 'eA==', expressionType: 'string' })).status).toBe(200);
    const resourceType = await staging.send('POST', `${REALM}/resourcetypes?_action=create`, { name: 'orders', patterns: ['api://orders/*'], actions: { GRANT: true } }, { 'accept-api-version': 'protocol=1.0,resource=1.0' });
    expect(resourceType.status).toBe(201);
    // Development takes the same static write.
    expect((await putScript(dev, SCRIPT_ID, 'a script')).status).toBe(201);
  });

  it('answers an anonymous static write 401, not 403', async () => {
    group = await startGroup();
    const response = await fetch(`${group.staging.tenant.url}${REALM}/scripts/${SCRIPT_ID}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scriptBody('x', 'y')) });
    expect(response.status).toBe(401);
  });
});

describe('the promotion lock', () => {
  it('goes unlocked → locking → locked → unlocking → unlocked, and blocks ESV and static writes in both environments meanwhile', async () => {
    group = await startGroup();
    const { dev, staging } = group;
    expect((await staging.get('/environment/promotion/lock/state')).body).toMatchObject({ result: 'unlocked' });
    const started = await staging.send('POST', '/environment/promotion/lock');
    expect(started).toMatchObject({ status: 202, body: { result: 'locking', description: 'Environment lock in progress' } });
    const id = started.body.promotionId as string;
    expect((await staging.get('/environment/promotion/lock/state')).body).toMatchObject({ result: 'locking', promotionId: id, lowerEnv: { state: 'locking' }, upperEnv: { state: 'locking' } });
    // Unlocking while locking is a conflict.
    expect((await staging.send('DELETE', `/environment/promotion/lock/${id}`)).status).toBe(409);
    await until(() => staging.get('/environment/promotion/lock/state'), (a) => a.body.result === 'locked');
    expect((await staging.get('/environment/promotion/lock/state?localLockOnly=true')).body).toEqual({ result: 'locked', description: 'Environment locked', promotionId: id });
    // Both environments report it and refuse ESV writes, restarts and static writes.
    for (const member of [dev, staging]) {
      expect((await member.get('/environment/info')).body.locked).toBe(true);
      const esv = await member.send('PUT', '/environment/variables/esv-during-lock', { valueBase64: 'eA==', expressionType: 'string' });
      expect(esv.status).toBe(409);
      expect(esv.body.message).toContain(`locked for promotion ${id}`);
      expect((await member.send('POST', '/environment/startup?_action=restart')).status).toBe(409);
      expect((await member.get('/environment/variables')).status).toBe(200);
    }
    expect((await putScript(dev, SCRIPT_ID, 'during the lock')).status).toBe(409);
    // A second lock, from either side, is refused; so is an unlock by another id.
    expect((await staging.send('POST', '/environment/promotion/lock')).status).toBe(409);
    expect((await group.prod.send('POST', '/environment/promotion/lock')).status).toBe(409);
    const wrong = await staging.send('DELETE', '/environment/promotion/lock/not-this-one');
    expect(wrong.status).toBe(409);
    expect(wrong.body.message).toContain(`locked by promotion ${id}`);
    // The lower environment cannot release it.
    expect((await dev.send('DELETE', `/environment/promotion/lock/${id}`)).status).toBe(409);
    expect((await staging.send('DELETE', `/environment/promotion/lock/${id}`))).toMatchObject({ status: 202, body: { result: 'unlocking', promotionId: id } });
    await until(() => staging.get('/environment/promotion/lock/state'), (a) => a.body.result === 'unlocked');
    expect((await dev.send('PUT', '/environment/variables/esv-after-lock', { valueBase64: 'eA==', expressionType: 'string' })).status).toBe(200);
    expect((await dev.get('/environment/info')).body.locked).toBe(false);
  });

  it('keeps the lock in the upper environment’s folder, where another process serving the lower one reads it', async () => {
    group = await startGroup();
    const id = await lockAndWait(group.staging);
    expect(existsSync(path.join(group.root, 'staging', LOCK_FILE))).toBe(true);
    // A development tenant elsewhere knows its upper only by folder (nothing in memory to consult).
    const elsewhere = { options: { environment: { tier: 'development' as const, upper: { stateDir: path.join(group.root, 'staging-copy') } } } };
    expect(lockFromUpper(elsewhere)).toBeUndefined();
    const byFolder = { options: { environment: { tier: 'development' as const, upper: { stateDir: path.join(group.root, 'staging') } } } };
    expect(lockFromUpper(byFolder)?.promotionId).toBe(id);
  });

  it('is refused on development, which has nothing below it', async () => {
    group = await startGroup();
    const answer = await group.dev.send('POST', '/environment/promotion/lock');
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain('development has no lower environment');
  });
});

describe('promotion', () => {
  it('dry-runs, then copies the static configuration of the lower environment with ids kept, and reports it', async () => {
    group = await startGroup();
    const { dev, staging } = group;
    expect((await putScript(dev, SCRIPT_ID, 'aic-api-to-api Scope Validation', 'var validated = true;')).status).toBe(201);
    const id = await lockAndWait(staging);
    expect((await staging.get('/environment/promotion/promote')).body).toMatchObject({ status: 'READY', globalLock: 'LOCKED', message: 'Environment ready for promotion', promotionId: id });

    const dry = await promoteAndWait(staging, { dryRun: true, promoter: 'ci', promotionDescription: 'first' });
    expect(dry.body).toMatchObject({ status: 'READY', blockingError: false, type: 'promotion', promotionId: id });
    expect(staging.state.realms.alpha.scripts[SCRIPT_ID]).toBeUndefined();
    const dryReport = (await staging.get('/environment/promotion/report')).body;
    expect(dryReport).toMatchObject({ dryRun: true, promotionId: id, promoter: 'ci', promotionDescription: 'first', type: 'promotion', missingESVs: [] });
    const scripts = dryReport.report.AMConfig.find((item: { configItem: string }) => item.configItem === 'Scripts');
    expect(scripts.configChange.added).toEqual([{ uid: `ou=${SCRIPT_ID},ou=scriptConfigurations,ou=default,ou=OrganizationConfig,ou=1.0,ou=ScriptingService,ou=services,o=alpha,ou=services,ou=am-config`, name: 'aic-api-to-api Scope Validation', realm: '/alpha' }]);

    const done = await promoteAndWait(staging, { dryRun: false, ignoreEncryptedSecrets: false, promoter: 'ci', promotionDescription: 'first', unlockEnvironmentsAfterPromotion: false });
    expect(done.body).toMatchObject({ status: 'READY', blockingError: false, message: 'Promotion completed' });
    // Same id, same body: identical by content.
    expect(staging.state.realms.alpha.scripts[SCRIPT_ID]).toEqual(dev.state.realms.alpha.scripts[SCRIPT_ID]);
    const list = (await staging.get('/environment/promotion/reports')).body as { reportId: string; dryRun: boolean }[];
    expect(list.map((r) => r.dryRun)).toEqual([true, false]);
    expect((await staging.get(`/environment/promotion/report/${list[1].reportId}`)).body.dryRun).toBe(false);
    expect((await staging.get('/environment/promotion/report/no-such-report')).status).toBe(404);
    expect((await staging.get('/environment/info')).body.config_promotion_done).toBe(true);
    // Nothing left to promote.
    const again = await promoteAndWait(staging, { dryRun: true });
    expect(again.body.message).toBe('Dry-run promotion completed: nothing to promote');
    // Dynamic configuration is never promoted.
    expect(Object.keys(staging.state.esv.variables)).toEqual([]);
  });

  it('answers the provisional report on the lower environment: what promoting it would change', async () => {
    group = await startGroup();
    await putScript(group.dev, SCRIPT_ID, 'pending');
    const provisional = await group.dev.get('/environment/promotion/report/provisional');
    expect(provisional.status).toBe(200);
    expect(provisional.body.report.AMConfig.find((i: { configItem: string }) => i.configItem === 'Scripts').configChange.added[0].name).toBe('pending');
    expect((await group.prod.get('/environment/promotion/report/provisional')).status).toBe(404);
  });

  it('fails, writing nothing, when the upper environment lacks an ESV the static configuration references', async () => {
    group = await startGroup();
    const { dev, staging } = group;
    await putScript(dev, SCRIPT_ID, 'uses a placeholder', "var host = '&{esv.partner.host}';");
    await lockAndWait(staging);
    const dry = await promoteAndWait(staging, { dryRun: true });
    expect(dry.body).toMatchObject({ blockingError: true, missingESVs: ['esv-partner-host'] });
    expect((await staging.get('/environment/promotion/report')).body.missingESVs).toEqual(['esv-partner-host']);
    const real = await promoteAndWait(staging, { dryRun: false });
    expect(real.body.blockingError).toBe(true);
    expect(real.body.message).toContain('Missing ESVs in this environment');
    expect(staging.state.realms.alpha.scripts[SCRIPT_ID]).toBeUndefined();
  });

  it('rolls back to the configuration before the latest promotion', async () => {
    group = await startGroup();
    const { dev, staging } = group;
    await putScript(dev, SCRIPT_ID, 'one');
    await lockAndWait(staging);
    expect((await staging.send('POST', '/environment/promotion/rollback', {})).body.message).toBe('There is no promotion to roll back');
    await promoteAndWait(staging, { dryRun: false });
    expect(staging.state.realms.alpha.scripts[SCRIPT_ID]).toBeDefined();
    const provisional = await staging.get('/environment/promotion/report/provisional-rollback');
    expect(provisional.body).toMatchObject({ type: 'rollback' });
    expect(provisional.body.report.AMConfig[0].configChange.deleted[0].name).toBe('one');
    const started = await staging.send('POST', '/environment/promotion/rollback', { promoter: 'ci' });
    expect(started).toMatchObject({ status: 202 });
    const rolled = await until(() => staging.get('/environment/promotion/promote'), (a) => a.body.status !== 'RUNNING');
    expect(rolled.body).toMatchObject({ type: 'rollback', blockingError: false, message: 'Rollback completed' });
    expect(staging.state.realms.alpha.scripts[SCRIPT_ID]).toBeUndefined();
    expect((await staging.get('/environment/promotion/reports')).body.at(-1).type).toBe('rollback');
  });

  it('failing midway leaves part of the promotion, says so, and a rollback restores the configuration before it', async () => {
    group = await startGroup({ environment: { failPromotionAfter: 1 } });
    const { dev, staging } = group;
    await putScript(dev, SCRIPT_ID, 'first');
    await putScript(dev, OTHER_ID, 'second');
    const before = JSON.stringify(staging.state.realms.alpha.scripts);
    await lockAndWait(staging);
    const failed = await promoteAndWait(staging, { dryRun: false });
    expect(failed.body).toMatchObject({ status: 'READY', blockingError: true });
    expect(failed.body.message).toMatch(/failed after 1 of 2 changes/);
    expect(Object.keys(staging.state.realms.alpha.scripts)).toHaveLength(1);
    await staging.send('POST', '/environment/promotion/rollback', {});
    await until(() => staging.get('/environment/promotion/promote'), (a) => a.body.status !== 'RUNNING');
    expect(JSON.stringify(staging.state.realms.alpha.scripts)).toBe(before);
  });

  it('unlocks by itself after a promotion asked to', async () => {
    group = await startGroup();
    await lockAndWait(group.staging);
    await promoteAndWait(group.staging, { dryRun: false, unlockEnvironmentsAfterPromotion: true });
    await until(() => group!.staging.get('/environment/promotion/lock/state'), (a) => a.body.result === 'unlocked');
  });

  it('refuses requests AIC would not run: not locked, already running, bad bodies, wrong API version, missing scope', async () => {
    group = await startGroup({ environment: { promotionSeconds: 0.5 } });
    const { staging } = group;
    expect((await staging.send('POST', '/environment/promotion/promote', { dryRun: true })).body).toEqual({ code: 409, message: 'Environment is not in locked state' });
    await lockAndWait(staging);
    expect((await staging.send('POST', '/environment/promotion/promote', {})).body.message).toBe('dryRun is required (a boolean)');
    expect((await staging.send('POST', '/environment/promotion/promote', { dryRun: 'yes' })).body.message).toBe('dryRun must be a boolean');
    const typo = await staging.send('POST', '/environment/promotion/promote', { dryRun: true, unlockEnvironmentAfterPromotion: true });
    expect(typo.status).toBe(400);
    expect(typo.body.message).toContain('Unknown field unlockEnvironmentAfterPromotion');
    expect((await staging.send('POST', '/environment/promotion/promote', { dryRun: true })).status).toBe(202);
    expect((await staging.send('POST', '/environment/promotion/promote', { dryRun: true })).body.message).toBe('A promotion or rollback is already running');
    expect((await staging.get('/environment/promotion/promote')).body).toMatchObject({ status: 'RUNNING', message: 'Update configuration' });
    expect((await staging.get('/environment/promotion/lock/state', { 'accept-api-version': 'protocol=1.0,resource=2.0' })).status).toBe(400);
    const withoutScope = new Member(staging.tenant, 'fr:am:* fr:idc:esv:*');
    expect((await withoutScope.get('/environment/promotion/lock/state')).status).toBe(403);
    await sleep(600);
  });

  it('puts the lock in error when the lower environment has no state, and lets its own id clear it', async () => {
    group = await startGroup();
    await group.dev.tenant.close();
    const { rm } = await import('node:fs/promises');
    await rm(path.join(group.root, 'dev'), { recursive: true, force: true });
    const started = await group.staging.send('POST', '/environment/promotion/lock');
    const state = (await group.staging.get('/environment/promotion/lock/state')).body;
    expect(state.result).toBe('error');
    expect(state.description).toContain('development environment cannot be locked');
    expect((await group.staging.send('DELETE', `/environment/promotion/lock/${started.body.promotionId}`)).status).toBe(202);
    // dev is already closed; close() closes it again harmlessly.
  });
});

describe('the API version header', () => {
  it('accepts what fr-config-manager sends (protocol=2.1,resource=1.0) as well as the spec’s', async () => {
    group = await startGroup();
    expect((await group.staging.get('/environment/promotion/lock/state', { 'accept-api-version': 'protocol=2.1,resource=1.0' })).status).toBe(200);
    expect((await group.staging.get('/environment/promotion/lock/state', { 'accept-api-version': API })).status).toBe(200);
  });
});
