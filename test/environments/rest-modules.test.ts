/**
 * The promotion and direct configuration REST modules: paths, the pinned Accept-API-Version,
 * bodies, path segments encoded, 404s answered as "none", and the mutable-configuration client
 * adding its header to every request it sends (and only those).
 */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearerAuth } from '../../tooling/rest/auth.js';
import { AmError, AmHttp } from '../../tooling/rest/http.js';
import { getLastReport, getLockState, getPromotionStatus, getProvisionalRollbackReport, getReport, listReports, lockEnvironments, startPromotion, startRollback, unlockEnvironments } from '../../tooling/rest/promotion.js';
import { abortSession, applySession, getSessionState, initSession, mutableConfigurationHttp } from '../../tooling/rest/direct-configuration.js';
import { putScript } from '../../tooling/rest/scripts.js';

const BASE = 'https://upper.example.com';
const API = 'protocol=1.0,resource=1.0';
const http = () => new AmHttp({ baseUrl: BASE, auth: bearerAuth('tok'), sleep: async () => {} });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const pinned = () => nock(BASE, { reqheaders: { 'accept-api-version': API, authorization: 'Bearer tok' } });

describe('promotion module', () => {
  it('calls each endpoint of the promotion API with its method, path and body', async () => {
    pinned().get('/environment/promotion/lock/state').reply(200, { result: 'unlocked' });
    pinned().get('/environment/promotion/lock/state').query({ localLockOnly: 'true' }).reply(200, { result: 'locked', promotionId: 'p1' });
    pinned().post('/environment/promotion/lock').reply(202, { result: 'locking', promotionId: 'p1' });
    pinned().delete('/environment/promotion/lock/a%2Fb%3F').reply(202, { result: 'unlocking', promotionId: 'a/b?' });
    pinned().post('/environment/promotion/promote', { dryRun: true, promoter: 'ci', unlockEnvironmentsAfterPromotion: false }).reply(202, { result: 'Promotion process initiated successfully' });
    pinned().get('/environment/promotion/promote').reply(200, { status: 'RUNNING', message: 'Update configuration' });
    pinned().get('/environment/promotion/report').reply(404, { code: 404, message: 'No promotion report found' });
    pinned().get('/environment/promotion/report/r%201').reply(200, { reportId: 'r 1', report: {} });
    pinned().get('/environment/promotion/report/provisional-rollback').reply(404, { code: 404 });
    pinned().get('/environment/promotion/reports').reply(200, [{ reportId: 'r1' }]);
    pinned().post('/environment/promotion/rollback', { promoter: 'ci' }).reply(202, { result: 'Rollback process initiated successfully' });
    const client = http();
    expect(await getLockState(client)).toEqual({ result: 'unlocked' });
    expect((await getLockState(client, { localLockOnly: true })).promotionId).toBe('p1');
    expect((await lockEnvironments(client)).promotionId).toBe('p1');
    expect((await unlockEnvironments(client, 'a/b?')).result).toBe('unlocking');
    expect((await startPromotion(client, { dryRun: true, promoter: 'ci', unlockEnvironmentsAfterPromotion: false })).result).toContain('initiated');
    expect((await getPromotionStatus(client)).status).toBe('RUNNING');
    expect(await getLastReport(client)).toBeNull();
    expect((await getReport(client, 'r 1'))?.reportId).toBe('r 1');
    expect(await getProvisionalRollbackReport(client)).toBeNull();
    expect(await listReports(client)).toHaveLength(1);
    expect((await startRollback(client, { promoter: 'ci' })).result).toContain('Rollback');
  });

  it('throws a 409 as AmError with AIC’s message, and refuses an id that cannot be a path segment', async () => {
    pinned().post('/environment/promotion/lock').reply(409, { message: 'A promotion is already running' });
    const thrown = await lockEnvironments(http()).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(AmError);
    expect((thrown as AmError).status).toBe(409);
    expect((thrown as AmError).amMessage).toBe('A promotion is already running');
    await expect(unlockEnvironments(http(), '..')).rejects.toThrow(/cannot address an object named "\.\."/);
  });
});

describe('direct configuration module', () => {
  it('opens, reads, applies and aborts sessions with PUT and GET', async () => {
    pinned().put('/environment/direct-configuration/session/init').reply(200, { editable: false, status: 'SESSION_INITIALISING' });
    pinned().get('/environment/direct-configuration/session/state').reply(200, { editable: true, status: 'SESSION_INITIALISED' });
    pinned().put('/environment/direct-configuration/session/apply').reply(200, { editable: false, status: 'SESSION_APPLYING' });
    pinned().put('/environment/direct-configuration/session/abort').reply(200, { editable: false, status: 'NO_SESSION' });
    const client = http();
    expect((await initSession(client)).status).toBe('SESSION_INITIALISING');
    expect(await getSessionState(client)).toEqual({ editable: true, status: 'SESSION_INITIALISED' });
    expect((await applySession(client)).status).toBe('SESSION_APPLYING');
    expect((await abortSession(client)).status).toBe('NO_SESSION');
  });

  it('sends X-Configuration-Type: mutable on every request of the mutable client, sharing its counters, and not on the plain one', async () => {
    const script = { name: 's', description: '', source: 'var s;', language: 'JAVASCRIPT' as const, context: 'OAUTH2_VALIDATE_SCOPE', evaluatorVersion: '1.0', default: false };
    nock(BASE, { reqheaders: { 'x-configuration-type': 'mutable', 'accept-api-version': 'protocol=2.0,resource=1.0' } }).put('/am/json/realms/root/realms/alpha/scripts/id-1').reply(201, {});
    nock(BASE, { badheaders: ['x-configuration-type'] }).put('/am/json/realms/root/realms/alpha/scripts/id-2').reply(201, {});
    const plain = http();
    const mutable = mutableConfigurationHttp(plain);
    await putScript(mutable, 'alpha', 'id-1', script);
    await putScript(plain, 'alpha', 'id-2', script);
    expect(plain.stats.writes).toBe(2);
  });
});
