/**
 * The condition scripts the tool deploys (template scripts/policy-condition.ts + the rule as JSON),
 * run as AM runs a Script condition (legacy POLICY_CONDITION bindings): through the Node sandbox
 * (amkit) and real Rhino 1.7.14 at language version 0, which must agree. Clients from
 * environment.clientId, attributes from identity.getAttribute; a fact that is missing, data that
 * is malformed, never widens: a grant condition does not hold, a deny condition does.
 * Under CI=true a missing engine fails these tests instead of skipping them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_ENGINES, buildScripts } from '../../tooling/build/build-scripts.js';
import { bundleSource, type BundleSource } from '../../tooling/engine/desired/index.js';
import { conditionScript } from '../../tooling/engine/desired/condition-scripts.js';
import type { ConditionRule } from '../../scripts/policy-condition-rule.js';
import { runScript, type BindingInput, type ScriptOutcome } from '../../amkit/index.js';
import { rhinoAvailable, runInRhino } from '../../rhino/run.js';

let template: BundleSource;
beforeAll(async () => {
  template = (await buildScripts(null, { engines: ALL_ENGINES })).map(bundleSource).find((b) => b.name === 'policy-condition')!;
});

const grant = (anyOf: ConditionRule['anyOf']): ConditionRule => ({ v: 1, effect: 'grant', anyOf });
const deny = (anyOf: ConditionRule['anyOf']): ConditionRule => ({ v: 1, effect: 'deny', anyOf });
const READERS = 'cn=api-readers,ou=groups,o=alpha';
const reader = { attributes: { isMemberOf: [READERS, 'cn=all'], mail: ['demo@example.com'] } };
const bindings = (environment: Record<string, string[]>, identity: BindingInput['identity']): BindingInput => ({ realm: '/alpha', env: {}, environment, identity, resourceURI: 'profile', username: 'id=demo,ou=user,o=alpha,ou=services,ou=am-config' });

interface Case {
  name: string;
  /** A compiled rule, or raw source (what the tool would never write: malformed data). */
  rule: ConditionRule | { source: string };
  input: BindingInput;
  authorized: boolean;
  /** The script explains a closed outcome in one warning line. */
  warns?: boolean;
}

const CASES: Case[] = [
  { name: 'only client X: X asks', rule: grant([[{ client: ['app', 'web'] }]]), input: bindings({ clientId: ['web'] }, reader), authorized: true },
  { name: 'only client X: another client asks', rule: grant([[{ client: ['app'] }]]), input: bindings({ clientId: ['mobile'] }, reader), authorized: false },
  { name: 'client ids compare exactly (case matters)', rule: grant([[{ client: ['app'] }]]), input: bindings({ clientId: ['App'] }, reader), authorized: false },
  { name: 'grant, no clientId in the environment: does not hold', rule: grant([[{ client: ['app'] }]]), input: bindings({}, reader), authorized: false, warns: true },
  { name: 'deny, no clientId in the environment: holds (the deny applies)', rule: deny([[{ client: ['app'] }]]), input: bindings({}, reader), authorized: true, warns: true },
  { name: 'deny, two clientIds (not a fact one client asks): holds', rule: deny([[{ client: ['app'] }]]), input: bindings({ clientId: ['x', 'y'] }, reader), authorized: true, warns: true },
  { name: 'attribute: the identity holds the value (multi-valued)', rule: grant([[{ attribute: 'isMemberOf', value: READERS }]]), input: bindings({ clientId: ['app'] }, reader), authorized: true },
  { name: 'attribute: the identity lacks it', rule: grant([[{ attribute: 'isMemberOf', value: 'cn=admins' }]]), input: bindings({ clientId: ['app'] }, reader), authorized: false },
  { name: 'attribute, no identity (client credentials): a grant does not hold', rule: grant([[{ attribute: 'isMemberOf', value: READERS }]]), input: bindings({ clientId: ['app'] }, null), authorized: false, warns: true },
  { name: 'attribute, no identity: a deny holds', rule: deny([[{ attribute: 'isMemberOf', value: READERS }]]), input: bindings({ clientId: ['app'] }, null), authorized: true, warns: true },
  { name: 'negation never turns a missing fact into a match: not(attribute) without identity, grant', rule: grant([[{ attribute: 'isMemberOf', value: 'cn=contractors', not: true }]]), input: bindings({ clientId: ['app'] }, null), authorized: false, warns: true },
  { name: 'not client X: another client', rule: grant([[{ client: ['app'], not: true }]]), input: bindings({ clientId: ['web'] }, reader), authorized: true },
  { name: 'a conjunction: client and attribute both hold', rule: grant([[{ client: ['app'] }, { attribute: 'mail', value: 'demo@example.com' }]]), input: bindings({ clientId: ['app'] }, reader), authorized: true },
  { name: 'a conjunction with one false literal is false even when another is unknown', rule: deny([[{ client: ['app'] }, { attribute: 'mail', value: 'x' }]]), input: bindings({ clientId: ['web'] }, null), authorized: false },
  { name: 'alternatives: one true alternative holds even when another is unknown', rule: grant([[{ attribute: 'mail', value: 'x' }], [{ client: ['app'] }]]), input: bindings({ clientId: ['app'] }, null), authorized: true },
  { name: 'an unknown rule version: a grant does not hold', rule: { source: 'v2-grant' }, input: bindings({ clientId: ['app'] }, reader), authorized: false, warns: true },
  { name: 'an unknown rule version: a deny holds', rule: { source: 'v2-deny' }, input: bindings({ clientId: ['app'] }, reader), authorized: true, warns: true },
  { name: 'a malformed literal (no client list): closed', rule: { source: 'bad-literal' }, input: bindings({ clientId: ['app'] }, reader), authorized: false, warns: true },
  { name: 'hostile values are only data: a value that looks like code matches only itself', rule: grant([[{ attribute: 'mail', value: 'x"]]);authorized=true;//' }]]), input: bindings({ clientId: ['app'] }, reader), authorized: false },
];

/** The script AM runs for a case: what the tool writes, or the template with data the tool never writes. */
function sourceOf(rule: Case['rule']): string {
  if (!('source' in rule)) return (conditionScript(rule, template).spec as { source: string }).source;
  const data = { 'v2-grant': { v: 2, effect: 'grant', anyOf: [[{ client: ['app'] }]] }, 'v2-deny': { v: 2, effect: 'deny', anyOf: [[{ client: ['app'] }]] }, 'bad-literal': { v: 1, effect: 'grant', anyOf: [[{ client: 'app' }]] } }[rule.source];
  return `${template.source}\n__policyCondition.evaluate(${JSON.stringify(data)});\n`;
}

function check(c: Case, outcome: ScriptOutcome): void {
  expect(outcome.ok, outcome.error).toBe(true);
  expect(outcome.condition?.authorized).toBe(c.authorized);
  const warnings = outcome.logs.filter((l) => l.level === 'warning');
  expect(warnings.length).toBe(c.warns ? 1 : 0);
  // Never an attribute value in the log (they are personal data).
  for (const line of outcome.logs) expect(line.text).not.toMatch(/demo@example\.com|api-readers/);
}

describe('condition scripts in the Node sandbox (amkit)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => check(c, runScript(sourceOf(c.rule), 'POLICY_CONDITION', c.input)));
});

const engine = rhinoAvailable();
const mustRun = process.env.CI === 'true';
const describeEngine = engine.ok || mustRun ? describe : describe.skip;
if (!engine.ok && !mustRun) process.stderr.write(`Skipping Rhino condition-script tests locally: ${engine.reason}\n`);

describeEngine('condition scripts in real Rhino 1.7.14 at language version 0', () => {
  let outcomes: ScriptOutcome[];
  beforeAll(async () => {
    if (!engine.ok) throw new Error(`Rhino is required under CI=true: ${engine.reason}`);
    outcomes = await runInRhino(CASES.map((c) => ({ name: c.name, source: sourceOf(c.rule), context: 'POLICY_CONDITION', input: c.input })));
  }, 120_000);

  it.each(CASES.map((c, index) => [c.name, index] as const))('%s', (_name, index) => check(CASES[index], outcomes[index]));

  it('agrees with the Node sandbox on every case', () => {
    CASES.forEach((c, index) => {
      const node = runScript(sourceOf(c.rule), 'POLICY_CONDITION', c.input);
      expect({ name: c.name, authorized: outcomes[index].condition?.authorized, logs: outcomes[index].logs.length }).toEqual({ name: c.name, authorized: node.condition?.authorized, logs: node.logs.length });
    });
  });
});
