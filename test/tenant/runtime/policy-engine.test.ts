import { describe, expect, it } from 'vitest';
import { evaluatePolicies, matchResource, subjectMatches } from '../../../tenant/runtime/policy-engine.js';
import { emptyRealm } from '../../../tenant/state.js';
import type { JsonObject, RealmState } from '../../../tenant/types.js';

describe('matchResource', () => {
  it('lets * cross "/" and match any run of characters', () => {
    expect(matchResource('api://orders/*', 'api://orders/read')).toBe(true);
    expect(matchResource('api://orders/*', 'api://orders/a/b/c')).toBe(true);
    expect(matchResource('*://*:*/app/*', 'https://host:443/app/x/y')).toBe(true);
    expect(matchResource('api://orders/*', 'api://orders/')).toBe(true);
  });
  it('is case-insensitive', () => {
    expect(matchResource('API://Orders/READ', 'api://orders/read')).toBe(true);
    expect(matchResource('api://orders/*', 'API://ORDERS/Write')).toBe(true);
  });
  it('never matches part of a resource without a wildcard', () => {
    expect(matchResource('api://orders/read', 'api://orders/readwrite')).toBe(false);
    expect(matchResource('api://orders/read', 'xapi://orders/read')).toBe(false);
    expect(matchResource('api://orders/read', 'api://orders/rea')).toBe(false);
  });
  it('treats regex characters in patterns literally', () => {
    expect(matchResource('api://a.b/(x)', 'api://a.b/(x)')).toBe(true);
    expect(matchResource('api://a.b/(x)', 'api://aXb/(x)')).toBe(false);
  });
});

describe('subjectMatches', () => {
  const claims = { subject: 'user-1', client: 'api1', groups: ['readers', 'writers'] };
  const claim = (claimName: string, claimValue: string): JsonObject => ({ type: 'JwtClaim', claimName, claimValue });
  it('JwtClaim compares the claim, or looks inside an array claim', () => {
    expect(subjectMatches(claim('subject', 'user-1'), claims)).toBe(true);
    expect(subjectMatches(claim('subject', 'user-2'), claims)).toBe(false);
    expect(subjectMatches(claim('groups', 'writers'), claims)).toBe(true);
    expect(subjectMatches(claim('groups', 'admins'), claims)).toBe(false);
    expect(subjectMatches(claim('missing', 'x'), claims)).toBe(false);
  });
  it('combines with AND, OR and NOT', () => {
    expect(subjectMatches({ type: 'AND', subjects: [claim('subject', 'user-1'), claim('client', 'api1')] }, claims)).toBe(true);
    expect(subjectMatches({ type: 'AND', subjects: [claim('subject', 'user-1'), claim('client', 'api2')] }, claims)).toBe(false);
    expect(subjectMatches({ type: 'OR', subjects: [claim('subject', 'nobody'), claim('client', 'api1')] }, claims)).toBe(true);
    expect(subjectMatches({ type: 'OR', subjects: [claim('subject', 'nobody'), claim('client', 'api2')] }, claims)).toBe(false);
    expect(subjectMatches({ type: 'NOT', subject: claim('client', 'api2') }, claims)).toBe(true);
    expect(subjectMatches({ type: 'NOT', subject: claim('client', 'api1') }, claims)).toBe(false);
  });
  it('AuthenticatedUsers matches only a live session subject', () => {
    expect(subjectMatches({ type: 'AuthenticatedUsers' }, claims)).toBe(false);
    expect(subjectMatches({ type: 'AuthenticatedUsers' }, {}, { authenticated: true })).toBe(true);
  });
  it('fails closed on unknown subject types, also under NOT', () => {
    expect(subjectMatches({ type: 'Identity', subjectValues: ['x'] }, claims)).toBe(false);
    expect(subjectMatches({ type: 'NOT', subject: { type: 'Identity', subjectValues: ['x'] } }, claims)).toBe(false);
    expect(subjectMatches({ type: 'OR', subjects: [claim('client', 'api1'), { type: 'Bogus' }] }, claims)).toBe(false);
    expect(subjectMatches(undefined, claims)).toBe(false);
  });
});

describe('evaluatePolicies', () => {
  function realmWith(policies: JsonObject[]): RealmState {
    const realm = emptyRealm();
    realm.policySets.api2 = { name: 'api2', entitlementCombiner: 'DenyOverride', resourceTypeUuids: ['rt'] };
    realm.policySets.other = { name: 'other', entitlementCombiner: 'DenyOverride', resourceTypeUuids: ['rt'] };
    for (const policy of policies) realm.policies[String(policy.name)] = policy;
    return realm;
  }
  const policy = (name: string, resources: string[], grant: boolean, extra: JsonObject = {}): JsonObject => ({
    name, active: true, applicationName: 'api2', resourceTypeUuid: 'rt', resources, actionValues: { GRANT: grant }, subject: { type: 'JwtClaim', claimName: 'client', claimValue: 'api1' }, ...extra,
  });
  const request = (resources: string[], client = 'api1') => ({ application: 'api2', resources, claims: { client }, context: { authenticated: false } });

  it('answers one row per resource in request order, {} when nothing applies', () => {
    const result = evaluatePolicies(realmWith([policy('read', ['api://api2/read'], true)]), request(['api://api2/write', 'api://api2/read']));
    expect(result.ok && result.rows.map((r) => [r.resource, r.actions])).toEqual([['api://api2/write', {}], ['api://api2/read', { GRANT: true }]]);
    if (result.ok) expect(result.rows[0]).toMatchObject({ attributes: {}, advices: {} });
  });
  it('DenyOverride: one deny beats allows, in either order', () => {
    for (const order of [[true, false], [false, true]]) {
      const realm = realmWith([policy('a', ['api://api2/*'], order[0]), policy('b', ['api://api2/read'], order[1])]);
      const result = evaluatePolicies(realm, request(['api://api2/read', 'api://api2/write']));
      expect(result.ok && result.rows.map((r) => r.actions.GRANT)).toEqual([false, order[0]]);
    }
  });
  it('ignores inactive policies, other applications, non-matching subjects and conditional policies', () => {
    const realm = realmWith([
      policy('inactive', ['api://api2/read'], true, { active: false }),
      policy('elsewhere', ['api://api2/read'], true, { applicationName: 'other' }),
      policy('conditional', ['api://api2/read'], true, { condition: { type: 'SimpleTime', startTime: '00:00', endTime: '23:59' } }),
    ]);
    const result = evaluatePolicies(realm, request(['api://api2/read']));
    expect(result.ok && result.rows[0].actions).toEqual({});
    const granted = evaluatePolicies(realmWith([policy('read', ['api://api2/read'], true)]), request(['api://api2/read'], 'api3'));
    expect(granted.ok && granted.rows[0].actions).toEqual({});
  });
  it('refuses an unknown application by name', () => {
    const result = evaluatePolicies(realmWith([]), { ...request(['x']), application: 'nope' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('nope');
  });
});
