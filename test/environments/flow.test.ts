/**
 * The promotion flow's edges that a local tenant does not produce on demand, against a scripted
 * AIC (nock): a lock taken by someone else between the check and the request (reported, never
 * released by this run), a lock that goes to `error` (this run's own lock, released by its id), a
 * start whose retried POST answers 409 for the promotion it already started (carried on), and a
 * promotion still running at the deadline (the lock is left, and the message says how to release it).
 */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearerAuth } from '../../tooling/rest/auth.js';
import { AmHttp } from '../../tooling/rest/http.js';
import { promote, type FlowContext } from '../../tooling/promotion/flow.js';

const BASE = 'https://staging.example.com';
const P = '/environment/promotion';
const REPORT = (dryRun: boolean) => ({ reportId: `r-${dryRun}`, promotionId: 'mine', type: 'promotion', dryRun, createdDate: 'now', report: { AMConfig: [{ configItem: 'Scripts', configChange: { added: [{ uid: 'ou=s1,ou=scriptConfigurations,ou=default', name: 'script one', realm: '/alpha' }] } }], IDMConfig: [] } });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

function context(lines: string[], timeoutSeconds = 5): FlowContext {
  return {
    http: new AmHttp({ baseUrl: BASE, auth: bearerAuth('tok'), sleep: async () => {}, maxRetries: 0 }),
    environment: 'staging',
    wait: { pollSeconds: 0, timeoutSeconds, sleep: async () => {} },
    progress: (line) => lines.push(line),
    clientsUsing: async () => [],
  };
}
const options = { dryRun: false, ignoreEncryptedSecrets: false, promoter: 'ci', description: 'test' };

describe('the promotion flow', () => {
  it('reports a lock someone took between its check and its request, and does not release it', async () => {
    const aic = nock(BASE);
    aic.get(`${P}/lock/state`).reply(200, { result: 'unlocked' });
    aic.post(`${P}/lock`).reply(409, { message: 'A promotion is already running' });
    aic.get(`${P}/lock/state`).reply(200, { result: 'locking', promotionId: 'theirs' });
    const result = await promote(context([]), options);
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['promote.locked-elsewhere']);
    expect(result.diagnostics[0].message).toContain('already locking for promotion theirs');
    // No DELETE was scripted: nock would have refused one (disableNetConnect), failing the run differently.
  });

  it('releases its own lock, by its id, when locking ends in error', async () => {
    const aic = nock(BASE);
    aic.get(`${P}/lock/state`).reply(200, { result: 'unlocked' });
    aic.post(`${P}/lock`).reply(202, { result: 'locking', promotionId: 'mine' });
    aic.get(`${P}/lock/state`).reply(200, { result: 'error', promotionId: 'mine', description: 'lower environment unreachable' });
    aic.delete(`${P}/lock/mine`).reply(202, { result: 'unlocking', promotionId: 'mine' });
    aic.get(`${P}/lock/state`).reply(200, { result: 'unlocked' });
    const result = await promote(context([]), options);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['promote.lock-failed']);
    expect(result.diagnostics[0].message).toContain('error for promotion mine (lower environment unreachable)');
  });

  it('carries on when a retried start answers 409 for the promotion it already started', async () => {
    const aic = nock(BASE);
    aic.get(`${P}/lock/state`).reply(200, { result: 'unlocked' });
    aic.post(`${P}/lock`).reply(202, { result: 'locking', promotionId: 'mine' });
    aic.get(`${P}/lock/state`).reply(200, { result: 'locked', promotionId: 'mine' });
    aic.post(`${P}/promote`, (body) => body.dryRun === true).reply(202, { result: 'ok' });
    aic.get(`${P}/promote`).reply(200, { status: 'READY', blockingError: false, promotionId: 'mine', message: 'Dry-run promotion completed' });
    aic.get(`${P}/report`).reply(200, REPORT(true));
    // The real promotion's POST: its first attempt started it; the answer seen is the retry's 409.
    aic.post(`${P}/promote`, (body) => body.dryRun === false).reply(409, { code: 409, message: 'A promotion or rollback is already running' });
    aic.get(`${P}/promote`).reply(200, { status: 'RUNNING', promotionId: 'mine', message: 'Update configuration' });
    aic.get(`${P}/promote`).reply(200, { status: 'READY', blockingError: false, promotionId: 'mine', message: 'Promotion completed' });
    aic.get(`${P}/report`).reply(200, REPORT(false));
    aic.delete(`${P}/lock/mine`).reply(202, { result: 'unlocking', promotionId: 'mine' });
    aic.get(`${P}/lock/state`).reply(200, { result: 'unlocked' });
    const lines: string[] = [];
    const result = await promote(context(lines), options);
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.report?.reportId).toBe('r-false');
    expect(lines).toContain('  promotion: READY: Promotion completed (0 s)');
  });

  it('leaves the lock of a promotion still running at the deadline, and says how to release it', async () => {
    const aic = nock(BASE);
    aic.get(`${P}/lock/state`).reply(200, { result: 'unlocked' });
    aic.post(`${P}/lock`).reply(202, { result: 'locking', promotionId: 'mine' });
    aic.get(`${P}/lock/state`).reply(200, { result: 'locked', promotionId: 'mine' });
    aic.post(`${P}/promote`).reply(202, { result: 'ok' });
    aic.get(`${P}/promote`).reply(200, { status: 'RUNNING', promotionId: 'mine', message: 'Update configuration' });
    const result = await promote(context([], 0), options);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['promote.timeout']);
    expect(result.diagnostics[0].message).toContain('npm run promote -- --env staging --unlock mine');
  });
});
