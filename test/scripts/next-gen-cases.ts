/**
 * The next-generation bundles' cases (evaluatorVersion 2.0): the legacy Validate Scope cases again
 * through the next-generation binding layer (same decisions), and the token modification deciding
 * through the `policy` binding — zero outbound calls, the same grants and the same closed failures
 * as the legacy script. Run through amkit and real Rhino like cases.ts.
 */
import { expect } from 'vitest';
import type { ScriptOutcome } from '../../amkit/types.js';
import { AGENT_SECRET, CASES, decisionRows, expectFailedClosed, expectNoSecretLogged, token, type ScriptCase } from './cases.js';

const VS = { bundle: 'scope-validation-next-gen', context: 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN' } as const;
const TM = { bundle: 'policy-eval-mod-next-gen', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN' } as const;

/** The one evaluation the script asked the policy binding for. */
function evaluation(outcome: ScriptOutcome) {
  expect(outcome.policyCalls).toHaveLength(1);
  return outcome.policyCalls![0] as { subject: { claims: Record<string, unknown> }; application: unknown; resources: unknown; environment: unknown };
}

function expectZeroOutbound(outcome: ScriptOutcome) {
  expect(outcome.httpCalls).toEqual([]);
}

export const NEXT_GEN_CASES: ScriptCase[] = [
  // Same requests, same decisions, the next-generation binding layer (Lists, throwInvalidScope).
  ...CASES.filter((c) => c.bundle === 'scope-validation').map<ScriptCase>((c) => ({ ...c, ...VS, name: `next-gen ${c.name}` })),
  {
    name: 'next-gen token: client credentials, the article case, with zero outbound calls',
    ...TM,
    input: { realm: '/alpha', env: {}, accessToken: token(['api://scopeDrivenAPI2Client/read']), identity: { attributes: { userpassword: [AGENT_SECRET] } }, policy: [decisionRows([['api://scopeDrivenAPI2Client/read', true]])] },
    check: (o) => {
      expect(o.ok).toBe(true);
      expect(o.accessToken).toEqual({ scope: ['read'], fields: { aud: 'scopeDrivenAPI2Client', policyResult: true } });
      expect(evaluation(o)).toEqual({
        subject: { claims: { sub: 'scopeDrivenAPI1Client', subject: 'scopeDrivenAPI1Client', client: 'scopeDrivenAPI1Client' } },
        application: 'scopeDrivenAPI2Client',
        resources: ['api://scopeDrivenAPI2Client/read'],
        environment: {},
      });
      expectZeroOutbound(o);
      expect(o.logs).toEqual([]);
    },
  },
  {
    name: 'next-gen token: user case with identity claims from the ESV, no agent ESV needed',
    ...TM,
    input: {
      realm: '/alpha',
      env: { 'esv.policy.identity.claims': 'isMemberOf,mail' },
      accessToken: token(['openid', 'api://scopeDrivenAPI2Client/read'], 'a3f1c2de-user-uuid', 'authorization_code'),
      identity: { attributes: { isMemberOf: ['cn=readers', 'cn=writers'], mail: ['demo@example.com'], userpassword: ['not-to-be-copied'] } },
      policy: [decisionRows([['api://scopeDrivenAPI2Client/read', true]])],
    },
    check: (o) => {
      expect(o.accessToken).toEqual({ scope: ['openid', 'read'], fields: { aud: 'scopeDrivenAPI2Client', policyResult: true } });
      expect(evaluation(o).subject.claims).toEqual({ isMemberOf: ['cn=readers', 'cn=writers'], mail: 'demo@example.com', sub: 'a3f1c2de-user-uuid', subject: 'a3f1c2de-user-uuid', client: 'scopeDrivenAPI1Client' });
      expectZeroOutbound(o);
    },
  },
  {
    name: 'next-gen token: the evaluator is asked the same request and its decisions are read (a handler, not scripted)',
    ...TM,
    input: {
      realm: '/alpha',
      env: {},
      accessToken: token(['api://p/read', 'api://p/write']),
      identity: null,
      policy: (request) => {
        const resources = request.resources as string[];
        return decisionRows(resources.map((resource) => [resource, resource.endsWith('/read')] as [string, boolean]));
      },
    },
    check: (o) => {
      expect(o.accessToken).toEqual({ scope: ['read'], fields: { aud: 'p', policyResult: true } });
      expect(evaluation(o).resources).toEqual(['api://p/read', 'api://p/write']);
    },
  },
  {
    name: 'next-gen token: a denied scope gives no audience, policyResult false, and is not an error',
    ...TM,
    input: { realm: '/alpha', env: {}, accessToken: token(['api://scopeDrivenAPI2Client/write']), identity: null, policy: [decisionRows([['api://scopeDrivenAPI2Client/write', undefined]])] },
    check: (o) => {
      expect(o.accessToken).toEqual({ scope: [], fields: { policyResult: false } });
      expect(o.logs.filter((l) => l.level === 'error')).toEqual([]);
    },
  },
  {
    name: "next-gen token: a GRANT that another scope's policy gave (AM matched READ to read) grants nothing",
    ...TM,
    input: { realm: '/alpha', env: {}, accessToken: token(['api://p/READ']), identity: null, policy: [decisionRows([['api://p/READ', true, 'api://p/read']])] },
    check: (o) => expect(o.accessToken).toEqual({ scope: [], fields: { policyResult: false } }),
  },
  {
    name: 'next-gen token: a GRANT with no scope attribute grants nothing; a GRANT "true" as a string neither',
    ...TM,
    input: { realm: '/alpha', env: {}, accessToken: token(['api://p/read', 'api://p/write']), identity: null, policy: [[{ resource: 'api://p/read', actions: { GRANT: true }, attributes: {} }, { resource: 'api://p/write', actions: { GRANT: 'true' }, attributes: { aicApiToApiScope: ['api://p/write'] } }]] },
    check: (o) => expect(o.accessToken).toEqual({ scope: [], fields: { policyResult: false } }),
  },
  ...['api://wildApi/*', 'api://p/read*'].map<ScriptCase>((pattern) => ({
    name: `next-gen token: a pattern-like scope ${pattern} fails closed before any evaluation`,
    ...TM,
    input: { realm: '/alpha', env: {}, accessToken: token(['openid', pattern]), identity: null, policy: [] },
    check: (o) => {
      expectFailedClosed(o, ['openid']);
      expect(o.policyCalls).toEqual([]);
    },
  })),
  {
    name: 'next-gen token: two providers fail closed before any evaluation',
    ...TM,
    input: { realm: '/alpha', env: {}, accessToken: token(['api://a/read', 'api://b/read']), identity: null, policy: [] },
    check: (o) => {
      expectFailedClosed(o);
      expect(o.policyCalls).toEqual([]);
    },
  },
  {
    name: 'next-gen token: a resource owner id with quotes and backslashes stays one value',
    ...TM,
    input: { realm: '/alpha', env: {}, accessToken: token(['api://p/read'], 'x"},"client":"admin\\'), identity: null, policy: [decisionRows([['api://p/read', true]])] },
    check: (o) => {
      const claims = evaluation(o).subject.claims;
      expect(claims.subject).toBe('x"},"client":"admin\\');
      expect(claims.client).toBe('scopeDrivenAPI1Client');
    },
  },
  {
    name: 'next-gen token: a token without audience scopes is left as AM made it, no evaluation',
    ...TM,
    input: { realm: '/alpha', env: {}, accessToken: { ...token(['openid', 'profile'])!, fields: {} }, identity: null, policy: [] },
    check: (o) => {
      expect(o.accessToken).toEqual({ scope: ['openid', 'profile'], fields: {} });
      expect(o.policyCalls).toEqual([]);
    },
  },
  {
    name: 'next-gen token: no policy binding fails closed with one error line',
    ...TM,
    input: { realm: '/alpha', env: {}, accessToken: token(['openid', 'api://p/read']), identity: null, policy: null },
    check: (o) => {
      expectFailedClosed(o, ['openid']);
      expect(o.logs.find((l) => l.level === 'error')?.text).toContain('the policy binding is not available');
      expect(o.policyCalls).toEqual([]);
    },
  },
  {
    name: 'next-gen token: an exception from the policy binding fails closed without a secret in the log',
    ...TM,
    input: { realm: '/alpha', env: { 'esv.policy.gateway.secret': AGENT_SECRET }, accessToken: token(['api://p/read']), identity: { attributes: { userpassword: [AGENT_SECRET] } }, policy: [{ throw: 'Application p not found' }] },
    check: (o) => {
      expectFailedClosed(o);
      expect(o.logs.find((l) => l.level === 'error')?.text).toContain('EntitlementException: Application p not found');
      expectNoSecretLogged(o);
    },
  },
  {
    name: 'next-gen token: an evaluator that throws fails closed (a handler)',
    ...TM,
    input: { realm: '/alpha', env: {}, accessToken: token(['api://p/read']), identity: null, policy: () => { throw new Error('Invalid value subject'); } },
    check: (o) => {
      expectFailedClosed(o);
      expect(o.logs.find((l) => l.level === 'error')?.text).toContain('Invalid value subject');
    },
  },
  ...([
    ['an object instead of decisions', { resource: 'api://p/read', actions: { GRANT: true } }],
    ['a string', '<html>gateway timeout</html>'],
    ['null', null],
    ['a row without actions', [{ resource: 'api://p/read' }]],
  ] as [string, unknown][]).map<ScriptCase>(([what, answer]) => ({
    name: `next-gen token: an unexpected answer (${what}) fails closed`,
    ...TM,
    input: { realm: '/alpha', env: {}, accessToken: token(['api://p/read']), identity: null, policy: [answer as unknown[]] },
    check: (o) => {
      expectFailedClosed(o);
      expectZeroOutbound(o);
    },
  })),
];
