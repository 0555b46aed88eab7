/** The access file: every broken input ends in a clear error naming the file, the path and what was expected. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessFileError, loadAccessConfig } from '../../../tooling/config/access.js';

const created: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'access-'));
  created.push(dir);
  return dir;
}
afterAll(() => Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true }))));

async function problemsOf(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  const error = await loadAccessConfig(dir).then(
    () => undefined,
    (e) => e,
  );
  expect(error, 'expected the configuration to be refused').toBeInstanceOf(AccessFileError);
  return (error as AccessFileError).message;
}

const consumers = JSON.stringify({ consumers: { web: {} } });
const provider = (scopes: unknown) => JSON.stringify({ providers: { orders: { scopes } } });

describe('broken access files', () => {
  it('malformed JSON: file, line and column', async () => {
    const message = await problemsOf({ 'a.json': '{\n  "consumers": {\n    "web": {}\n  ,\n}' });
    expect(message).toMatch(/a\.json: \(document\): invalid JSON at line 5, column 1/);
  });

  it('wrong types', async () => {
    const message = await problemsOf({ 'a.json': JSON.stringify({ consumers: [], providers: { orders: { scopes: { read: { grants: 'web' } } } } }) });
    expect(message).toContain('a.json: consumers: expected an object, got an array');
    expect(message).toContain('a.json: providers.orders.scopes.read.grants: expected an array of conditions, got string "web"');
  });

  it('unknown keys are reported with the allowed ones', async () => {
    const message = await problemsOf({ 'a.json': consumers, 'b.json': provider({ read: { grant: [] } }) });
    expect(message).toContain('b.json: providers.orders.scopes.read.grant: unknown key; allowed keys here: description, grants');
  });

  it('unknown consumer in a grant', async () => {
    const message = await problemsOf({ 'a.json': consumers, 'b.json': provider({ read: { grants: [{ client: 'mobile' }] } }) });
    expect(message).toContain('b.json: providers.orders.scopes.read.grants[0].client: unknown consumer "mobile": declare it under "consumers" first');
  });

  it('duplicate provider across two files names both', async () => {
    const message = await problemsOf({ 'a.json': consumers, 'p/one.json': provider({}), 'p/two.json': provider({}) });
    expect(message).toMatch(/p\/two\.json: providers\.orders: duplicate provider "orders": already defined in .*p\/one\.json/);
  });

  it('duplicate scope (a duplicate JSON key) is not silently merged', async () => {
    const message = await problemsOf({ 'a.json': consumers, 'b.json': '{"providers":{"orders":{"scopes":{"read":{"grants":[]},"read":{"grants":[{"client":"web"}]}}}}}' });
    expect(message).toContain('b.json: providers.orders.scopes.read: duplicate key "read"');
  });

  it.each([
    ['re/ad', 'invalid scope name'],
    ['re ad', 'invalid scope name'],
    ['re"ad', 'invalid scope name'],
  ])('scope name %j is refused', async (name, expected) => {
    const message = await problemsOf({ 'a.json': consumers, 'b.json': provider({ [name]: { grants: [] } }) });
    expect(message).toContain(`providers.orders.scopes.${name}: ${expected}`);
  });

  it('10 000 scopes in one provider', async () => {
    const scopes = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`s${i}`, { grants: [] }]));
    const message = await problemsOf({ 'a.json': consumers, 'b.json': provider(scopes) });
    expect(message).toContain('providers.orders.scopes: 10000 scopes; at most 1000 per provider');
  });

  it('conditions nested too deep', async () => {
    let condition: unknown = { client: 'web' };
    for (let i = 0; i < 12; i++) condition = { allOf: [condition] };
    const message = await problemsOf({ 'a.json': consumers, 'b.json': provider({ read: { grants: [condition] } }) });
    expect(message).toMatch(/grants\[0\](\.allOf\[0\])+: conditions nested deeper than 8 levels/);
  });

  it('non-UTF-8 bytes name the file and position', async () => {
    const bytes = Buffer.concat([Buffer.from('{"consumers": {"w'), Buffer.from([0xff, 0xfe]), Buffer.from('b": {}}}')]);
    const message = await problemsOf({ 'bad.json': bytes });
    expect(message).toMatch(/bad\.json: \(document\): not valid UTF-8: bad byte at line 1, column 18/);
  });

  it('an unknown identity claim in a condition', async () => {
    const message = await problemsOf({ 'a.json': consumers, 'b.json': provider({ read: { grants: [{ claim: 'groups', value: 'x' }] } }) });
    expect(message).toContain('unknown claim "groups": list it in "identityClaims"');
  });

  it('collects several problems at once', async () => {
    const message = await problemsOf({ 'a.json': consumers, 'b.json': provider({ 'a/b': { grants: [{ client: 'x' }] }, ok: { grants: [{ client: 'y' }] } }) });
    expect(message.split('\n').length).toBeGreaterThanOrEqual(3);
  });
});

describe('valid access files', () => {
  it('merges a directory: one file per provider plus consumers', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'consumers.json'), JSON.stringify({ consumers: { web: {} }, identityClaims: ['isMemberOf'] }));
    await writeFile(path.join(dir, 'orders.json'), provider({ read: { grants: [{ client: 'web' }, { claim: 'isMemberOf', value: 'g', client: 'web' }] } }));
    await writeFile(path.join(dir, 'billing.json'), JSON.stringify({ providers: { billing: { scopes: { read: { grants: [{ not: { client: 'web' } }] } } } } }));
    const config = await loadAccessConfig(dir);
    expect(Object.keys(config.providers).sort()).toEqual(['billing', 'orders']);
    expect(config.identityClaims).toEqual(['isMemberOf']);
  });

  it('accepts the repository default (the article)', async () => {
    const config = await loadAccessConfig(path.resolve('access'));
    expect(config.providers.scopeDrivenAPI2Client.scopes.read.grants[0]).toEqual({ client: 'scopeDrivenAPI1Client' });
  });
});
