/**
 * The rule language's normal form (tooling/config/condition-forms.ts) and the compiled policies
 * (desired/scope-policies.ts) keep the meaning of a rule: checked on examples, and on a few
 * thousand generated conditions whose direct meaning is compared with the tenant's native decision
 * over the compiled policies (subjects evaluated by native-decision.ts, conditions by the scripts'
 * own decide()), for every combination of client, user and attribute values.
 */
import { describe, expect, it } from 'vitest';
import type { Condition } from '../../tooling/config/access.js';
import { anyOfForms, MAX_ALTERNATIVES, normalForm, TooManyAlternatives } from '../../tooling/config/condition-forms.js';
import { compileAlternatives, userDn } from '../../tooling/engine/desired/scope-policies.js';
import { conditionScriptName } from '../../tooling/engine/desired/condition-scripts.js';
import { decide, type ConditionRule } from '../../scripts/policy-condition-rule.js';
import { decideNatively } from '../../tenant/runtime/native-decision.js';
import type { JsonObject, RealmState } from '../../tenant/types.js';

describe('the normal form', () => {
  it('pushes negation down (De Morgan) and multiplies anyOf inside allOf', () => {
    expect(normalForm({ not: { allOf: [{ client: 'a' }, { user: 'u' }] } })).toEqual([[{ kind: 'client', id: 'a', not: true }], [{ kind: 'user', id: 'u', not: true }]]);
    expect(normalForm({ client: 'a', anyOf: [{ user: 'u' }, { claim: 'mail', value: 'm' }] })).toHaveLength(2);
    expect(normalForm({ not: { not: { client: 'a' } } })).toEqual([[{ kind: 'client', id: 'a', not: false }]]);
  });

  it('drops alternatives that can never hold: a literal and its negation, two clients, two users', () => {
    expect(normalForm({ allOf: [{ client: 'a' }, { not: { client: 'a' } }] })).toEqual([]);
    expect(normalForm({ allOf: [{ client: 'a' }, { client: 'b' }] })).toEqual([]);
    expect(normalForm({ allOf: [{ user: 'u' }, { user: 'v' }] })).toEqual([]);
    // Two values of one multi-valued attribute can both hold.
    expect(normalForm({ allOf: [{ claim: 'g', value: 'x' }, { claim: 'g', value: 'y' }] })).toHaveLength(1);
  });

  it('is bounded', () => {
    const wide = (prefix: string) => ({ anyOf: Array.from({ length: 9 }, (_, i) => ({ claim: 'mail', value: `${prefix}${i}` })) });
    expect(() => normalForm({ allOf: [wide('a'), wide('b')] })).toThrow(TooManyAlternatives);
    expect(() => anyOfForms(Array.from({ length: MAX_ALTERNATIVES + 1 }, (_, i) => ({ user: `u${i}` })))).toThrow(TooManyAlternatives);
  });
});

// ---- generated conditions: the compiled policies mean what the rule says ----

const CLIENTS = ['a', 'b', 'c'];
const USERS = ['u1', 'u2', 'u3'];
const MAILS = ['m1', 'm2'];

interface Facts {
  client: string;
  user: string;
  mails: string[];
}

function holds(condition: Condition, facts: Facts): boolean {
  const parts: boolean[] = [];
  if (condition.authenticatedUsers) parts.push(true); // users here always have a session
  if (condition.client !== undefined) parts.push(facts.client === condition.client);
  if (condition.user !== undefined) parts.push(facts.user === condition.user);
  if (condition.claim !== undefined) parts.push(facts.mails.includes(condition.value!));
  for (const inner of condition.allOf ?? []) parts.push(holds(inner, facts));
  if (condition.anyOf) parts.push(condition.anyOf.some((inner) => holds(inner, facts)));
  if (condition.not) parts.push(!holds(condition.not, facts));
  return parts.every(Boolean);
}

function generator(seed: number) {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)];
  const condition = (depth: number): Condition => {
    const roll = random();
    if (depth >= 3 || roll < 0.45) return pick<Condition>([{ client: pick(CLIENTS.slice(0, 2)) }, { user: pick(USERS.slice(0, 2)) }, { claim: 'mail', value: pick(MAILS) }, { authenticatedUsers: true }]);
    if (roll < 0.65) return { allOf: [condition(depth + 1), condition(depth + 1)] };
    if (roll < 0.85) return { anyOf: [condition(depth + 1), condition(depth + 1)] };
    return { not: condition(depth + 1) };
  };
  return condition;
}

/** The compiled policies as the tenant stores them, with their scripts' rules by script id. */
function compiledRealm(conditions: Condition[], effect: 'grant' | 'deny'): { realm: RealmState; rules: Map<string, ConditionRule> } {
  const rules = new Map<string, ConditionRule>();
  const policies: Record<string, JsonObject> = {};
  compileAlternatives(anyOfForms(conditions), effect, 'alpha').forEach((policy, index) => {
    let condition: JsonObject | undefined;
    if (policy.rule) {
      rules.set(conditionScriptName(policy.rule), policy.rule);
      condition = { type: 'Script', scriptId: conditionScriptName(policy.rule) };
    }
    policies[`p${index}`] = { name: `p${index}`, active: true, applicationName: 'set', resources: ['scope'], actionValues: { GRANT: effect === 'grant' }, subject: policy.subject, ...(condition ? { condition } : {}) };
  });
  const set = { name: 'set', subjects: ['AND', 'AuthenticatedUsers', 'Identity', 'NOT', 'OR'], conditions: ['AND', 'NOT', 'OR', 'Script'] };
  return { realm: { policySets: { set }, policies } as unknown as RealmState, rules };
}

describe('compiled policies keep the meaning of the rules', () => {
  it('for generated rules of either effect, every client, user and attribute value', async () => {
    const condition = generator(7);
    const allFacts: Facts[] = CLIENTS.flatMap((client) => USERS.flatMap((user) => [[], ['m1'], ['m1', 'm2']].map((mails) => ({ client, user, mails }))));
    let compared = 0;
    for (let round = 0; round < 150; round++) {
      const rules = Array.from({ length: 1 + (round % 3) }, () => condition(0));
      let alternatives;
      try {
        alternatives = anyOfForms(rules);
      } catch (thrown) {
        if (thrown instanceof TooManyAlternatives) continue;
        throw thrown;
      }
      void alternatives;
      for (const effect of ['grant', 'deny'] as const) {
        const { realm, rules: scripts } = compiledRealm(rules, effect);
        for (const facts of allFacts) {
          const expected = rules.some((rule) => holds(rule, facts));
          const result = await decideNatively(realm, 'set', ['scope'], { universalId: userDn('alpha', facts.user), authenticated: true, attributes: { mail: facts.mails }, username: facts.user }, async (scriptId) => ({
            authorized: decide(scripts.get(scriptId), { clientIds: [facts.client], attribute: (name) => (name === 'mail' ? facts.mails : []) }).holds,
          }));
          if (!result.ok) throw new Error(result.error);
          const decision = result.decisions.get('scope');
          expect({ rules, facts, effect, applies: decision !== undefined }).toEqual({ rules, facts, effect, applies: expected });
          if (expected) expect(decision).toBe(effect === 'grant');
          compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(5000);
  });
});
