/**
 * The direct configuration session of an immutable local tenant: off by default; NO_SESSION →
 * SESSION_INITIALISING → SESSION_INITIALISED (static writes with `X-Configuration-Type: mutable`
 * accepted, and only then) → SESSION_APPLYING → SESSION_APPLIED; abort restores what the session
 * started from; steps out of order are refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IMMUTABLE_MESSAGE } from '../../../tenant/promotion/guard.js';
import { lockAndWait, Member, REALM, scriptBody, startGroup, until, type Group } from './group-fixture.js';

const SESSION = '/environment/direct-configuration/session';
const MUTABLE = { 'x-configuration-type': 'mutable' };
const ID = '0c7a3e1f-5b2d-4e8a-9f6c-1d2e3f4a5b6c';
const SCOPE = 'fr:am:* fr:idc:esv:* fr:idc:promotion:* fr:idc:direct-configuration:session:*';
let group: Group | undefined;
afterEach(async () => {
  await group?.close();
  group = undefined;
});

const withSessions = () => startGroup({ tenant: { staging: { directConfiguration: true } } });
const putScript = (member: Member, headers: Record<string, string> = {}) => member.send('PUT', `${REALM}/scripts/${ID}`, scriptBody('direct', 'var d = 1;'), headers);
const state = async (member: Member) => (await member.get(`${SESSION}/state`)).body;

describe('direct configuration sessions', () => {
  it('are not offered unless the tenant is started with the option', async () => {
    group = await startGroup();
    const member = new Member(group.staging.tenant, 'fr:am:* fr:idc:esv:* fr:idc:promotion:*');
    expect((await member.send('PUT', `${SESSION}/init`)).status).toBe(404);
    expect((await putScript(member, MUTABLE)).body.message).toBe(IMMUTABLE_MESSAGE);
  });

  it('let static writes with the mutable header through only while initialised, then apply', async () => {
    group = await withSessions();
    const staging = new Member(group.staging.tenant, SCOPE);
    expect(await state(staging)).toEqual({ editable: false, status: 'NO_SESSION' });
    expect((await putScript(staging, MUTABLE)).status).toBe(403);
    expect((await staging.send('PUT', `${SESSION}/apply`)).status).toBe(409);
    expect((await staging.send('PUT', `${SESSION}/init`)).body).toEqual({ editable: false, status: 'SESSION_INITIALISING' });
    expect((await staging.send('PUT', `${SESSION}/init`)).status).toBe(409);
    // Still initialising: refused.
    expect((await putScript(staging, MUTABLE)).status).toBe(403);
    await until(() => state(staging), (s) => s.status === 'SESSION_INITIALISED');
    expect(await state(staging)).toEqual({ editable: true, status: 'SESSION_INITIALISED' });
    // Without the header, a static write is still refused; with it, it is written.
    expect((await putScript(staging)).body.message).toBe(IMMUTABLE_MESSAGE);
    expect((await putScript(staging, MUTABLE)).status).toBe(201);
    // A promotion cannot lock meanwhile.
    expect((await staging.send('POST', '/environment/promotion/lock')).status).toBe(409);
    expect((await staging.send('PUT', `${SESSION}/apply`)).body).toEqual({ editable: false, status: 'SESSION_APPLYING' });
    await until(() => state(staging), (s) => s.status === 'SESSION_APPLIED');
    expect(staging.state.realms.alpha.scripts[ID]).toBeDefined();
    // Applied: static writes are refused again, header or not.
    expect((await putScript(staging, MUTABLE)).status).toBe(403);
  });

  it('abort restores the static configuration the session started from', async () => {
    group = await withSessions();
    const staging = new Member(group.staging.tenant, SCOPE);
    await staging.send('PUT', `${SESSION}/init`);
    await until(() => state(staging), (s) => s.status === 'SESSION_INITIALISED');
    expect((await putScript(staging, MUTABLE)).status).toBe(201);
    expect((await staging.send('PUT', `${SESSION}/abort`)).body).toEqual({ editable: false, status: 'NO_SESSION' });
    expect(staging.state.realms.alpha.scripts[ID]).toBeUndefined();
    expect((await staging.send('PUT', `${SESSION}/abort`)).status).toBe(409);
  });

  it('cannot start while a promotion lock holds the environment, and needs its own scope', async () => {
    group = await withSessions();
    await lockAndWait(group.staging);
    const staging = new Member(group.staging.tenant, SCOPE);
    expect((await staging.send('PUT', `${SESSION}/init`)).status).toBe(409);
    expect((await group.staging.get(`${SESSION}/state`)).status).toBe(403);
  });
});
