/**
 * The built bundles (legacy and next-generation), scripted policy conditions and the engine probes
 * in the Node sandbox (amkit).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_ENGINES, buildScripts, type BuiltScript } from '../../tooling/build/build-scripts.js';
import { JavaList, JavaMap, JavaSet, javaString, runLegacyScript, runScript } from '../../amkit/index.js';
import { listToArray, toPlainData } from '../../scripts/lib/plain-data.js';
import { ALL_CASES, sourceOf } from './all-cases.js';
import { PROBES } from './probes.js';

let bundles: Record<string, BuiltScript>;
beforeAll(async () => {
  bundles = Object.fromEntries((await buildScripts(undefined, { engines: ALL_ENGINES })).map((b) => [b.name, b]));
});

describe('built bundles and condition scripts in the Node sandbox (amkit)', () => {
  it.each(ALL_CASES.map((c) => [c.name, c] as const))('%s', (_name, scriptCase) => {
    const outcome = runScript(sourceOf(scriptCase, bundles), scriptCase.context, scriptCase.input, scriptCase.entryPoint);
    scriptCase.check(outcome);
  });

  it.each(PROBES.map((p) => [p.name, p] as const))('probe: %s', (_name, probe) => {
    probe.check(runScript(probe.source, probe.context, probe.input, probe.entryPoint));
  });

  it('refuses what AM refuses: const, Map, and a missing entry point', () => {
    expect(runLegacyScript('const a = 1;', 'OAUTH2_ACCESS_TOKEN_MODIFICATION', { realm: '/alpha', env: {} }).error).toMatch(/not ES5/);
    expect(runLegacyScript('var m = new Map();', 'OAUTH2_ACCESS_TOKEN_MODIFICATION', { realm: '/alpha', env: {} }).error).toMatch(/Map is not defined/);
    const iife = '(function () { function validateAccessTokenScope() { return new java.util.HashSet(); } })();';
    expect(runLegacyScript(iife, 'OAUTH2_VALIDATE_SCOPE', { realm: '/alpha', env: {}, requestedScopes: [] }).error).toBe('validateAccessTokenScope is not a function');
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

describe('reading what an engine hands a script (scripts/lib/plain-data)', () => {
  it('turns Java collections, strings and booleans into plain data, so GRANT === true reads a java.lang.Boolean TRUE', () => {
    const javaTrue = { booleanValue: () => true };
    const row = new JavaMap({ resource: javaString('api://p/read'), actions: new JavaMap({ GRANT: javaTrue }), attributes: new JavaMap({ aicApiToApiScope: new JavaSet(['api://p/read']) }) });
    expect(toPlainData(new JavaList([row]))).toEqual([{ resource: 'api://p/read', actions: { GRANT: true }, attributes: { aicApiToApiScope: ['api://p/read'] } }]);
  });

  it('keeps a string "true" a string (never granted), and stops at depth', () => {
    expect(toPlainData({ GRANT: 'true' })).toEqual({ GRANT: 'true' });
    let deep: unknown = 'bottom';
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(JSON.stringify(toPlainData(deep))).toContain('null');
  });

  it('reads Lists, Sets and arrays of strings as JS strings', () => {
    expect(listToArray(new JavaList([javaString('a'), javaString('b')]))).toEqual(['a', 'b']);
    expect(listToArray(new JavaSet(['x']))).toEqual(['x']);
    expect(listToArray(['y'])).toEqual(['y']);
    expect(listToArray(null)).toEqual([]);
    expect(listToArray('not a list')).toEqual([]);
  });
});
