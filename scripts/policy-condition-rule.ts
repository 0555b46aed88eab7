/**
 * The decision of the tool's scope-policy condition scripts (POLICY_CONDITION), as a pure function
 * of the rule the deploy tool compiled into the script and of plain facts read from AM's bindings.
 * Knows no binding: scripts/policy-condition.ts reads them, tooling/engine/desired writes the rule.
 *
 * Three-valued (Kleene) logic: a literal whose fact is missing (no identity, no clientId) is
 * unknown, never false, so that negation cannot turn a missing fact into a match. An unknown or
 * malformed result takes the rule's failure outcome, which never widens what a token gets: a grant
 * condition does not hold, a deny condition holds (the deny applies).
 */

/** The client asking (one of `client`), or an identity attribute holding `value`; `not` negates. */
export type RuleLiteral = { client: string[]; not?: boolean } | { attribute: string; value: string; not?: boolean };

export interface ConditionRule {
  /** Version of this rule language; a script refuses (fails closed on) any other. */
  v: 1;
  /** The policy's effect: decides what a condition that cannot be evaluated yields. */
  effect: 'grant' | 'deny';
  /** Alternatives (any one holds), each a conjunction of literals (all hold). */
  anyOf: RuleLiteral[][];
}

export interface ConditionFacts {
  /** The values of environment.clientId (AM passes exactly one for OAuth2 scope decisions); null when absent. */
  clientIds: string[] | null;
  /** The evaluated identity's values of an attribute; null when there is no identity. */
  attribute(name: string): string[] | null;
}

/** true, false, or null for unknown. */
type Truth = boolean | null;

export const RULE_VERSION = 1;
const MAX_ALTERNATIVES = 256;
const MAX_LITERALS = 64;

const isArray = (value: unknown): value is unknown[] => Object.prototype.toString.call(value) === '[object Array]';
const isStringList = (value: unknown): value is string[] => {
  if (!isArray(value) || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
};

function literalProblem(literal: unknown): string | undefined {
  if (!literal || typeof literal !== 'object' || isArray(literal)) return 'a literal is not an object';
  const value = literal as Record<string, unknown>;
  if ('not' in value && typeof value.not !== 'boolean') return 'a literal has a non-boolean "not"';
  if ('client' in value) return isStringList(value.client) && !('attribute' in value) ? undefined : 'a client literal needs a non-empty list of client ids';
  if ('attribute' in value) return typeof value.attribute === 'string' && value.attribute !== '' && typeof value.value === 'string' ? undefined : 'an attribute literal needs an attribute name and a value';
  return 'a literal names neither client nor attribute';
}

/** What is wrong with the rule data, or undefined: a script never decides on data it does not understand. */
export function ruleProblem(rule: unknown): string | undefined {
  if (!rule || typeof rule !== 'object' || isArray(rule)) return 'the rule is not an object';
  const value = rule as Record<string, unknown>;
  if (value.v !== RULE_VERSION) return 'unknown rule version';
  if (value.effect !== 'grant' && value.effect !== 'deny') return 'unknown effect';
  if (!isArray(value.anyOf) || value.anyOf.length === 0 || value.anyOf.length > MAX_ALTERNATIVES) return 'anyOf must hold 1 to ' + MAX_ALTERNATIVES + ' alternatives';
  for (let i = 0; i < value.anyOf.length; i++) {
    const conjunction = value.anyOf[i];
    if (!isArray(conjunction) || conjunction.length === 0 || conjunction.length > MAX_LITERALS) return 'an alternative must hold 1 to ' + MAX_LITERALS + ' literals';
    for (let j = 0; j < conjunction.length; j++) {
      const problem = literalProblem(conjunction[j]);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** The outcome when the condition cannot be decided: only a deny condition holds then. */
export function failureOutcome(rule: unknown): boolean {
  return !!rule && typeof rule === 'object' && (rule as { effect?: unknown }).effect === 'deny';
}

const contains = (values: string[], wanted: string) => {
  for (let i = 0; i < values.length; i++) if (values[i] === wanted) return true;
  return false;
};

function literalTruth(literal: RuleLiteral, facts: ConditionFacts): Truth {
  let truth: Truth;
  if ('client' in literal) {
    // One client asks; anything else (none, several) is not a fact this rule can rely on.
    truth = facts.clientIds === null || facts.clientIds.length !== 1 ? null : contains(literal.client, facts.clientIds[0]);
  } else {
    const values = facts.attribute(literal.attribute);
    truth = values === null ? null : contains(values, literal.value);
  }
  return truth === null ? null : literal.not === true ? !truth : truth;
}

function conjunctionTruth(literals: RuleLiteral[], facts: ConditionFacts): Truth {
  let unknown = false;
  for (let i = 0; i < literals.length; i++) {
    const truth = literalTruth(literals[i], facts);
    if (truth === false) return false;
    if (truth === null) unknown = true;
  }
  return unknown ? null : true;
}

/** Whether the condition holds: the rule's alternatives over the facts, or its failure outcome when that is unknown. */
export function decide(rule: unknown, facts: ConditionFacts): { holds: boolean; reason?: string } {
  const problem = ruleProblem(rule);
  if (problem) return { holds: failureOutcome(rule), reason: 'malformed rule: ' + problem };
  const valid = rule as ConditionRule;
  let unknown = false;
  for (let i = 0; i < valid.anyOf.length; i++) {
    const truth = conjunctionTruth(valid.anyOf[i], facts);
    if (truth === true) return { holds: true };
    if (truth === null) unknown = true;
  }
  if (unknown) return { holds: failureOutcome(valid), reason: 'a fact the rule needs is missing (no identity, or no single clientId)' };
  return { holds: false };
}
