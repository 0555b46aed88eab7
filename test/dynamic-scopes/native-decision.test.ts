/**
 * The local tenant's native scope decision (tenant/runtime/native-decision.ts), without HTTP: the
 * resource owner's identity and environment.clientId, no claims. JwtClaim never matches; Identity
 * by DN; AuthenticatedUsers by session; Script conditions through the runner (a failing one fails
 * the decision); types the policy set does not allow never apply; DenyOverride.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject, RealmState } from '../../tenant/types.js';
import { decideNatively, type DecisionSubject } from '../../tenant/runtime/native-decision.js';
import { universalId } from '../../tenant/runtime/scope-policy.js';

const DEMO = 'id=d7a5c2b1,ou=user,o=alpha,ou=services,ou=am-config';
const user: DecisionSubject = { universalId: DEMO, authenticated: true, attributes: { mail: ['demo@example.com'] }, username: DEMO };
const client: DecisionSubject = { universalId: 'id=app,ou=agent,o=alpha,ou=services,ou=am-config', authenticated: false, attributes: null, username: 'app' };
const SUBJECTS = ['AuthenticatedUsers', 'NOT', 'Identity', 'OR', 'AND', 'NONE', 'JwtClaim'];
const CONDITIONS = ['Script', 'AND', 'OR', 'NOT'];

function realmWith(policies: Record<string, Partial<JsonObject>>, set: Partial<JsonObject> = {}): RealmState {
  const full = Object.fromEntries(Object.entries(policies).map(([name, p]) => [name, { name, active: true, applicationName: 'oauth2Scopes', resources: [name.split(' ')[0]], actionValues: { GRANT: true }, ...p } as JsonObject]));
  return { policySets: { oauth2Scopes: { name: 'oauth2Scopes', subjects: SUBJECTS, conditions: CONDITIONS, ...set } }, policies: full } as unknown as RealmState;
}

const never = async () => {
  throw new Error('no condition should run');
};
const decide = async (realm: RealmState, resources: string[], subject = user, run: Parameters<typeof decideNatively>[4] = never) => {
  const result = await decideNatively(realm, 'oauth2Scopes', resources, subject, run);
  if (!result.ok) throw new Error(result.error);
  return Object.fromEntries(result.decisions);
};

describe('the native scope decision', () => {
  it('JwtClaim subjects never match: there is no JWT principal (whatever the claim)', async () => {
    const realm = realmWith({ 'email deny': { actionValues: { GRANT: false }, subject: { type: 'JwtClaim', claimName: 'sub', claimValue: 'd7a5c2b1' } }, 'profile grant': { subject: { type: 'JwtClaim', claimName: 'client', claimValue: 'app' } } });
    expect(await decide(realm, ['email', 'profile'])).toEqual({ email: undefined, profile: undefined });
  });

  it('Identity matches the owner\'s universal id (DNs compare case-insensitively); another user does not', async () => {
    const realm = realmWith({ 'profile grant': { subject: { type: 'Identity', subjectValues: [DEMO.toUpperCase()] } } });
    expect(await decide(realm, ['profile'])).toEqual({ profile: true });
    expect(await decide(realm, ['profile'], { ...user, universalId: 'id=other,ou=user,o=alpha,ou=services,ou=am-config' })).toEqual({ profile: undefined });
    expect(universalId('alpha', { kind: 'user', id: 'd7a5c2b1' })).toBe(DEMO);
    expect(universalId('', { kind: 'user', id: 'x' })).toBe('id=x,ou=user,ou=am-config');
  });

  it('AuthenticatedUsers matches a user with a session, not a client acting for itself; NOT AuthenticatedUsers the other way round', async () => {
    const realm = realmWith({ 'profile grant': { subject: { type: 'AuthenticatedUsers' } }, 'phone grant': { subject: { type: 'NOT', subject: { type: 'AuthenticatedUsers' } } } });
    expect(await decide(realm, ['profile', 'phone'])).toEqual({ profile: true, phone: undefined });
    expect(await decide(realm, ['profile', 'phone'], client)).toEqual({ profile: undefined, phone: true });
  });

  it('a Script condition runs with the scope as resource; it decides whether the policy applies', async () => {
    const calls: string[] = [];
    const realm = realmWith({ 'email deny': { actionValues: { GRANT: false }, subject: { type: 'AuthenticatedUsers' }, condition: { type: 'Script', scriptId: 's-1' } } });
    expect(await decide(realm, ['email'], user, async (id, resource) => (calls.push(`${id} ${resource}`), { authorized: true }))).toEqual({ email: false });
    expect(await decide(realm, ['email'], user, async () => ({ authorized: false }))).toEqual({ email: undefined });
    expect(calls).toEqual(['s-1 email']);
    // NOT of a condition, and AND/OR of conditions.
    const not = realmWith({ 'email grant': { subject: { type: 'AuthenticatedUsers' }, condition: { type: 'NOT', condition: { type: 'Script', scriptId: 's' } } } });
    expect(await decide(not, ['email'], user, async () => ({ authorized: false }))).toEqual({ email: true });
  });

  it('a condition script that fails fails the whole decision (AM throws), never "no decision"', async () => {
    const realm = realmWith({ 'email deny': { actionValues: { GRANT: false }, subject: { type: 'AuthenticatedUsers' }, condition: { type: 'Script', scriptId: 's-1' } } });
    const result = await decideNatively(realm, 'oauth2Scopes', ['email'], user, async () => ({ authorized: false, error: 'ReferenceError: x is not defined' }));
    expect(result).toEqual({ ok: false, error: 'a Script condition could not be evaluated: ReferenceError: x is not defined' });
  });

  it('a subject or condition type the policy set does not allow never applies (AM refuses to store it), also under NOT', async () => {
    const realm = realmWith(
      { 'profile grant': { subject: { type: 'Identity', subjectValues: [DEMO] } }, 'phone grant': { subject: { type: 'NOT', subject: { type: 'Identity', subjectValues: ['id=x'] } } }, 'email grant': { subject: { type: 'AuthenticatedUsers' }, condition: { type: 'Script', scriptId: 's' } } },
      { subjects: ['AuthenticatedUsers', 'NOT'], conditions: [] },
    );
    expect(await decide(realm, ['profile', 'phone', 'email'])).toEqual({ profile: undefined, phone: undefined, email: undefined });
    // Types this evaluator does not implement never apply either.
    const unknown = realmWith({ 'email grant': { subject: { type: 'AuthenticatedUsers' }, condition: { type: 'IPv4', startIp: '0.0.0.0', endIp: '255.255.255.255' } } }, { conditions: [...CONDITIONS, 'IPv4'] });
    expect(await decide(unknown, ['email'])).toEqual({ email: undefined });
  });

  it('DenyOverride: a deny beats a grant; inactive policies, other sets and non-matching resources do not count; resources match case-insensitively', async () => {
    const realm = realmWith({
      'email grant': { subject: { type: 'AuthenticatedUsers' } },
      'email deny': { actionValues: { GRANT: false }, subject: { type: 'AuthenticatedUsers' } },
      'profile grant': { subject: { type: 'AuthenticatedUsers' }, active: false },
      'phone grant': { subject: { type: 'AuthenticatedUsers' }, applicationName: 'other' },
      'Address grant': { subject: { type: 'AuthenticatedUsers' } },
    });
    expect(await decide(realm, ['email', 'profile', 'phone', 'address'])).toEqual({ email: false, profile: undefined, phone: undefined, address: true });
  });

  it('a missing policy set is an error', async () => {
    expect(await decideNatively(realmWith({}), 'nope', ['email'], user, never)).toEqual({ ok: false, error: "Application 'nope' not found in realm" });
  });
});
