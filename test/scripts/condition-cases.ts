/**
 * Scripted policy conditions (context POLICY_CONDITION, legacy): scripts written here read AM's
 * condition bindings (environment with clientId, identity, username, resourceURI, requestParamsMap)
 * and decide through authorized, advice, responseAttributes and ttl. Run through amkit and real
 * Rhino like cases.ts, so a condition script can be unit-tested the way AM runs it.
 */
import { expect } from 'vitest';
import type { ScriptCase } from './cases.js';

const CONDITION = { context: 'POLICY_CONDITION' } as const;

/** The OAuth2 scopes condition of issue 14: only client X (AM passes environment {clientId: [X]}). */
export const CLIENT_CONDITION = `
var clients = environment.get("clientId");
var client = clients === null || clients.isEmpty() ? null : String(clients.iterator().next());
authorized = client === "web-app";
if (!authorized) { advice.put("reason", ["client " + client + " may not have " + resourceURI]); }
`;

export const CONDITION_CASES: ScriptCase[] = [
  {
    name: 'condition: environment.clientId names the allowed client, so it is authorized',
    ...CONDITION,
    source: CLIENT_CONDITION,
    input: { realm: '/alpha', env: {}, environment: { clientId: ['web-app'] }, identity: null, resourceURI: 'profile' },
    check: (o) => {
      expect(o.ok).toBe(true);
      expect(o.condition).toEqual({ authorized: true, advice: {}, responseAttributes: {}, ttl: null });
    },
  },
  {
    name: 'condition: another client is not authorized, with advice',
    ...CONDITION,
    source: CLIENT_CONDITION,
    input: { realm: '/alpha', env: {}, environment: { clientId: ['mobile'] }, identity: null, resourceURI: 'profile' },
    check: (o) => expect(o.condition).toEqual({ authorized: false, advice: { reason: ['client mobile may not have profile'] }, responseAttributes: {}, ttl: null }),
  },
  {
    name: 'condition: no clientId in the environment is not authorized',
    ...CONDITION,
    source: CLIENT_CONDITION,
    input: { realm: '/alpha', env: {}, environment: {}, identity: null, resourceURI: 'profile' },
    check: (o) => expect(o.condition?.authorized).toBe(false),
  },
  {
    name: 'condition: identity attributes are Sets; responseAttributes take a Set or a JS array; ttl is read back',
    ...CONDITION,
    source: `
      var groups = identity.getAttribute("isMemberOf");
      authorized = groups.contains("cn=api-writers");
      responseAttributes.put("groups", groups);
      responseAttributes.put("countryOfOrigin", ["NL"]);
      ttl = 60000;
    `,
    input: { realm: '/alpha', env: {}, environment: {}, identity: { attributes: { isMemberOf: ['cn=api-writers'] } }, resourceURI: 'write' },
    check: (o) => expect(o.condition).toEqual({ authorized: true, advice: {}, responseAttributes: { groups: ['cn=api-writers'], countryOfOrigin: ['NL'] }, ttl: 60000 }),
  },
  {
    name: 'condition: username, resourceURI and requestParamsMap are readable; strings bound directly are JS strings',
    ...CONDITION,
    source: `
      var mode = requestParamsMap.get("mode");
      authorized = username === "demo" && resourceURI === "api://p/read" && String(mode.get(0)) === "strict" && typeof username === "string";
      var none = identity;
    `,
    input: { realm: '/alpha', env: {}, environment: {}, identity: null, username: 'demo', resourceURI: 'api://p/read', requestParamsMap: { mode: ['strict'] } },
    check: (o) => expect(o.condition?.authorized).toBe(true),
  },
  {
    name: 'condition: a script that never sets authorized does not hold',
    ...CONDITION,
    source: 'logger.message("deciding nothing");',
    input: { realm: '/alpha', env: {}, environment: { clientId: ['web-app'] }, identity: null, resourceURI: 'profile' },
    check: (o) => {
      expect(o.condition?.authorized).toBe(false);
      expect(o.logs).toEqual([{ level: 'message', text: 'deciding nothing' }]);
    },
  },
  {
    name: 'condition: authorized must be the boolean true, not a truthy value',
    ...CONDITION,
    source: 'authorized = "true";',
    input: { realm: '/alpha', env: {}, environment: {}, identity: null, resourceURI: 'profile' },
    check: (o) => expect(o.condition?.authorized).toBe(false),
  },
  {
    name: 'condition: a script that throws fails, and does not hold',
    ...CONDITION,
    source: 'authorized = true; undefinedFunction();',
    input: { realm: '/alpha', env: {}, environment: {}, identity: null, resourceURI: 'profile' },
    check: (o) => {
      expect(o.ok).toBe(false);
      expect(o.error).toMatch(/undefinedFunction/);
    },
  },
  {
    name: 'condition: httpClient (legacy) works in a condition, answers scripted',
    ...CONDITION,
    source: `
      var request = new org.forgerock.http.protocol.Request();
      request.setMethod("GET");
      request.setUri("https://geo.example.com/ip/" + environment.get("IP").iterator().next());
      var answer = JSON.parse(String(httpClient.send(request).get().getEntity().getString()));
      authorized = answer.country === "NL";
    `,
    input: { realm: '/alpha', env: {}, environment: { IP: ['192.0.2.1'] }, identity: null, resourceURI: 'profile', http: [{ status: 200, body: '{"country":"NL"}' }] },
    check: (o) => {
      expect(o.condition?.authorized).toBe(true);
      expect(o.httpCalls.map((c) => c.uri)).toEqual(['https://geo.example.com/ip/192.0.2.1']);
    },
  },
];
