/**
 * Which tenant `--env <name>` addresses: with no tenant configured, dev, staging and prod are the
 * members of the local promotion group (own folder, own port); a `.env.<name>` naming a real
 * tenant still wins; a tenant named in `.env` is never deployed to under a missing environment's
 * name. And the local entry point opens the member in its place of the chain, and refuses to join
 * a tenant on that port that is not the one asked for.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../tooling/config/env.js';
import { openLocalTenant } from '../../tooling/local/tenant.js';
import { startTenant } from '../../tenant/server.js';
import { groupMember } from '../../tenant/promotion/layout.js';

const made: string[] = [];
const dir = async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), 'env-select-'));
  made.push(d);
  return d;
};
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

describe('--env with no tenant configured', () => {
  it('names a member of the local promotion group: its own folder and port', async () => {
    const cwd = await dir();
    for (const [name, offset] of [['dev', 0], ['staging', 1], ['prod', 2]] as const) {
      const env = loadEnvironment({ cwd, envName: name, processEnv: {} });
      expect(env.local).toBe(true);
      expect(env.localTenant).toMatchObject({ port: 8780 + offset, stateDir: path.join(cwd, '.local-tenant', name), group: { name, root: path.join(cwd, '.local-tenant') } });
    }
    // Without --env: the standalone tenant, as before.
    expect(loadEnvironment({ cwd, processEnv: {} }).localTenant).toEqual({ port: 8780, stateDir: path.join(cwd, '.local-tenant'), engine: expect.any(String) });
  });

  it('derives the ports from LOCAL_TENANT_PORT, unless the environment’s own file sets its port', async () => {
    const cwd = await dir();
    expect(loadEnvironment({ cwd, envName: 'prod', processEnv: { LOCAL_TENANT_PORT: '9000', LOCAL_TENANT_DIR: 'group' } }).localTenant).toMatchObject({ port: 9002, stateDir: path.join(cwd, 'group', 'prod') });
    await writeFile(path.join(cwd, '.env.staging'), 'LOCAL_TENANT_PORT=9100\n');
    expect(loadEnvironment({ cwd, envName: 'staging', processEnv: {} }).localTenant.port).toBe(9100);
    // Port 0 stays "any free port".
    expect(loadEnvironment({ cwd, envName: 'staging', processEnv: { LOCAL_TENANT_PORT: '0' } }).localTenant.port).toBe(0);
  });

  it('lets a .env.<name> that configures a real tenant win', async () => {
    const cwd = await dir();
    await writeFile(path.join(cwd, '.env.staging'), 'AIC_TENANT=staging.example.com\nAIC_BEARER_TOKEN=t\n');
    const env = loadEnvironment({ cwd, envName: 'staging', processEnv: {} });
    expect(env.local).toBe(false);
    expect(env.baseUrl).toBe('https://staging.example.com');
  });

  it('never deploys the tenant named in .env under another environment’s name', async () => {
    const cwd = await dir();
    await writeFile(path.join(cwd, '.env'), 'AIC_TENANT=dev.example.com\nAIC_BEARER_TOKEN=t\n');
    expect(() => loadEnvironment({ cwd, envName: 'prod', processEnv: {} })).toThrow(/--env prod: no file \.env\.prod/);
  });

  it('checks LOCAL_TENANT_DIRECT_CONFIGURATION', async () => {
    const cwd = await dir();
    expect(loadEnvironment({ cwd, envName: 'staging', processEnv: { LOCAL_TENANT_DIRECT_CONFIGURATION: 'true' } }).localTenant.directConfiguration).toBe(true);
    expect(() => loadEnvironment({ cwd, envName: 'staging', processEnv: { LOCAL_TENANT_DIRECT_CONFIGURATION: 'yes' } })).toThrow(/LOCAL_TENANT_DIRECT_CONFIGURATION: expected true or false, got "yes"/);
  });
});

describe('opening a member of the group', () => {
  it('starts it in its place of the chain (tier, immutability) and joins only the member asked for', async () => {
    const root = await dir();
    const staging = groupMember(root, 'staging', 0);
    const opened = await openLocalTenant(staging.stateDir, 0, 'node', { group: { name: 'staging', root } });
    try {
      expect(opened.tier).toBe('staging');
      expect(opened.inProcess).toBe(true);
    } finally {
      await opened.close();
    }
    // `npm run tenant -- --env staging` already serves staging on a port: the tool joins it.
    const served = await startTenant({ port: 0, stateDir: staging.stateDir, engine: 'node', environment: staging.environment });
    try {
      const joined = await openLocalTenant(staging.stateDir, served.port, 'node', { group: { name: 'staging', root } });
      expect(joined.inProcess).toBe(false);
      expect(joined.url).toBe(served.url);
      // Asked for prod on staging's port (prod's folder holding a key of its own): refused.
      const prod = groupMember(root, 'prod', 0);
      const prodTenant = await startTenant({ port: 0, stateDir: prod.stateDir, engine: 'node', environment: prod.environment });
      await prodTenant.close();
      await expect(openLocalTenant(prod.stateDir, served.port, 'node', { group: { name: 'prod', root } })).rejects.toThrow(/not the one whose state is in .*prod/);
      // Asked for the standalone tenant, whose folder holds staging's key: the tier gives it away.
      await expect(openLocalTenant(staging.stateDir, served.port, 'node', { group: { name: 'dev', root } })).rejects.toThrow(/answers for staging, not development/);
    } finally {
      await served.close();
    }
  });
});
