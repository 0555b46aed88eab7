import { beforeAll, describe, expect, it } from 'vitest';
import { buildScripts, type BuiltScript } from '../../tooling/build/build-scripts.js';
import { runLegacyScript, runScript } from '../../amkit/index.js';
import { CASES } from './cases.js';

let bundles: Record<string, BuiltScript>;
beforeAll(async () => {
  bundles = Object.fromEntries((await buildScripts()).map((b) => [b.name, b]));
});

describe('built bundles in the Node sandbox (amkit)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, scriptCase) => {
    const outcome = runScript(bundles[scriptCase.bundle].source, scriptCase.context, scriptCase.input, scriptCase.entryPoint);
    scriptCase.check(outcome);
  });

  it('refuses what AM refuses: const, Map, and a missing entry point', () => {
    expect(runLegacyScript('const a = 1;', 'OAUTH2_ACCESS_TOKEN_MODIFICATION', { realm: '/alpha', env: {} }).error).toMatch(/not ES5/);
    expect(runLegacyScript('var m = new Map();', 'OAUTH2_ACCESS_TOKEN_MODIFICATION', { realm: '/alpha', env: {} }).error).toMatch(/Map is not defined/);
    const iife = '(function () { function validateAccessTokenScope() { return new java.util.HashSet(); } })();';
    expect(runLegacyScript(iife, 'OAUTH2_VALIDATE_SCOPE', { realm: '/alpha', env: {}, requestedScopes: [] }).error).toBe('validateAccessTokenScope is not a function');
  });

  it('hands scripts Java strings, so a script comparing with === without String() sees the difference', () => {
    const source = 'var s = accessToken.getClientId(); accessToken.setField("strict", s === "c1"); accessToken.setField("wrapped", String(s) === "c1"); accessToken.setField("type", typeof s);';
    const outcome = runLegacyScript(source, 'OAUTH2_ACCESS_TOKEN_MODIFICATION', { realm: '/alpha', env: {}, accessToken: { scope: [], clientId: 'c1', resourceOwnerId: 'c1', grantType: 'client_credentials' } });
    expect(outcome.accessToken?.fields).toEqual({ strict: false, wrapped: true, type: 'object' });
  });

  it('rejects a JS array passed to setScope, as AM does', () => {
    const outcome = runLegacyScript('accessToken.setScope(["read"]);', 'OAUTH2_ACCESS_TOKEN_MODIFICATION', { realm: '/alpha', env: {}, accessToken: { scope: ['x'], clientId: 'c', resourceOwnerId: 'c', grantType: 'client_credentials' } });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toContain('java.util.Set');
  });

  it('keeps executions independent: no state leaks from one run into the next', () => {
    const source = 'if (typeof leaked !== "undefined") { accessToken.setField("sawLeak", true); } leaked = 1;';
    const input = { realm: '/alpha', env: {}, accessToken: { scope: [], clientId: 'c', resourceOwnerId: 'c', grantType: 'client_credentials' } };
    runLegacyScript(source, 'OAUTH2_ACCESS_TOKEN_MODIFICATION', input);
    expect(runLegacyScript(source, 'OAUTH2_ACCESS_TOKEN_MODIFICATION', input).accessToken?.fields).toEqual({});
  });
});
