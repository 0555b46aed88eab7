/** State on disk: built from the seed once, the service-account key generated and kept private, writes survive a restart. */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CoreTenant, REALM, b64, tempStateDir } from './tenant-client.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
async function stateDir(): Promise<string> {
  const temp = await tempStateDir();
  cleanups.push(temp.remove);
  return temp.dir;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const script = (name: string) => ({ name, description: '', script: b64('var kept = true;'), language: 'JAVASCRIPT', context: 'OAUTH2_VALIDATE_SCOPE', evaluatorVersion: '1.0', default: false });

describe('persistence', () => {
  it('keeps written objects across a restart, with the same service account and key', async () => {
    const dir = await stateDir();
    const id = randomUUID();
    const first = await CoreTenant.start({ stateDir: dir });
    const accountId = first.tenant.serviceAccount.id;
    expect((await first.call('PUT', `${REALM}/scripts/${id}`, script('core-persisted'))).status).toBe(201);
    await first.call('PUT', '/environment/variables/esv-core-persisted', { valueBase64: b64('kept'), description: '', expressionType: 'string' });
    await first.close();

    const second = await CoreTenant.start({ stateDir: dir });
    try {
      expect(second.tenant.serviceAccount.id).toBe(accountId);
      // Logging in with the key file written at first start proves the public key was kept too.
      const keyFile = JSON.parse(readFileSync(path.join(dir, 'service-account.jwk.json'), 'utf8'));
      expect(second.tenant.serviceAccount.privateJwk).toEqual(keyFile.privateJwk);
      const read = await second.call('GET', `${REALM}/scripts/${id}`);
      expect(read.status).toBe(200);
      expect(read.body.name).toBe('core-persisted');
      expect((await second.call('GET', '/environment/variables/esv-core-persisted')).body.valueBase64).toBe(b64('kept'));
    } finally {
      await second.close();
    }
  });

  it('writes the private key with mode 0600 and never into state.json', async () => {
    const dir = await stateDir();
    const tenant = await CoreTenant.start({ stateDir: dir });
    await tenant.close();
    const keyPath = path.join(dir, 'service-account.jwk.json');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const key = JSON.parse(readFileSync(keyPath, 'utf8'));
    expect(key.privateJwk).toMatchObject({ kty: 'RSA' });
    expect(typeof key.privateJwk.d).toBe('string');
    const state = readFileSync(path.join(dir, 'state.json'), 'utf8');
    expect(state).not.toContain(key.privateJwk.d);
    expect(state).toContain(key.privateJwk.n); // the public half is there, for verifying assertions
  });

  it('writes state.json (which holds secrets in plain text) with mode 0600, in a folder others cannot read', async () => {
    const dir = path.join(await stateDir(), 'fresh');
    const tenant = await CoreTenant.start({ stateDir: dir });
    await tenant.call('PUT', '/environment/secrets/esv-core-plain', { valueBase64: b64('plain-Secret-in-state-1'), encoding: 'generic', useInPlaceholders: true });
    await tenant.close();
    expect(readFileSync(path.join(dir, 'state.json'), 'utf8')).toContain(b64('plain-Secret-in-state-1'));
    expect(statSync(path.join(dir, 'state.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('narrows an existing state folder and an older world-readable state.json', async () => {
    const dir = await stateDir();
    const first = await CoreTenant.start({ stateDir: dir });
    await first.close();
    chmodSync(dir, 0o755);
    chmodSync(path.join(dir, 'state.json'), 0o644);
    const second = await CoreTenant.start({ stateDir: dir });
    await second.call('PUT', '/environment/variables/esv-core-touch', { valueBase64: b64('x'), description: '', expressionType: 'string' });
    await second.close();
    expect(statSync(path.join(dir, 'state.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o007).toBe(0);
  });

  it('keeps a state folder shared with the group as it is for the group, closed to others', async () => {
    const dir = path.join(await stateDir(), 'group');
    mkdirSync(dir);
    chmodSync(dir, 0o775);
    const tenant = await CoreTenant.start({ stateDir: dir });
    await tenant.close();
    expect(statSync(dir).mode & 0o777).toBe(0o770);
  });

  it('completes a state saved by an earlier version: the root realm and the environment info come from the seed', async () => {
    const dir = await stateDir();
    const first = await CoreTenant.start({ stateDir: dir });
    await first.close();
    const saved = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8'));
    delete saved.realms[''];
    delete saved.environmentInfo;
    writeFileSync(path.join(dir, 'state.json'), JSON.stringify(saved));
    const second = await CoreTenant.start({ stateDir: dir });
    try {
      const login = await second.send('POST', '/am/json/realms/root/authenticate', { body: '{}', headers: { 'content-type': 'application/json', 'x-openam-username': 'amadmin', 'x-openam-password': 'Admin-Passw0rd!' } });
      expect(login.status).toBe(200);
      expect((await second.call('GET', '/environment/info')).body.tier).toBe('development');
    } finally {
      await second.close();
    }
  });

  it('saves soon after a write, before close (debounced)', async () => {
    const dir = await stateDir();
    const tenant = await CoreTenant.start({ stateDir: dir });
    try {
      const id = randomUUID();
      await tenant.call('PUT', `${REALM}/scripts/${id}`, script('core-debounced'));
      let saved = false;
      for (let i = 0; i < 40 && !saved; i++) {
        await sleep(25);
        saved = readFileSync(path.join(dir, 'state.json'), 'utf8').includes(id);
      }
      expect(saved).toBe(true);
    } finally {
      await tenant.close();
    }
  });

  it('keeps the state when only the key file is lost, with a new key that works', async () => {
    const dir = await stateDir();
    const id = randomUUID();
    const first = await CoreTenant.start({ stateDir: dir });
    await first.call('PUT', `${REALM}/scripts/${id}`, script('core-key-lost'));
    const oldKey = first.tenant.serviceAccount.privateJwk;
    await first.close();
    unlinkSync(path.join(dir, 'service-account.jwk.json'));
    const second = await CoreTenant.start({ stateDir: dir });
    try {
      expect(second.tenant.serviceAccount.privateJwk.n).not.toBe(oldKey.n);
      expect((await second.call('GET', `${REALM}/scripts/${id}`)).status).toBe(200);
      expect(statSync(path.join(dir, 'service-account.jwk.json')).mode & 0o777).toBe(0o600);
    } finally {
      await second.close();
    }
  });

  it('generates a fresh key per memory-only tenant and writes nothing', async () => {
    const a = await CoreTenant.start();
    const b = await CoreTenant.start();
    try {
      expect(a.tenant.serviceAccount.privateJwk.d).toBeTruthy();
      expect(a.tenant.serviceAccount.privateJwk.n).not.toBe(b.tenant.serviceAccount.privateJwk.n);
      expect(a.tenant.context.options.stateDir).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('starts from the seed: realm alpha, the article clients, the dynamic scopes client, the demo user, the PasswordGrant journey and AM\'s scope built-ins', async () => {
    const tenant = await CoreTenant.start();
    try {
      const alpha = tenant.state.realms.alpha;
      expect(Object.keys(alpha.oauth2Clients).sort()).toEqual(['dynamicScopesClient', 'scopeDrivenAPI1Client', 'scopeDrivenAPI2Client']);
      expect(Object.values(alpha.resourceTypes).map((t) => [t.name, t.uuid])).toEqual([['OAuth2 Scope', 'd60b7a71-1dc6-44a5-8e48-e4b9d92dee8b']]);
      expect(alpha.policySets.oauth2Scopes).toMatchObject({ resourceTypeUuids: ['d60b7a71-1dc6-44a5-8e48-e4b9d92dee8b'], entitlementCombiner: 'DenyOverride' });
      expect(Object.values(alpha.users).map((u) => u.username)).toEqual(['demo']);
      expect(Object.values(alpha.users)[0]._id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(alpha.trees.PasswordGrant).toBeDefined();
      expect(Object.values(alpha.nodes).map((n) => n.type).sort()).toEqual(['DataStoreDecisionNode', 'PageNode', 'ValidatedPasswordNode', 'ValidatedUsernameNode']);
      const account = tenant.state.serviceAccounts[tenant.tenant.serviceAccount.id];
      expect(account.scopes).toEqual(['fr:am:*', 'fr:idc:esv:*']);
      expect(account.publicJwk).not.toHaveProperty('d');
    } finally {
      await tenant.close();
    }
  });
});
