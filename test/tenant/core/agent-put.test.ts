/**
 * An Identity Gateway agent PUT as AM takes it (issue 12): settings wrapped `{inherited, value}`
 * (a flat value — the list's shape — is refused, 400, nothing changes), and the PUT replaces the
 * whole agent: what it leaves out returns to its default (a console setting is lost unless the
 * client read the agent and wrote it back whole). The password alone is write-only and kept.
 * Against a tenant that unwrapped flat values silently, a tool sending them would pass locally and
 * break on AIC; against one that merged PUTs, a tool that writes only its own fields would never
 * learn it resets the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recording } from '../../helpers/recordings.js';
import { CoreTenant, REALM } from './tenant-client.js';

let core: CoreTenant;
beforeAll(async () => {
  core = await CoreTenant.start();
});
afterAll(() => core.close());

const API = { headers: { 'accept-api-version': 'protocol=2.1,resource=1.0' } };
const AGENTS = `${REALM}/realm-config/agents/IdentityGatewayAgent`;
const wrapped = (value: unknown) => ({ inherited: false, value });
const stored = (id: string) => core.state.realms.alpha.igAgents[id];

describe('IG agent PUT', () => {
  it('accepts the recorded (wrapped) PUT', async () => {
    const [exchange] = recording('ig-agent.put');
    const answer = await core.call('PUT', `${AGENTS}/recorded-agent`, { ...(exchange.request.body as object), userpassword: 'Recorded-Agent-Secret-1' }, API);
    expect(answer.status).toBe(201);
  });

  it.each([
    ['status', 'Active'],
    ['igTokenIntrospection', 'Realm'],
    ['igCdssoRedirectUrls', []],
    ['status', null],
    ['status', { value: 'Active' }],
  ])('refuses a flat value for %s (%j) with 400 and changes nothing', async (key, value) => {
    const id = `flat-${key}`;
    await core.call('PUT', `${AGENTS}/${id}`, { userpassword: 'Flat-Agent-Secret-1', status: wrapped('Inactive'), igTokenIntrospection: wrapped('None') }, API);
    const before = JSON.stringify(stored(id));
    const answer = await core.call('PUT', `${AGENTS}/${id}`, { status: wrapped('Active'), [key]: value }, API);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 400, reason: 'Bad Request' });
    expect(answer.body.message).toContain(key);
    expect(JSON.stringify(stored(id))).toBe(before);
  });

  it('replaces the whole agent: omitted settings return to their defaults, the password is kept', async () => {
    const id = 'whole-agent';
    await core.call('PUT', `${AGENTS}/${id}`, { userpassword: 'Whole-Agent-Secret-1', status: wrapped('Inactive'), igTokenIntrospection: wrapped('Realm_Subs'), igCdssoRedirectUrls: wrapped(['https://ig.example.com/cdsso']), igCdssoLoginUrlTemplate: wrapped('https://login.example.com') }, API);
    // A client writing only what it manages.
    const answer = await core.call('PUT', `${AGENTS}/${id}`, { igTokenIntrospection: wrapped('Realm') }, API);
    expect(answer.status).toBe(200);
    const read = (await core.call('GET', `${AGENTS}/${id}`, undefined, API)).body;
    expect(read.igTokenIntrospection).toEqual(wrapped('Realm'));
    expect(read.status).toEqual(wrapped('Active'));
    expect(read.igCdssoRedirectUrls).toEqual({ inherited: false });
    expect(read.igCdssoLoginUrlTemplate).toEqual({ inherited: false });
    expect(stored(id).userpassword).toBe('Whole-Agent-Secret-1');
  });

  it('keeps everything when the client reads the agent and writes it back whole (the safe way)', async () => {
    const id = 'read-modify-write';
    await core.call('PUT', `${AGENTS}/${id}`, { userpassword: 'Rmw-Agent-Secret-1', status: wrapped('Active'), igCdssoRedirectUrls: wrapped(['https://ig.example.com/cdsso']) }, API);
    const { _id, _rev, _type, ...read } = (await core.call('GET', `${AGENTS}/${id}`, undefined, API)).body;
    void _id, _rev, _type;
    await core.call('PUT', `${AGENTS}/${id}`, { ...read, igTokenIntrospection: wrapped('Realm') }, API);
    const after = (await core.call('GET', `${AGENTS}/${id}`, undefined, API)).body;
    expect(after.igCdssoRedirectUrls).toEqual(wrapped(['https://ig.example.com/cdsso']));
    expect(after.igTokenIntrospection).toEqual(wrapped('Realm'));
  });
});
