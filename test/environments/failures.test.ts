/**
 * Every failure path of a promotion, with the CLI against the local promotion group: missing ESVs
 * in the upper environment, a lock held elsewhere (reported, never broken), a static write on an
 * immutable environment (AIC's 403 and message), a promotion failing midway (unlocked, told how to
 * roll back; the rollback restores), and a promotion or rollback that would delete a script a
 * client points at (refused). Each gives a clear message, and after each no client in any
 * environment points at a script that environment lacks.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTenant, type LocalTenant } from '../../tenant/server.js';
import { groupMember } from '../../tenant/promotion/layout.js';
import { IMMUTABLE_MESSAGE } from '../../tenant/promotion/guard.js';
import { AmHttp, AmError } from '../../tooling/rest/http.js';
import { serviceAccountAuth } from '../../tooling/rest/auth.js';
import { putScript } from '../../tooling/rest/scripts.js';
import { getLockState, lockEnvironments, unlockEnvironments } from '../../tooling/rest/promotion.js';
import { danglingScripts, scriptsOf, switched, workspace, type Workspace } from './helpers.js';

let ws: Workspace;
beforeAll(async () => {
  ws = await workspace();
});
afterAll(async () => {
  await ws.close();
});

function noDanglingScripts(members: readonly ('dev' | 'staging' | 'prod')[] = ['dev', 'staging', 'prod']): void {
  for (const member of members) {
    try {
      expect(danglingScripts(ws.state(member)), member).toEqual([]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** A member served by this process on its group port (as `npm run tenant -- --env …` would): the CLI joins it. */
async function serve(member: 'dev' | 'staging' | 'prod'): Promise<{ tenant: LocalTenant; http: AmHttp }> {
  const place = groupMember(ws.group, member, ws.basePort);
  const tenant = await startTenant({ port: place.port, stateDir: place.stateDir, engine: 'node', restartSeconds: 0.2, environment: place.environment });
  const http = new AmHttp({ baseUrl: tenant.url, auth: serviceAccountAuth({ tokenUrl: `${tenant.url}/am/oauth2/access_token`, accountId: tenant.serviceAccount.id, jwk: tenant.serviceAccount.privateJwk, scope: 'fr:am:* fr:idc:esv:* fr:idc:promotion:*' }) });
  return { tenant, http };
}

describe('promotion failure paths', () => {
  it('refuses to promote into an environment lacking the ESVs the scripts read, before locking anything', async () => {
    expect((await ws.cli(['deploy', '--env', 'dev', '--no-demo'])).code).toBe(0);
    const promote = await ws.cli(['promote', '--env', 'staging']);
    expect(promote.code, promote.stderr).toBe(5);
    expect(promote.stderr).toContain('error: the staging environment lacks ESVs the scripts read: esv-cookie, esv-policy-gateway-id, esv-policy-gateway-secret, esv-policy-identity-claims, esv-tenant-env-fqdn');
    expect(promote.stderr).toContain('Run `npm run deploy -- --env staging` first');
    expect(promote.stderr).not.toMatch(/Locking/);
    expect(ws.locked('staging')).toBe(false);
    expect(Object.keys(scriptsOf(ws.state('staging')))).toEqual([]);
    noDanglingScripts();
  }, 120_000);

  it('reports a lock held by someone else and leaves it held', async () => {
    expect((await ws.cli(['deploy', '--env', 'staging', '--no-demo'])).code).toBe(5);
    const { tenant, http } = await serve('staging');
    const theirs = await lockEnvironments(http);
    try {
      const promote = await ws.cli(['promote', '--env', 'staging']);
      expect(promote.code, promote.stderr).toBe(5);
      expect(promote.stderr).toMatch(new RegExp(`error: the staging environment is already (locking|locked) for promotion ${theirs.promotionId}`));
      expect(promote.stderr).toContain('this run does not break it; nothing was changed');
      expect(promote.stderr).toContain(`npm run promote -- --env staging --unlock ${theirs.promotionId}`);
      // Still theirs, untouched.
      const after = await getLockState(http);
      expect(after.promotionId).toBe(theirs.promotionId);
      expect(after.result).not.toBe('unlocked');
      expect(Object.keys(scriptsOf(tenant.context.state))).toEqual([]);
    } finally {
      // Theirs to release: once locked, by its own id.
      while ((await getLockState(http)).result === 'locking') await new Promise((resolve) => setTimeout(resolve, 100));
      await unlockEnvironments(http, theirs.promotionId);
      while ((await getLockState(http)).result !== 'unlocked') await new Promise((resolve) => setTimeout(resolve, 100));
      await tenant.close();
    }
    noDanglingScripts();
  }, 120_000);

  it("refuses a static write on an immutable environment with AIC's 403 and message", async () => {
    const { tenant, http } = await serve('staging');
    try {
      const attempt = putScript(http, 'alpha', '5f0e1d2c-3b4a-4968-8776-a5b4c3d2e1f0', { name: 'written directly', description: '', source: 'var x;', language: 'JAVASCRIPT', context: 'OAUTH2_VALIDATE_SCOPE', evaluatorVersion: '1.0', default: false });
      const thrown = await attempt.then(() => undefined, (e: unknown) => e);
      expect(thrown).toBeInstanceOf(AmError);
      expect((thrown as AmError).status).toBe(403);
      expect((thrown as AmError).message).toBe(`scripts PUT /am/json/realms/root/realms/alpha/scripts/5f0e1d2c-3b4a-4968-8776-a5b4c3d2e1f0: HTTP 403 ${IMMUTABLE_MESSAGE}`);
      expect(Object.keys(scriptsOf(tenant.context.state))).toEqual([]);
    } finally {
      await tenant.close();
    }
    noDanglingScripts();
  }, 60_000);

  it('a promotion failing midway is unlocked, says how to roll back, switches no client; the rollback restores', async () => {
    const before = scriptsOf(ws.state('staging'));
    const failed = await ws.cli(['promote', '--env', 'staging'], { LOCAL_TENANT_FAIL_PROMOTION_AFTER: '5' });
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toContain('error: the promotion to staging failed: Promotion failed after 5 of 7 changes');
    expect(failed.stderr).toContain('clients there were not switched');
    expect(failed.stderr).toContain('Roll it back with `npm run promote -- --env staging --rollback`');
    expect(failed.stderr).toContain('Unlocked staging.');
    expect(ws.locked('staging')).toBe(false);
    expect(switched(ws.state('staging'), 'scopeDrivenAPI1Client')).toBe(false);
    noDanglingScripts();
    // A deploy now still holds the clients: the promotion is incomplete.
    const deploy = await ws.cli(['deploy', '--env', 'staging', '--no-demo']);
    expect(deploy.code, deploy.stderr).toBe(5);
    expect(switched(ws.state('staging'), 'scopeDrivenAPI1Client')).toBe(false);
    noDanglingScripts();

    const rolled = await ws.cli(['promote', '--env', 'staging', '--rollback']);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain("Rollback of staging (AIC's provisional rollback report):");
    expect(rolled.stdout).toContain('Rollback of staging complete.');
    expect(scriptsOf(ws.state('staging'))).toEqual(before);
    expect(ws.locked('staging')).toBe(false);

    // Promoted again without the fault, then deployed: switched, and the demonstrations pass.
    expect((await ws.cli(['promote', '--env', 'staging'])).code).toBe(0);
    const done = await ws.cli(['deploy', '--env', 'staging']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.match(/ PASS /g)).toHaveLength(2);
    noDanglingScripts();
  }, 240_000);

  it('refuses a promotion, and a rollback, that would delete a script a client still points at', async () => {
    const switchedTo = scriptsOf(ws.state('staging'));
    const [scriptId] = Object.keys(switchedTo);
    // Development loses one of the scripts staging's clients run (as a hand edit would).
    const { tenant: dev, http: devHttp } = await serve('dev');
    try {
      await devHttp.request({ method: 'DELETE', path: `/am/json/realms/root/realms/alpha/scripts/${scriptId}`, apiVersion: 'protocol=2.0,resource=1.0', family: 'scripts' });
    } finally {
      await dev.close();
    }
    const promote = await ws.cli(['promote', '--env', 'staging']);
    expect(promote.code, promote.stderr).toBe(4);
    expect(promote.stdout).toMatch(/- deleted\s+aic-api-to-api/);
    expect(promote.stderr).toContain(`error: the promotion would delete scripts that clients in staging still point at (client scopeDrivenAPI1Client → script ${scriptId}`);
    expect(promote.stderr).toContain('Unlocked staging.');
    expect(scriptsOf(ws.state('staging'))).toEqual(switchedTo);

    // Rolling back the last promotion would remove the scripts the switched clients run.
    const rollback = await ws.cli(['promote', '--env', 'staging', '--rollback']);
    expect(rollback.code, rollback.stderr).toBe(4);
    expect(rollback.stderr).toContain('error: the rollback would delete scripts that clients in staging still point at');
    expect(rollback.stderr).not.toMatch(/Locking/);
    expect(scriptsOf(ws.state('staging'))).toEqual(switchedTo);
    // Development's own client lost its script by the hand edit above; staging's kept theirs.
    noDanglingScripts(['staging', 'prod']);
  }, 120_000);

  it('names the right command for a development environment or a bad flag, before anything is sent', async () => {
    const onDev = await ws.cli(['promote', '--env', 'dev']);
    expect(onDev.code).toBe(3);
    expect(onDev.stderr).toContain('--env dev: the tenant reports tier development (mutable); promotions run on an upper environment');
    const noEnv = await ws.cli(['promote']);
    expect(noEnv.code).toBe(3);
    expect(noEnv.stderr).toContain('--env: required; name the upper environment to promote into');
    const both = await ws.cli(['promote', '--env', 'staging', '--dry-run', '--rollback']);
    expect(both.code).toBe(3);
    expect(both.stderr).toContain('--dry-run, --rollback: choose one');
    expect(path.basename(ws.group)).toBe('.local-tenant');
  }, 60_000);
});
