/**
 * The built bundles (legacy and next-generation), scripted policy conditions and the engine probes
 * in the real engine: Mozilla Rhino 1.7.14 at language version 0, in a top-level scope shaped like
 * AM's, through the long-lived engine server. Every outcome must agree with the Node sandbox's.
 * Under CI=true a missing engine fails these tests instead of skipping them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_ENGINES, buildScripts, bundleEs5, type BuiltScript } from '../../tooling/build/build-scripts.js';
import { rhinoAvailable, runInRhino } from '../../rhino/run.js';
import { runScript } from '../../amkit/index.js';
import type { ScriptOutcome } from '../../amkit/types.js';
import { ALL_CASES, sourceOf } from './all-cases.js';
import { PROBES } from './probes.js';

const engine = rhinoAvailable();
const mustRun = process.env.CI === 'true';
const describeEngine = engine.ok || mustRun ? describe : describe.skip;

if (!engine.ok && !mustRun) {
  process.stderr.write(`Skipping Rhino engine tests locally: ${engine.reason}\n`);
}

/** What must be equal between the engines (error texts differ: Rhino's and V8's own words). */
const comparable = (o: ScriptOutcome) => ({ ok: o.ok, invalidScope: o.invalidScope, returned: o.returnedScopes, token: o.accessToken, condition: o.condition, calls: o.httpCalls, policyCalls: o.policyCalls, logs: o.logs });

describeEngine('built bundles and condition scripts in real Rhino 1.7.14 at language version 0', () => {
  let bundles: Record<string, BuiltScript>;
  let outcomes: ScriptOutcome[];
  let probes: ScriptOutcome[];
  let plainData: ScriptOutcome;

  beforeAll(async () => {
    if (!engine.ok) throw new Error(`Rhino engine tests must run in CI: ${engine.reason}`);
    bundles = Object.fromEntries((await buildScripts(undefined, { engines: ALL_ENGINES })).map((b) => [b.name, b]));
    const all = await runInRhino([
      ...ALL_CASES.map((c) => ({ name: c.name, source: sourceOf(c, bundles), context: c.context, entryPoint: c.entryPoint, input: c.input })),
      ...PROBES.map((p) => ({ name: p.name, source: p.source, context: p.context, entryPoint: p.entryPoint, input: p.input })),
    ]);
    outcomes = all.slice(0, ALL_CASES.length);
    probes = all.slice(ALL_CASES.length);
    // scripts/lib/plain-data in the real engine, fed real Java objects (a java.lang.Boolean is not === true).
    const lib = await bundleEs5('scripts/lib/plain-data.ts', '__plainData');
    [plainData] = await runInRhino([
      {
        name: 'plain-data',
        context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION',
        source: `${lib}
          var actions = new java.util.HashMap(); actions.put("GRANT", java.lang.Boolean.TRUE);
          var names = new java.util.HashSet(); names.add("api://p/read");
          var attributes = new java.util.HashMap(); attributes.put("aicApiToApiScope", names);
          var row = new java.util.HashMap(); row.put("resource", "api://p/read"); row.put("actions", actions); row.put("attributes", attributes);
          var rows = new java.util.ArrayList(); rows.add(row);
          accessToken.setField("rawGrant", actions.get("GRANT") === true);
          accessToken.setField("plain", JSON.stringify(__plainData.toPlainData(rows)));
          accessToken.setField("list", JSON.stringify(__plainData.listToArray(scopes)));`,
        input: { realm: '/alpha', env: {}, accessToken: { scope: ['a'], clientId: 'c', resourceOwnerId: 'c', grantType: 'client_credentials' } },
      },
    ]);
  }, 120_000);

  it.each(ALL_CASES.map((c, index) => [c.name, index] as const))('%s', (_name, index) => {
    ALL_CASES[index].check(outcomes[index]);
  });

  it.each(PROBES.map((p, index) => [p.name, index] as const))('probe: %s', (_name, index) => {
    PROBES[index].check(probes[index]);
  });

  it('agrees with the Node sandbox on every case and probe', () => {
    ALL_CASES.forEach((c, index) => {
      const node = runScript(sourceOf(c, bundles), c.context, c.input, c.entryPoint);
      expect({ name: c.name, ...comparable(outcomes[index]) }).toEqual({ name: c.name, ...comparable(node) });
    });
    PROBES.forEach((p, index) => {
      const node = runScript(p.source, p.context, p.input, p.entryPoint);
      expect({ name: p.name, ...comparable(probes[index]) }).toEqual({ name: p.name, ...comparable(node) });
    });
  });

  it('reads Java values as plain data in the real engine: a java.lang.Boolean TRUE grants, Java Sets become arrays', () => {
    expect(plainData.ok).toBe(true);
    expect(plainData.accessToken?.fields.rawGrant).toBe(false);
    expect(JSON.parse(String(plainData.accessToken?.fields.plain))).toEqual([{ resource: 'api://p/read', actions: { GRANT: true }, attributes: { aicApiToApiScope: ['api://p/read'] } }]);
    expect(JSON.parse(String(plainData.accessToken?.fields.list))).toEqual(['a']);
  });
});
