import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvError, loadEnvironment } from '../../../tooling/config/env.js';
import { generateSecret, secretWeakness } from '../../../tooling/config/secret-strength.js';

const created: string[] = [];
const dir = async () => {
  const made = await mkdtemp(path.join(os.tmpdir(), 'env-'));
  created.push(made);
  return made;
};
afterAll(() => Promise.all(created.map((d) => rm(d, { recursive: true, force: true }))));

describe('environment', () => {
  it('uses the local tenant when no tenant is configured', async () => {
    const env = loadEnvironment({ cwd: await dir(), processEnv: {} });
    expect(env.local).toBe(true);
    expect(env.realm).toBe('alpha');
    expect(env.gatewayId).toBe('policy-evaluator');
    expect(env.localTenant.port).toBe(8780);
  });

  it('reads .env then .env.<name>, and the process environment wins', async () => {
    const cwd = await dir();
    await writeFile(path.join(cwd, '.env'), 'AIC_TENANT=dev.example.com\nAIC_REALM=alpha\nAIC_BEARER_TOKEN=t\n');
    await writeFile(path.join(cwd, '.env.staging'), 'AIC_TENANT=staging.example.com\nAIC_REALM=bravo\n');
    const env = loadEnvironment({ cwd, envName: 'staging', processEnv: { AIC_REALM: 'charlie' } });
    expect(env.baseUrl).toBe('https://staging.example.com');
    expect(env.tenantEsvValue).toBe('staging.example.com');
    expect(env.realm).toBe('charlie');
    expect(env.auth).toEqual({ kind: 'bearer', token: 't' });
  });

  it('reports a missing .env.<name>', async () => {
    // dev, staging and prod name the local promotion group when no tenant is configured (test/environments).
    expect(() => loadEnvironment({ cwd: '/', envName: 'qa', processEnv: {} })).toThrow(/--env qa: no file \.env\.qa/);
  });

  it('validates each variable by name without echoing secrets', async () => {
    const secretJwk = JSON.stringify({ kty: 'EC', d: 'very-secret-d', crv: 'P-256' });
    let error: EnvError | undefined;
    try {
      loadEnvironment({ cwd: await dir(), processEnv: { AIC_TENANT: 'x.example.com/path', AIC_SERVICE_ACCOUNT_ID: 'a', AIC_SERVICE_ACCOUNT_JWK: secretJwk, DEPLOY_CONCURRENCY: '0', LOCAL_TENANT_ENGINE: 'v8' } });
    } catch (e) {
      error = e as EnvError;
    }
    expect(error).toBeInstanceOf(EnvError);
    expect(error!.message).toContain('AIC_TENANT: expected a host name or base URL without a path');
    expect(error!.message).toContain('AIC_SERVICE_ACCOUNT_JWK: expected an RSA private key');
    expect(error!.message).toContain('DEPLOY_CONCURRENCY: expected an integer from 1 to 64, got "0"');
    expect(error!.message).toContain('LOCAL_TENANT_ENGINE: expected node or rhino');
    expect(error!.message).not.toContain('very-secret-d');
  });

  it('keeps the gateway secret and the key out of serialisation', async () => {
    const jwk = { kty: 'RSA', n: 'nnn', e: 'AQAB', d: 'private-d-value' };
    const env = loadEnvironment({ cwd: await dir(), processEnv: { AIC_TENANT: 't.example.com', POLICY_GATEWAY_SECRET: 'gw-Secret-Value-0123-4567-abc', AIC_SERVICE_ACCOUNT_ID: 'acct', AIC_SERVICE_ACCOUNT_JWK: JSON.stringify(jwk) } });
    expect(env.gatewaySecret).toBe('gw-Secret-Value-0123-4567-abc');
    expect(env.auth.kind).toBe('service-account');
    for (const text of [JSON.stringify(env), inspect(env, { depth: 5 })]) {
      expect(text).not.toContain('gw-Secret-Value-0123-4567-abc');
      expect(text).not.toContain('private-d-value');
    }
  });
});

describe('the gateway secret must be of real strength', () => {
  it.each([
    ['alpha', /5 characters/],
    ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', /only 1 kind/],
    ['abcdefghijklmnopqrstuvwxyz12', /only 2 kind/],
    ['Ab1Ab1Ab1Ab1Ab1Ab1Ab1Ab1Ab1', /too few distinct/],
  ])('refuses %j, naming the variable and the rule, never the value', async (secret, why) => {
    const cwd = await dir();
    const attempt = () => loadEnvironment({ cwd, processEnv: { AIC_TENANT: 't.example.com', AIC_BEARER_TOKEN: 'b', POLICY_GATEWAY_SECRET: secret } });
    expect(attempt).toThrow(EnvError);
    expect(attempt).toThrow(why);
    expect(attempt).toThrow(/^POLICY_GATEWAY_SECRET: .*at least 24 characters/);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('generated secrets always pass (1,000 of them)', () => {
    for (let i = 0; i < 1000; i++) expect(secretWeakness(generateSecret())).toBeUndefined();
  });
});
