/**
 * Probes of the engines themselves, run through amkit and real Rhino: what AM's engine refuses or
 * hands over differently in legacy and next-generation scripts. Each states what AM does; where
 * both engines must agree, the Rhino test compares them.
 */
import { expect } from 'vitest';
import type { BindingInput, ScriptContext, ScriptOutcome } from '../../amkit/types.js';

export interface Probe {
  name: string;
  context: ScriptContext;
  source: string;
  entryPoint?: string;
  input: BindingInput;
  check: (outcome: ScriptOutcome) => void;
}

const token = { scope: ['a', 'b'], clientId: 'c1', resourceOwnerId: 'c1', grantType: 'client_credentials' };
const legacyToken: BindingInput = { realm: '/alpha', env: {}, accessToken: token, clientProperties: { clientId: 'c1', allowedGrantTypes: [], allowedScopes: [], customProperties: {} } };
const TM = 'OAUTH2_ACCESS_TOKEN_MODIFICATION' as const;
const TM_NG = 'OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN' as const;
const HTTP_PROBE = `
  var r = httpClient.send("https://t.example/x", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }).get();
  accessToken.setField("status", r.status); accessToken.setField("ok", r.ok); accessToken.setField("v", r.json().v); accessToken.setField("text", typeof r.text());
`;

export const PROBES: Probe[] = [
  {
    name: 'legacy: let does not compile at language version 0',
    context: TM,
    source: 'let x = 1;',
    input: legacyToken,
    check: (o) => expect(o.ok).toBe(false),
  },
  { name: 'legacy: Map is undefined', context: TM, source: 'var m = new Map();', input: legacyToken, check: (o) => expect(o.ok).toBe(false) },
  {
    name: 'legacy: bindings hand out Java strings',
    context: TM,
    source: 'var s = accessToken.getClientId(); accessToken.setField("type", typeof s); accessToken.setField("strict", s === "c1");',
    input: legacyToken,
    check: (o) => expect(o.accessToken?.fields).toEqual({ type: 'object', strict: false }),
  },
  {
    name: 'legacy: entry points hidden in an IIFE are not found',
    context: 'OAUTH2_VALIDATE_SCOPE',
    entryPoint: 'validateAccessTokenScope',
    source: '(function () { function validateAccessTokenScope() { return new java.util.HashSet(); } })();',
    input: { realm: '/alpha', env: {}, requestedScopes: [] },
    check: (o) => {
      expect(o.ok).toBe(false);
      expect(o.error).toContain('validateAccessTokenScope is not a function');
    },
  },
  { name: 'legacy: a JS array for setScope is refused', context: TM, source: 'accessToken.setScope(["read"]);', input: legacyToken, check: (o) => expect(o.ok).toBe(false) },
  { name: 'legacy: the logger has no info()', context: TM, source: 'logger.info("x");', input: legacyToken, check: (o) => expect(o.ok).toBe(false) },
  {
    name: 'legacy: Maps are not read as objects',
    context: TM,
    source: 'accessToken.setField("id", typeof clientProperties.clientId); accessToken.setField("get", String(clientProperties.get("clientId")));',
    input: legacyToken,
    check: (o) => expect(o.accessToken?.fields).toEqual({ id: 'undefined', get: 'c1' }),
  },
  {
    name: 'legacy: every execution gets a fresh top-level scope',
    context: TM,
    source: 'if (typeof leaked !== "undefined") { accessToken.setField("sawLeak", true); } leaked = 1; Array.prototype.leakedToo = 1;',
    input: legacyToken,
    check: (o) => expect(o.accessToken?.fields).toEqual({}),
  },
  {
    name: 'legacy: and no change to the standard objects survives either',
    context: TM,
    source: 'if ([].leakedToo !== undefined) { accessToken.setField("sawLeak", true); }',
    input: legacyToken,
    check: (o) => expect(o.accessToken?.fields).toEqual({}),
  },
  {
    name: 'next-gen: setScope takes a JS array (a java.util.List in Rhino); getScope is a List',
    context: TM_NG,
    source: 'accessToken.setScope(["read"]); accessToken.setField("n", accessToken.getScope().size());',
    input: { ...legacyToken },
    check: (o) => expect(o.accessToken).toEqual({ scope: ['read'], fields: { n: 1 } }),
  },
  {
    name: 'next-gen: setScope refuses a java.util.Set',
    context: TM_NG,
    source: 'var s = new java.util.HashSet(); s.add("x"); accessToken.setScope(s);',
    input: { ...legacyToken },
    check: (o) => expect(o.ok).toBe(false),
  },
  {
    name: 'next-gen: Lists are read by index and hold Java strings',
    context: TM_NG,
    source: 'accessToken.setField("first", typeof scopes[0]); accessToken.setField("length", scopes.length); accessToken.setField("value", String(scopes[1]));',
    input: { ...legacyToken },
    check: (o) => expect(o.accessToken?.fields).toEqual({ first: 'object', length: 2, value: 'b' }),
  },
  {
    name: 'next-gen: Maps are read as objects',
    context: TM_NG,
    source: 'accessToken.setField("id", String(clientProperties.clientId));',
    input: { ...legacyToken },
    check: (o) => expect(o.accessToken?.fields).toEqual({ id: 'c1' }),
  },
  {
    name: 'next-gen: the logger has debug/info/warn/error',
    context: TM_NG,
    source: 'logger.debug("d"); logger.info("i"); logger.warn("w"); logger.error("e");',
    input: { ...legacyToken },
    check: (o) => expect(o.logs).toEqual([{ level: 'message', text: 'd' }, { level: 'message', text: 'i' }, { level: 'warning', text: 'w' }, { level: 'error', text: 'e' }]),
  },
  {
    name: 'next-gen: systemEnv.getProperty takes a default',
    context: TM_NG,
    source: 'accessToken.setField("dflt", String(systemEnv.getProperty("esv.missing", "fallback"))); accessToken.setField("none", systemEnv.getProperty("esv.missing") === null); accessToken.setField("set", String(systemEnv.getProperty("esv.set")));',
    input: { ...legacyToken, env: { 'esv.set': 'v' } },
    check: (o) => expect(o.accessToken?.fields).toEqual({ dflt: 'fallback', none: true, set: 'v' }),
  },
  {
    name: 'next-gen: httpClient.send(uri, options).get() is fetch-like (scripted answer)',
    context: TM_NG,
    source: HTTP_PROBE,
    input: { ...legacyToken, http: [{ status: 200, body: '{"v":"x"}' }] },
    check: (o) => {
      expect(o.accessToken?.fields).toEqual({ status: 200, ok: true, v: 'x', text: 'object' });
      expect(o.httpCalls).toEqual([{ method: 'POST', uri: 'https://t.example/x', headers: { 'Content-Type': 'application/json' }, body: '{}' }]);
    },
  },
  {
    name: 'next-gen: httpClient answered by a handler function',
    context: TM_NG,
    source: HTTP_PROBE,
    input: { ...legacyToken, http: (request) => ({ status: 201, body: JSON.stringify({ v: request.method + ' ' + request.body }) }) },
    check: (o) => expect(o.accessToken?.fields).toEqual({ status: 201, ok: true, v: 'POST {}', text: 'object' }),
  },
  {
    name: 'next-gen: a connection failure is an exception the script can catch',
    context: TM_NG,
    source: 'try { httpClient.send("https://t.example/x").get(); } catch (e) { accessToken.setField("caught", true); }',
    input: { ...legacyToken, http: [{ throw: 'connect timed out' }] },
    check: (o) => expect(o.accessToken?.fields).toEqual({ caught: true }),
  },
  {
    name: 'next-gen: validate scope must return a List, not a Set',
    context: 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN',
    entryPoint: 'validateAccessTokenScope',
    source: 'function validateAccessTokenScope() { var s = new java.util.HashSet(); s.add("a"); return s; }',
    input: { realm: '/alpha', env: {}, requestedScopes: ['a'] },
    check: (o) => {
      expect(o.ok).toBe(false);
      expect(o.error).toContain('java.util.List');
    },
  },
  {
    name: 'next-gen: scopeValidatorHelper.throwInvalidScope refuses with invalid_scope; availableScopes defaults to allowedScopes',
    context: 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN',
    entryPoint: 'validateAuthorizationScope',
    source: 'function validateAuthorizationScope() { scopeValidatorHelper.throwInvalidScope("nope " + availableScopes.size() + " " + String(requestedScopes.get(0))); }',
    input: { realm: '/alpha', env: {}, requestedScopes: ['x'], allowedScopes: ['a', 'b'] },
    check: (o) => {
      expect(o.ok).toBe(true);
      expect(o.invalidScope).toBe('nope 2 x');
    },
  },
  {
    name: 'next-gen: the policy binding returns decisions as JS data and records the request',
    context: TM_NG,
    source: 'var d = policy.evaluate({ claims: { sub: "u" } }, "p", ["api://p/read"], {}); accessToken.setField("array", Array.isArray(d)); accessToken.setField("grant", d[0].actions.GRANT === true);',
    input: { ...legacyToken, policy: [[{ resource: 'api://p/read', actions: { GRANT: true }, attributes: {} }]] },
    check: (o) => {
      expect(o.accessToken?.fields).toEqual({ array: true, grant: true });
      expect(o.policyCalls).toEqual([{ subject: { claims: { sub: 'u' } }, application: 'p', resources: ['api://p/read'], environment: {} }]);
    },
  },
  {
    name: 'next-gen: no policy binding where a tenant does not offer it',
    context: TM_NG,
    source: 'accessToken.setField("type", typeof policy);',
    input: { ...legacyToken, policy: null },
    check: (o) => expect(o.accessToken?.fields).toEqual({ type: 'undefined' }),
  },
];
