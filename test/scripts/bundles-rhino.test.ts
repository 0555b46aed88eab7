/**
 * The built bundles in the real engine: Mozilla Rhino 1.7.14 at language version 0, in a top-level
 * scope shaped like AM's. Under CI=true a missing engine fails these tests instead of skipping them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildScripts, type BuiltScript } from '../../tooling/build/build-scripts.js';
import { rhinoAvailable, runInRhino } from '../../rhino/run.js';
import type { ScriptOutcome } from '../../amkit/types.js';
import { CASES } from './cases.js';

const engine = rhinoAvailable();
const mustRun = process.env.CI === 'true';
const describeEngine = engine.ok || mustRun ? describe : describe.skip;

if (!engine.ok && !mustRun) {
  process.stderr.write(`Skipping Rhino engine tests locally: ${engine.reason}\n`);
}

describeEngine('built bundles in real Rhino 1.7.14 at language version 0', () => {
  let outcomes: ScriptOutcome[];
  let probes: ScriptOutcome[];

  beforeAll(async () => {
    if (!engine.ok) throw new Error(`Rhino engine tests must run in CI: ${engine.reason}`);
    const bundles: Record<string, BuiltScript> = Object.fromEntries((await buildScripts()).map((b) => [b.name, b]));
    const probeInput = { realm: '/alpha', env: {}, accessToken: { scope: [], clientId: 'c1', resourceOwnerId: 'c1', grantType: 'client_credentials' } };
    const all = await runInRhino([
      ...CASES.map((c) => ({ name: c.name, source: bundles[c.bundle].source, context: c.context, entryPoint: c.entryPoint, input: c.input })),
      // Probes of the engine itself: it must behave as AM's does.
      { name: 'let', source: 'let x = 1;', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', input: probeInput },
      { name: 'Map', source: 'var m = new Map();', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', input: probeInput },
      { name: 'java string', source: 'var s = accessToken.getClientId(); accessToken.setField("type", typeof s); accessToken.setField("strict", s === "c1");', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', input: probeInput },
      { name: 'iife hides entry', source: '(function () { function validateAccessTokenScope() { return new java.util.HashSet(); } })();', context: 'OAUTH2_VALIDATE_SCOPE', entryPoint: 'validateAccessTokenScope', input: { realm: '/alpha', env: {}, requestedScopes: [] } },
      { name: 'array to setScope', source: 'accessToken.setScope(["read"]);', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', input: probeInput },
    ]);
    outcomes = all.slice(0, CASES.length);
    probes = all.slice(CASES.length);
  }, 120_000);

  it.each(CASES.map((c, index) => [c.name, index] as const))('%s', (_name, index) => {
    CASES[index].check(outcomes[index]);
  });

  it('runs at language version 0: let does not compile, Map is undefined', () => {
    expect(probes[0]).toMatchObject({ ok: false });
    expect(probes[0].error).toMatch(/missing ; before statement|syntax/i);
    expect(probes[1].ok).toBe(false);
    expect(probes[1].error).toMatch(/Map/);
  });

  it('hands scripts Java strings, as AM does', () => {
    expect(probes[2].accessToken?.fields).toEqual({ type: 'object', strict: false });
  });

  it('cannot find entry points hidden in an IIFE, and refuses a JS array for setScope', () => {
    expect(probes[3].error).toContain('validateAccessTokenScope is not a function');
    expect(probes[4].ok).toBe(false);
  });

  it('agrees with the Node sandbox on every case', async () => {
    const { runScript } = await import('../../amkit/index.js');
    const bundles: Record<string, BuiltScript> = Object.fromEntries((await buildScripts()).map((b) => [b.name, b]));
    CASES.forEach((c, index) => {
      const node = runScript(bundles[c.bundle].source, c.context, c.input, c.entryPoint);
      const rhino = outcomes[index];
      expect({ name: c.name, ok: rhino.ok, invalidScope: rhino.invalidScope, returned: rhino.returnedScopes, token: rhino.accessToken, calls: rhino.httpCalls.length, logs: rhino.logs })
        .toEqual({ name: c.name, ok: node.ok, invalidScope: node.invalidScope, returned: node.returnedScopes, token: node.accessToken, calls: node.httpCalls.length, logs: node.logs });
    });
  });
});
