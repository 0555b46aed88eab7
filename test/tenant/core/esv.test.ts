/** ESVs: variables (type immutable), secrets (never readable, versions), pending → restart → loaded, systemEnv view. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esvProperties } from '../../../tenant/esv-properties.js';
import { CoreTenant, allStrings, b64 } from './tenant-client.js';

let core: CoreTenant;
beforeAll(async () => {
  core = await CoreTenant.start({ restartSeconds: 0.1 });
});
afterAll(() => core.close());

const API = { headers: { 'accept-api-version': 'protocol=1.0,resource=1.0' } };
const restartAndWait = () => core.restart();

describe('ESV variables', () => {
  it('creates and updates with PUT, reads, lists and deletes', async () => {
    const put = await core.call('PUT', '/environment/variables/esv-core-colour', { valueBase64: b64('blue'), description: 'a colour', expressionType: 'string' }, API);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ _id: 'esv-core-colour', valueBase64: b64('blue'), expressionType: 'string', loaded: false });
    await core.call('PUT', '/environment/variables/esv-core-colour', { valueBase64: b64('green'), description: 'a colour', expressionType: 'string' }, API);
    expect((await core.call('GET', '/environment/variables/esv-core-colour', undefined, API)).body.valueBase64).toBe(b64('green'));
    const listed = await core.call('GET', '/environment/variables', undefined, API);
    expect(listed.body.result.map((v: { _id: string }) => v._id)).toContain('esv-core-colour');
    expect(listed.body).toMatchObject({ pagedResultsCookie: null, totalPagedResultsPolicy: 'NONE' });
    expect((await core.call('DELETE', '/environment/variables/esv-core-colour', undefined, API)).status).toBe(200);
    expect((await core.call('GET', '/environment/variables/esv-core-colour', undefined, API)).status).toBe(404);
  });

  it('answers a missing variable with the recorded 404 body', async () => {
    const answer = await core.call('GET', '/environment/variables/esv-core-nothing', undefined, API);
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 404, message: 'The variable does not exist' });
  });

  it('refuses to change the expression type of an existing variable (400) and keeps it', async () => {
    await core.call('PUT', '/environment/variables/esv-core-flag', { valueBase64: b64('true'), description: '', expressionType: 'bool' }, API);
    const changed = await core.call('PUT', '/environment/variables/esv-core-flag', { valueBase64: b64('x'), description: '', expressionType: 'string' }, API);
    expect(changed.status).toBe(400);
    expect(changed.body.message).toContain('esv-core-flag');
    const read = await core.call('GET', '/environment/variables/esv-core-flag', undefined, API);
    expect(read.body).toMatchObject({ expressionType: 'bool', valueBase64: b64('true') });
  });

  it('refuses ids outside ^esv-[a-z0-9_-]{1,124}$', async () => {
    expect((await core.call('PUT', '/environment/variables/ESV-Upper', { valueBase64: b64('x'), expressionType: 'string' }, API)).status).toBe(400);
  });
});

describe('ESV secrets', () => {
  it('creates with PUT, refuses a second PUT (400), and never returns a value', async () => {
    const created = await core.call('PUT', '/environment/secrets/esv-core-secret', { valueBase64: b64('s3cret-Value-1'), description: 'd', encoding: 'generic', useInPlaceholders: true }, API);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ _id: 'esv-core-secret', activeVersion: '1', loaded: false, encoding: 'generic' });
    const again = await core.call('PUT', '/environment/secrets/esv-core-secret', { valueBase64: b64('other'), description: 'd', encoding: 'generic', useInPlaceholders: true }, API);
    expect(again.status).toBe(400);
    const answers = [created, again, await core.call('GET', '/environment/secrets/esv-core-secret', undefined, API), await core.call('GET', '/environment/secrets', undefined, API), await core.call('GET', '/environment/secrets/esv-core-secret/versions', undefined, API)];
    for (const answer of answers) {
      expect(allStrings(answer.body)).not.toContain(b64('s3cret-Value-1'));
      expect(answer.text).not.toContain('valueBase64');
    }
  });

  it('adds versions, lists them as a bare array (newest first), and sets the description', async () => {
    await core.call('PUT', '/environment/secrets/esv-core-versioned', { valueBase64: b64('v1'), description: 'first', encoding: 'generic', useInPlaceholders: false }, API);
    const version = await core.call('POST', '/environment/secrets/esv-core-versioned/versions?_action=create', { valueBase64: b64('v2') }, API);
    expect(version.status).toBe(200);
    expect(version.body).toMatchObject({ version: '2', status: 'ENABLED', loaded: false });
    const versions = await core.call('GET', '/environment/secrets/esv-core-versioned/versions', undefined, API);
    expect(Array.isArray(versions.body)).toBe(true);
    expect(versions.body.map((v: { version: string }) => v.version)).toEqual(['2', '1']);
    expect((await core.call('GET', '/environment/secrets/esv-core-versioned', undefined, API)).body.activeVersion).toBe('2');
    expect((await core.call('POST', '/environment/secrets/esv-core-versioned?_action=setDescription', { description: 'second' }, API)).status).toBe(200);
    expect((await core.call('GET', '/environment/secrets/esv-core-versioned', undefined, API)).body.description).toBe('second');
  });

  it('answers a missing secret with the recorded 404 body, also for its versions', async () => {
    const answer = await core.call('GET', '/environment/secrets/esv-core-none', undefined, API);
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 404, message: 'The secret does not exist or does not have a version' });
    expect((await core.call('POST', '/environment/secrets/esv-core-none/versions?_action=create', { valueBase64: b64('x') }, API)).status).toBe(404);
  });

  it('deletes a secret', async () => {
    await core.call('PUT', '/environment/secrets/esv-core-doomed', { valueBase64: b64('x'), description: '', encoding: 'generic', useInPlaceholders: false }, API);
    expect((await core.call('DELETE', '/environment/secrets/esv-core-doomed', undefined, API)).status).toBe(200);
    expect((await core.call('GET', '/environment/secrets/esv-core-doomed', undefined, API)).status).toBe(404);
  });
});

describe('restart', () => {
  it('keeps writes pending until a restart completes, then loaded', async () => {
    await core.call('PUT', '/environment/variables/esv-core-pending', { valueBase64: b64('1'), description: '', expressionType: 'int' }, API);
    await core.call('PUT', '/environment/secrets/esv-core-pending-secret', { valueBase64: b64('p'), description: '', encoding: 'generic', useInPlaceholders: false }, API);
    expect((await core.call('GET', '/environment/variables/esv-core-pending', undefined, API)).body.loaded).toBe(false);
    await restartAndWait();
    expect((await core.call('GET', '/environment/variables/esv-core-pending', undefined, API)).body.loaded).toBe(true);
    const secret = (await core.call('GET', '/environment/secrets/esv-core-pending-secret', undefined, API)).body;
    expect(secret).toMatchObject({ loaded: true, loadedVersion: secret.activeVersion });
    // A new write makes it pending again.
    await core.call('PUT', '/environment/variables/esv-core-pending', { valueBase64: b64('2'), description: '', expressionType: 'int' }, API);
    expect((await core.call('GET', '/environment/variables/esv-core-pending', undefined, API)).body.loaded).toBe(false);
    await restartAndWait();
  });

  it('allows a restart with nothing pending', async () => {
    await restartAndWait();
    await restartAndWait();
  });

  it('reports restarting while the restart runs', async () => {
    const slow = await CoreTenant.start({ restartSeconds: 5, restartStaleSeconds: 0 });
    try {
      expect((await slow.call('POST', '/environment/startup?_action=restart', undefined, API)).body).toEqual({ restartStatus: 'restarting' });
      expect((await slow.call('GET', '/environment/startup', undefined, API)).body).toEqual({ restartStatus: 'restarting' });
    } finally {
      await slow.close();
    }
  });
});

describe('esvProperties', () => {
  it('maps esv-a-b to esv.a.b with decoded values once loaded: variables and the loaded secret version', async () => {
    await core.call('PUT', '/environment/variables/esv-core-map-var', { valueBase64: b64('hello world'), description: '', expressionType: 'string' }, API);
    await core.call('PUT', '/environment/secrets/esv-core-map-secret', { valueBase64: b64('one'), description: '', encoding: 'generic', useInPlaceholders: true }, API);
    await core.call('POST', '/environment/secrets/esv-core-map-secret/versions?_action=create', { valueBase64: b64('two') }, API);
    await restartAndWait();
    const properties = esvProperties(core.state);
    expect(properties['esv.core.map.var']).toBe('hello world');
    expect(properties['esv.core.map.secret']).toBe('two');
    expect(properties).not.toHaveProperty('esv-core-map-var');
  });
});
