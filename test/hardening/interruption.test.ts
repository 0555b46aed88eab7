/**
 * A deploy killed (SIGKILL) at several points and run again converges to the same state, and at no
 * moment — checked after every single write the tenant receives — does a consumer client point at
 * a script that does not exist.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceAccountAuth } from '../../tooling/rest/auth.js';
import { danglingClientReferences } from '../helpers/tenant-state.js';
import { ROOT, SECRETS, startHarness, type Harness } from '../helpers/local-tenant.js';

function deployProcess(harness: Harness, bearer: string) {
  return spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'tooling/cli/main.ts'), 'deploy', '--access', path.join(ROOT, 'access'), '--no-restart', '--concurrency', '2'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AIC_TENANT: harness.tenant.url, AIC_BEARER_TOKEN: bearer, POLICY_GATEWAY_SECRET: 'interrupt-Secret-1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const exited = (child: ReturnType<typeof spawn>) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

describe('a deploy killed midway', () => {
  it.each([1, 5, 9, 13, 17])('killed after write %i, then run again, converges with no dangling reference at any moment', async (killAfter) => {
    const harness = await startHarness();
    try {
      const bearer = (await serviceAccountAuth({ tokenUrl: `${harness.tenant.url}/am/oauth2/access_token`, accountId: harness.tenant.serviceAccount.id, jwk: harness.tenant.serviceAccount.privateJwk }).header()).replace('Bearer ', '');
      const violations: string[] = [];
      let writes = 0;
      let child = deployProcess(harness, bearer);
      const victim = child;
      harness.tenant.onWrite((event, context) => {
        writes += 1;
        violations.push(...danglingClientReferences(context, 'alpha').map((v) => `after ${event.method} ${event.path}: ${v}`));
        if (writes === killAfter) victim.kill('SIGKILL');
      });
      expect(await exited(child)).not.toBe(0);
      expect(writes).toBeGreaterThanOrEqual(killAfter);

      child = deployProcess(harness, bearer);
      expect(await exited(child)).toBe(0);
      child = deployProcess(harness, bearer);
      let output = '';
      child.stdout!.on('data', (chunk) => (output += chunk));
      expect(await exited(child)).toBe(0);
      expect(output).toMatch(/Plan: 0 to create, 0 to update, 0 to delete, 18 unchanged\./);
      expect(violations).toEqual([]);

      const token = await harness.token({ grant_type: 'client_credentials', client_id: 'scopeDrivenAPI1Client', client_secret: SECRETS.scopeDrivenAPI1Client, scope: 'api://scopeDrivenAPI2Client/read' });
      expect(token.body.scope).toBe('read');
    } finally {
      await harness.close();
    }
  }, 120_000);
});
