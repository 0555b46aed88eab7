/**
 * Strict like AIC (issue 12): scripts see an ESV only once a restart has loaded it, and a secret
 * only when it was created usable in placeholders; a restart takes its while (with AIC's stale
 * `ready` right after the POST), refuses a second restart and ESV writes while it runs, and loads
 * values when it ends. Each test fails against the lenient tenant this replaced (values visible at
 * once, any secret visible, restart accepted at any time).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { esvProperties } from '../../../tenant/esv-properties.js';
import { CoreTenant, b64, sleep, tempStateDir } from './tenant-client.js';

const API = { headers: { 'accept-api-version': 'protocol=1.0,resource=1.0' } };
const started: CoreTenant[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (started.length) await started.pop()!.close();
  while (cleanups.length) await cleanups.pop()!();
});
async function tenant(options: Parameters<typeof CoreTenant.start>[0] = {}): Promise<CoreTenant> {
  const core = await CoreTenant.start({ restartSeconds: 0.1, ...options });
  started.push(core);
  return core;
}
const putVariable = (core: CoreTenant, id: string, value: string) => core.call('PUT', `/environment/variables/${id}`, { valueBase64: b64(value), description: '', expressionType: 'string' }, API);
const putSecret = (core: CoreTenant, id: string, value: string, useInPlaceholders?: boolean) =>
  core.call('PUT', `/environment/secrets/${id}`, { valueBase64: b64(value), description: '', encoding: 'generic', ...(useInPlaceholders === undefined ? {} : { useInPlaceholders }) }, API);
const status = async (core: CoreTenant) => (await core.call('GET', '/environment/startup', undefined, API)).body.restartStatus;

describe('what scripts see (systemEnv)', () => {
  it('a new variable only after a restart has loaded it', async () => {
    const core = await tenant();
    await putVariable(core, 'esv-load-colour', 'blue');
    expect(esvProperties(core.state)).not.toHaveProperty(['esv.load.colour']);
    await core.restart();
    expect(esvProperties(core.state)['esv.load.colour']).toBe('blue');
  });

  it('a changed variable keeps its loaded value until the next restart', async () => {
    const core = await tenant();
    await putVariable(core, 'esv-load-colour', 'blue');
    await core.restart();
    await putVariable(core, 'esv-load-colour', 'green');
    expect((await core.call('GET', '/environment/variables/esv-load-colour', undefined, API)).body).toMatchObject({ valueBase64: b64('green'), loaded: false });
    expect(esvProperties(core.state)['esv.load.colour']).toBe('blue');
    await core.restart();
    expect(esvProperties(core.state)['esv.load.colour']).toBe('green');
  });

  it('a secret created with useInPlaceholders: true, after a restart; its new version only after the next', async () => {
    const core = await tenant();
    expect((await putSecret(core, 'esv-load-usable', 'one', true)).status).toBe(200);
    expect(esvProperties(core.state)).not.toHaveProperty(['esv.load.usable']);
    await core.restart();
    expect(esvProperties(core.state)['esv.load.usable']).toBe('one');
    await core.call('POST', '/environment/secrets/esv-load-usable/versions?_action=create', { valueBase64: b64('two') }, API);
    expect(esvProperties(core.state)['esv.load.usable']).toBe('one');
    await core.restart();
    expect(esvProperties(core.state)['esv.load.usable']).toBe('two');
  });

  it('never a secret created with useInPlaceholders: false (or without the flag), restart or not', async () => {
    const core = await tenant();
    await putSecret(core, 'esv-load-label', 'signing-key', false);
    await putSecret(core, 'esv-load-unflagged', 'other');
    expect((await core.call('GET', '/environment/secrets/esv-load-unflagged', undefined, API)).body.useInPlaceholders).toBe(false);
    await core.restart();
    const properties = esvProperties(core.state);
    expect(properties).not.toHaveProperty(['esv.load.label']);
    expect(properties).not.toHaveProperty(['esv.load.unflagged']);
    expect((await core.call('GET', '/environment/secrets/esv-load-label', undefined, API)).body).toMatchObject({ loaded: true, useInPlaceholders: false });
  });

  it('refuses a useInPlaceholders that is not a boolean', async () => {
    const core = await tenant();
    const answer = await core.call('PUT', '/environment/secrets/esv-load-odd', { valueBase64: b64('x'), encoding: 'generic', useInPlaceholders: 'true' }, API);
    expect(answer.status).toBe(400);
  });
});

describe('a restart', () => {
  it('takes restartSeconds: restarting until then, ready after, and values load only at the end', async () => {
    const core = await tenant({ restartSeconds: 0.4, restartStaleSeconds: 0 });
    await putVariable(core, 'esv-load-slow', 'value');
    await core.call('POST', '/environment/startup?_action=restart', undefined, API);
    await sleep(200);
    expect(await status(core)).toBe('restarting');
    expect(esvProperties(core.state)).not.toHaveProperty(['esv.load.slow']);
    expect((await core.call('GET', '/environment/variables/esv-load-slow', undefined, API)).body.loaded).toBe(false);
    await sleep(300);
    expect(await status(core)).toBe('ready');
    expect(esvProperties(core.state)['esv.load.slow']).toBe('value');
  });

  it('reads the stale `ready` right after the POST, then restarting, then ready (values still pending during the stale ready)', async () => {
    const core = await tenant({ restartSeconds: 0.6, restartStaleSeconds: 0.2 });
    await putVariable(core, 'esv-load-stale', 'value');
    expect((await core.call('POST', '/environment/startup?_action=restart', undefined, API)).body).toEqual({ restartStatus: 'restarting' });
    expect(await status(core)).toBe('ready');
    expect(esvProperties(core.state)).not.toHaveProperty(['esv.load.stale']);
    await sleep(300);
    expect(await status(core)).toBe('restarting');
    await sleep(400);
    expect(await status(core)).toBe('ready');
    expect(esvProperties(core.state)['esv.load.stale']).toBe('value');
  });

  it('defaults the stale window to a quarter of the restart', async () => {
    const core = await tenant({ restartSeconds: 0.8 });
    await core.call('POST', '/environment/startup?_action=restart', undefined, API);
    expect(await status(core)).toBe('ready');
    await sleep(350);
    expect(await status(core)).toBe('restarting');
  });

  it('refuses a second restart while one runs (409), also during the stale ready, and accepts one after', async () => {
    const core = await tenant({ restartSeconds: 0.3, restartStaleSeconds: 0.1 });
    expect((await core.call('POST', '/environment/startup?_action=restart', undefined, API)).status).toBe(200);
    const duringStale = await core.call('POST', '/environment/startup?_action=restart', undefined, API);
    expect(duringStale.status).toBe(409);
    expect(duringStale.body).toMatchObject({ code: 409, reason: 'Conflict' });
    await sleep(150);
    expect((await core.call('POST', '/environment/startup?_action=restart', undefined, API)).status).toBe(409);
    await sleep(250);
    expect((await core.call('POST', '/environment/startup?_action=restart', undefined, API)).status).toBe(200);
  });

  it('refuses ESV writes while it runs (409) and changes nothing; reads still work', async () => {
    const core = await tenant({ restartSeconds: 0.3 });
    await putVariable(core, 'esv-load-frozen', 'before');
    await putSecret(core, 'esv-load-frozen-secret', 'v1', true);
    await core.call('POST', '/environment/startup?_action=restart', undefined, API);
    const writes = [
      await putVariable(core, 'esv-load-frozen', 'after'),
      await putVariable(core, 'esv-load-new', 'x'),
      await core.call('DELETE', '/environment/variables/esv-load-frozen', undefined, API),
      await putSecret(core, 'esv-load-new-secret', 'x', true),
      await core.call('POST', '/environment/secrets/esv-load-frozen-secret/versions?_action=create', { valueBase64: b64('v2') }, API),
      await core.call('POST', '/environment/secrets/esv-load-frozen-secret?_action=setDescription', { description: 'd' }, API),
      await core.call('DELETE', '/environment/secrets/esv-load-frozen-secret', undefined, API),
    ];
    expect(writes.map((w) => w.status)).toEqual([409, 409, 409, 409, 409, 409, 409]);
    expect((await core.call('GET', '/environment/variables/esv-load-frozen', undefined, API)).body.valueBase64).toBe(b64('before'));
    expect((await core.call('GET', '/environment/variables/esv-load-new', undefined, API)).status).toBe(404);
    expect((await core.call('GET', '/environment/secrets/esv-load-frozen-secret/versions', undefined, API)).body).toHaveLength(1);
  });

  it('running when the process stopped has completed at the next start: its values are loaded', async () => {
    const temp = await tempStateDir();
    cleanups.push(temp.remove);
    const first = await CoreTenant.start({ stateDir: temp.dir, restartSeconds: 60 });
    await putVariable(first, 'esv-load-across', 'kept');
    await first.call('POST', '/environment/startup?_action=restart', undefined, API);
    await first.close();
    const second = await tenant({ stateDir: temp.dir });
    expect(await status(second)).toBe('ready');
    expect(esvProperties(second.state)['esv.load.across']).toBe('kept');
  });
});
