/**
 * A deploy killed (SIGKILL) at several points and run again converges to the same state, and at no
 * moment — checked after every single write the tenant receives — does a consumer client point at
 * a script that does not exist. The process killed is the one that writes (node itself, with tsx as
 * a loader, not a wrapper that would leave its child running), and it writes nothing after the kill.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceAccountAuth } from '../../tooling/rest/auth.js';
import { loadAccessConfig } from '../../tooling/config/access.js';
import { danglingClientReferences } from '../helpers/tenant-state.js';
import { ROOT, SECRETS, startHarness, type Harness } from '../helpers/local-tenant.js';

function cliProcess(harness: Harness, bearer: string, args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tooling/cli/main.ts'), ...args, '--access', path.join(ROOT, 'access')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AIC_TENANT: harness.tenant.url, AIC_BEARER_TOKEN: bearer, POLICY_GATEWAY_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const SECRET = 'interrupt-Secret-1-abcdef-XYZ';

const exited = (child: ReturnType<typeof spawn>) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

describe('a deploy killed midway', () => {
  it.each([1, 5, 9, 13, 17])('killed after write %i writes nothing more, and the next deploy converges with no dangling reference at any moment', async (killAfter) => {
    // Long enough for the restart to be seen leaving "ready", as the tool requires.
    const harness = await startHarness({ restartSeconds: 1.2 });
    try {
      const access = await loadAccessConfig(path.join(ROOT, 'access'));
      const bearer = (await serviceAccountAuth({ tokenUrl: `${harness.tenant.url}/am/oauth2/access_token`, accountId: harness.tenant.serviceAccount.id, jwk: harness.tenant.serviceAccount.privateJwk }).header()).replace('Bearer ', '');
      const violations: string[] = [];
      const afterKill: string[] = [];
      let writes = 0;
      let killed = false;
      // One request at a time, so that nothing is in flight when the kill lands.
      const victim = cliProcess(harness, bearer, ['deploy', '--no-restart', '--concurrency', '1']);
      harness.tenant.onWrite((event, context) => {
        writes += 1;
        violations.push(...danglingClientReferences(context, 'alpha').map((v) => `after ${event.method} ${event.path}: ${v}`));
        if (killed) afterKill.push(`${event.method} ${event.path}`);
        if (writes === killAfter && !killed) {
          killed = victim.kill('SIGKILL');
        }
      });
      expect(await exited(victim)).toBe(null);
      expect(killed).toBe(true);
      // Anything the killed process had still to write would have arrived by now.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(afterKill).toEqual([]);
      expect(writes).toBe(killAfter);

      killed = false; // later writes come from the next run, the same pipeline in this process
      const resumed = await harness.deploy(access, { gatewaySecret: SECRET });
      expect(resumed.ok).toBe(true);
      const again = await harness.deploy(access, { gatewaySecret: SECRET });
      expect(again.plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
      expect(again.plan.restart).toBeUndefined();
      expect(again.plan.changes).toHaveLength(18);
      expect(violations).toEqual([]);

      const token = await harness.token({ grant_type: 'client_credentials', client_id: 'scopeDrivenAPI1Client', client_secret: SECRETS.scopeDrivenAPI1Client, scope: 'api://scopeDrivenAPI2Client/read' });
      expect(token.body.scope).toBe('read');
    } finally {
      await harness.close();
    }
  }, 120_000);
});
