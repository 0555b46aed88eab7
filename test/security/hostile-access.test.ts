/**
 * A corpus of hostile access files, each run through the CLI's deploy against a tenant: every one is
 * refused with a clear error naming the file (and the field, line and column where there is one),
 * exit code 3, and not one request reaches the tenant.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../tooling/cli/main.js';
import { serviceAccountAuth } from '../../tooling/rest/auth.js';
import { startHarness, type Harness } from '../helpers/local-tenant.js';

let harness: Harness;
let bearer: string;
let root: string;
beforeAll(async () => {
  harness = await startHarness();
  bearer = (await serviceAccountAuth({ tokenUrl: `${harness.tenant.url}/am/oauth2/access_token`, accountId: harness.tenant.serviceAccount.id, jwk: harness.tenant.serviceAccount.privateJwk }).header()).replace('Bearer ', '');
  root = await mkdtemp(path.join(os.tmpdir(), 'hostile-'));
});
afterAll(async () => {
  await harness.close();
  await rm(root, { recursive: true, force: true });
});

const consumers = '{ "consumers": { "web": {} } }';
const provider = (body: string) => `{ "providers": { ${body} } }`;

/** Runs `deploy --access <folder>` in this process against the harness; returns the exit code and stderr. */
async function deployFolder(setup: (dir: string) => Promise<void>): Promise<{ code: number; stderr: string; requests: number }> {
  const dir = await mkdtemp(path.join(root, 'case-'));
  await setup(dir);
  const saved = { ...process.env };
  Object.assign(process.env, { AIC_TENANT: harness.tenant.url, AIC_BEARER_TOKEN: bearer, POLICY_GATEWAY_SECRET: 'Hostile-Corpus-Secret-0123-xyz' });
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const before = harness.tenant.context.runtime.counters.requests;
  try {
    const code = await runCli(['node', 'main.ts', 'deploy', '--access', dir, '--no-demo']);
    return { code, stderr, requests: harness.tenant.context.runtime.counters.requests - before };
  } finally {
    spy.mockRestore();
    process.env = saved;
  }
}

const files = (entries: Record<string, string | Buffer>) => async (dir: string) => {
  for (const [name, content] of Object.entries(entries)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
};

const CORPUS: [string, (dir: string) => Promise<void>, RegExp][] = [
  ['a wildcard scope', files({ 'a.json': consumers, 'p.json': provider('"wildApi": { "scopes": { "*": { "grants": [{ "client": "web" }] } } }') }), /p\.json: providers\.wildApi\.scopes\.\*: invalid scope name/],
  ['a scope that is a pattern', files({ 'a.json': consumers, 'p.json': provider('"api": { "scopes": { "read*": { "grants": [{ "client": "web" }] } } }') }), /p\.json: providers\.api\.scopes\.read\*: invalid scope name/],
  ['a wildcard provider', files({ 'a.json': consumers, 'p.json': provider('"-*-": { "scopes": {} }') }), /p\.json: providers\.-\*-: invalid provider id/],
  ['characters AIC forbids in policy names', files({ 'a.json': consumers, 'p.json': provider('"api": { "scopes": { "a,b": { "grants": [] }, "c;d": { "grants": [] }, "e=f": { "grants": [] }, "g+h": { "grants": [] } } }') }), /scopes\.a,b: invalid scope name[\s\S]*scopes\.c;d[\s\S]*scopes\.e=f[\s\S]*scopes\.g\+h/],
  ['scopes that differ only by case', files({ 'a.json': consumers, 'p.json': provider('"api": { "scopes": { "read": { "grants": [] }, "READ": { "grants": [] } } }') }), /p\.json: providers\.api\.scopes\.READ: scope "READ" differs from scope "read" \(providers\.api\.scopes\.read\) only by case/],
  ['providers that differ only by case, in two files', files({ 'a.json': consumers, 'one.json': provider('"Orders": { "scopes": {} }'), 'two.json': provider('"orders": { "scopes": {} }') }), /two\.json: providers\.orders: provider "orders" differs from provider "Orders" \(.*one\.json: providers\.Orders\) only by case/],
  ['a top-level __proto__ with providers inside', files({ 'a.json': consumers, 'p.json': '{ "__proto__": { "providers": { "hiddenApi": { "scopes": { "read": { "grants": [{ "client": "web" }] } } } } } }' }), /p\.json: __proto__: reserved key "__proto__" \(line 1, column \d+\)/],
  ['constructor under providers', files({ 'a.json': consumers, 'p.json': '{\n  "providers": {\n    "constructor": { "scopes": {} }\n  }\n}' }), /p\.json: providers\.constructor: reserved key "constructor" \(line 3, column \d+\)/],
  ['__proto__ inside a condition', files({ 'a.json': consumers, 'p.json': provider('"api": { "scopes": { "read": { "grants": [{ "client": "web", "__proto__": { "not": { "client": "web" } } }] } } }') }), /p\.json: providers\.api\.scopes\.read\.grants\[0\]\.__proto__: reserved key "__proto__"/],
  ['prototype as a scope', files({ 'a.json': consumers, 'p.json': provider('"api": { "scopes": { "prototype": { "grants": [] } } }') }), /reserved key "prototype"/],
  ['a provider named .', files({ 'a.json': consumers, 'p.json': provider('".": { "scopes": {} }') }), /p\.json: providers\.\.: invalid provider id: expected .*not only dots/],
  ['a scope named ..', files({ 'a.json': consumers, 'p.json': provider('"api": { "scopes": { "..": { "grants": [] } } }') }), /p\.json: providers\.api\.scopes\.\.\.: invalid scope name/],
  ['a description of 50 MB', files({ 'a.json': consumers, 'p.json': provider(`"api": { "description": "${'x'.repeat(50 * 1024 * 1024)}", "scopes": {} }`) }), /p\.json: \(document\): 52428\d+ bytes; an access file may have at most 10485760/],
  ['a description longer than AM takes', files({ 'a.json': consumers, 'p.json': provider(`"api": { "description": "${'x'.repeat(5000)}", "scopes": {} }`) }), /p\.json: providers\.api\.description: 5000 characters; at most 1000/],
  ['a FIFO named like an access file', async (dir) => {
    await files({ 'a.json': consumers })(dir);
    execFileSync('mkfifo', [path.join(dir, 'pipe.json')]);
  }, /pipe\.json: \(document\): not a regular file \(a FIFO, socket or device is never read\)/],
  ['a folder named x.json', async (dir) => {
    await files({ 'a.json': consumers, 'x.json/inner.json': consumers })(dir);
  }, /x\.json: \(document\): a folder named like an access file/],
  ['a symbolic link loop', async (dir) => {
    await files({ 'a.json': consumers })(dir);
    await symlink(path.join(dir, 'loop-b.json'), path.join(dir, 'loop-a.json'));
    await symlink(path.join(dir, 'loop-a.json'), path.join(dir, 'loop-b.json'));
  }, /loop-a\.json: \(document\): a symbolic link loop/],
];

describe('hostile access files', () => {
  it.each(CORPUS)('%s: refused with a clear error, exit 3, no request sent', async (_name, setup, expected) => {
    const { code, stderr, requests } = await deployFolder(setup);
    expect(stderr).toMatch(expected);
    expect(code).toBe(3);
    expect(requests).toBe(0);
    // One clear error per problem, not forty copies of it.
    const lines = stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('a folder linked back into itself is read once: no loop, no duplicate definitions', async () => {
    const dir = await mkdtemp(path.join(root, 'selflink-'));
    await files({ 'a.json': consumers, 'sub/p.json': provider('"api": { "scopes": {} }') })(dir);
    await symlink(dir, path.join(dir, 'sub', 'back'));
    const { loadAccessConfig } = await import('../../tooling/config/access.js');
    expect(Object.keys((await loadAccessConfig(dir)).providers)).toEqual(['api']);
  });
});
