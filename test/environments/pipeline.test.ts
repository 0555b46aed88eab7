/**
 * The pipeline of examples/ci-promotion.yml, run with the CLI against the three local tenants of a
 * promotion group (no real tenant): deploy dev; deploy staging (dynamic parts done, clients held,
 * exit 5 naming the promotion); promote staging; deploy staging (clients switched, the article's
 * demonstrations pass there); the same for prod; `plan --detailed-exitcode` exits 0 on all three.
 * After every step no client anywhere points at a script its environment lacks.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/local-tenant.js';
import { danglingScripts, scriptsOf, switched, workspace, type Workspace } from './helpers.js';

let ws: Workspace;
/** Everything the CLI printed in this file's runs. */
const printed: string[] = [];
beforeAll(async () => {
  const opened = await workspace();
  ws = { ...opened, cli: async (args, env) => {
    const result = await opened.cli(args, env);
    printed.push(result.stdout, result.stderr);
    return result;
  } };
});
afterAll(async () => {
  await ws.close();
});

const MEMBERS = ['dev', 'staging', 'prod'] as const;
function noDanglingScripts(): void {
  for (const member of MEMBERS) {
    try {
      expect(danglingScripts(ws.state(member)), member).toEqual([]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

describe('the example workflow', () => {
  it('runs this sequence: plan on pull requests; deploy, promote, deploy, plan up the chain on merge', () => {
    const workflow = readFileSync(path.join(ROOT, 'examples/ci-promotion.yml'), 'utf8');
    const jobs = workflow.slice(workflow.indexOf('\njobs:')).split(/^  (?=[a-z]+:\n)/m).slice(1);
    const commands = (job: string) => [...job.matchAll(/npm run (plan|deploy|promote) --silent -- --env ("\$TARGET"|\$\{\{ matrix\.env \}\}|dev)/g)].map((m) => m[1]);
    const byName = Object.fromEntries(jobs.map((job) => [job.slice(0, job.indexOf(':')), job]));
    expect(Object.keys(byName)).toEqual(['plan', 'dev', 'staging', 'prod']);
    expect(byName.plan).toContain("if: github.event_name == 'pull_request'");
    expect(byName.plan).toContain('--detailed-exitcode');
    expect(commands(byName.dev)).toEqual(['deploy', 'plan']);
    for (const [job, needs] of [['staging', 'dev'], ['prod', 'staging']]) {
      expect(byName[job]).toContain(`needs: ${needs}`);
      expect(byName[job]).toContain(`TARGET: ${job}`);
      expect(commands(byName[job])).toEqual(['deploy', 'promote', 'deploy', 'plan']);
      // The first deploy may stop at the promotion (exit 5); nothing else may fail.
      expect(byName[job]).toContain('if [ "$code" -ne 0 ] && [ "$code" -ne 5 ]; then exit "$code"; fi');
    }
    // Credentials only from the CI's secrets.
    expect(workflow).not.toMatch(/AIC_SERVICE_ACCOUNT_JWK: (?!\$\{\{ secrets\.)/);
    expect(workflow).not.toMatch(/POLICY_GATEWAY_SECRET: (?!\$\{\{ secrets\.)/);
  });
});

describe('deploy → promote → deploy up the chain, on the local promotion group', () => {
  it('deploys dev, where the demonstrations pass', async () => {
    const deploy = await ws.cli(['deploy', '--env', 'dev']);
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(deploy.stderr).toContain(`using the local tenant at http://127.0.0.1:${ws.basePort} (state in .local-tenant/dev)`);
    expect(deploy.stdout.match(/ PASS /g)).toHaveLength(2);
    expect(switched(ws.state('dev'), 'scopeDrivenAPI1Client')).toBe(true);
    noDanglingScripts();
  }, 120_000);

  for (const [upper, lower, offset] of [['staging', 'dev', 1], ['prod', 'staging', 2]] as const) {
    it(`deploys ${upper} before the promotion: the dynamic parts are written, the clients held, exit 5 naming the promotion`, async () => {
      const deploy = await ws.cli(['deploy', '--env', upper]);
      expect(deploy.code, deploy.stderr).toBe(5);
      expect(deploy.stderr).toContain(`http://127.0.0.1:${ws.basePort + offset}`);
      expect(deploy.stderr).toMatch(/npm run promote/);
      const state = ws.state(upper);
      // Dynamic configuration: ESVs, the gateway agent and the policy engine objects are there.
      expect(Object.keys(state.esv.variables)).toEqual(expect.arrayContaining(['esv-cookie', 'esv-tenant-env-fqdn', 'esv-policy-gateway-id']));
      expect(Object.keys(state.esv.secrets)).toContain('esv-policy-gateway-secret');
      expect(Object.keys(state.realms.alpha.policies)).toEqual(expect.arrayContaining(['scopeDrivenAPI2Client read']));
      // Static configuration is not written here, and no client is switched to scripts it lacks.
      expect(Object.keys(scriptsOf(state))).toEqual([]);
      expect(switched(state, 'scopeDrivenAPI1Client')).toBe(false);
      noDanglingScripts();
    }, 120_000);

    it(`promotes ${lower} into ${upper}: the dry-run report shown, ids kept, the lock released`, async () => {
      const promote = await ws.cli(['promote', '--env', upper]);
      expect(promote.code, promote.stderr).toBe(0);
      expect(promote.stdout).toContain(`Promotion into ${upper} (AIC's dry-run report):`);
      expect(promote.stdout).toMatch(/\+ added\s+aic-api-to-api PolicyEvalMod/);
      expect(promote.stdout).toContain(`Now run \`npm run deploy -- --env ${upper}\``);
      expect(promote.stderr).toMatch(/lock: locked/);
      expect(promote.stderr).toMatch(/promotion: READY: Promotion completed/);
      // The same scripts, by id and content, as the environment below.
      expect(scriptsOf(ws.state(upper))).toEqual(scriptsOf(ws.state(lower)));
      expect(ws.locked(upper)).toBe(false);
      noDanglingScripts();
    }, 120_000);

    it(`deploys ${upper} again: the clients are switched and the demonstrations pass there`, async () => {
      const deploy = await ws.cli(['deploy', '--env', upper]);
      expect(deploy.code, deploy.stderr).toBe(0);
      expect(deploy.stdout.match(/ PASS /g)).toHaveLength(2);
      expect(switched(ws.state(upper), 'scopeDrivenAPI1Client')).toBe(true);
      noDanglingScripts();
    }, 120_000);
  }

  it('finds nothing left to change anywhere: plan --detailed-exitcode exits 0 on all three', async () => {
    for (const member of MEMBERS) {
      const plan = await ws.cli(['plan', '--env', member, '--detailed-exitcode']);
      expect(plan.code, `${member}: ${plan.stdout}\n${plan.stderr}`).toBe(0);
    }
    // And a second promotion has nothing to promote (JSON for CI).
    const again = await ws.cli(['promote', '--env', 'prod', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const json = JSON.parse(again.stdout);
    expect(json).toMatchObject({ ok: true, environment: 'prod', mode: 'promote', nothingToDo: true, preview: { summary: { added: 0, modified: 0, deleted: 0 } } });
  }, 180_000);

  it('printed no secret: not a gateway secret, a service-account key or a demonstration secret', () => {
    const everything = printed.join('\n');
    for (const member of MEMBERS) {
      const secret = readFileSync(path.join(ws.group, member, 'gateway-secret'), 'utf8').trim();
      const key = JSON.parse(readFileSync(path.join(ws.group, member, 'service-account.jwk.json'), 'utf8')).privateJwk.d as string;
      for (const value of [secret, Buffer.from(secret).toString('base64'), key]) expect(everything).not.toContain(value);
    }
    for (const value of ['demo-consumer-secret', 'demo-provider-secret', 'Demo-Passw0rd!']) expect(everything).not.toContain(value);
  });
});
