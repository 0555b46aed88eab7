/**
 * A scope rule's condition in disjunctive normal form: alternatives (any one holds), each a
 * conjunction of literals (all hold), negation pushed down to the literals. This is the form AM's
 * native scope decision can take apart: the subject literals (user, authenticatedUsers) become the
 * policy's subject, the others (client, claim) its Script condition. Pure; knows no AM object.
 */
import type { Condition } from './access.js';

export type ConditionLiteral =
  | { kind: 'authenticated'; not: boolean }
  | { kind: 'user'; id: string; not: boolean }
  | { kind: 'client'; id: string; not: boolean }
  | { kind: 'attribute'; name: string; value: string; not: boolean };

/** Alternatives of conjunctions; [] is "never", [[]] is "always". */
export type Alternatives = ConditionLiteral[][];

/** How many alternatives one scope and effect may expand to: each becomes part of a policy, and the product of anyOfs grows fast. */
export const MAX_ALTERNATIVES = 64;

export class TooManyAlternatives extends Error {}

const keyOf = (literal: ConditionLiteral): string => JSON.stringify(literal);
const atomKey = (literal: ConditionLiteral): string => JSON.stringify({ ...literal, not: false });

/** Drops repeated literals; a conjunction holding a literal and its negation, or two different users or clients, can never hold. */
function simplify(conjunction: ConditionLiteral[]): ConditionLiteral[] | undefined {
  const byKey = new Map<string, ConditionLiteral>();
  for (const literal of conjunction) byKey.set(keyOf(literal), literal);
  const literals = [...byKey.values()];
  const atoms = new Map<string, boolean>();
  for (const literal of literals) {
    const previous = atoms.get(atomKey(literal));
    if (previous !== undefined && previous !== literal.not) return undefined;
    atoms.set(atomKey(literal), literal.not);
  }
  for (const kind of ['user', 'client'] as const) {
    const positives = new Set(literals.filter((l) => l.kind === kind && !l.not).map((l) => (l as { id: string }).id));
    if (positives.size > 1) return undefined; // one resource owner, one client per request
  }
  return literals.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
}

function dedupe(alternatives: Alternatives): Alternatives {
  const unique = new Map<string, ConditionLiteral[]>();
  for (const conjunction of alternatives) {
    const simplified = simplify(conjunction);
    if (simplified) unique.set(JSON.stringify(simplified), simplified);
  }
  return [...unique.values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function bounded(alternatives: Alternatives): Alternatives {
  if (alternatives.length > MAX_ALTERNATIVES) throw new TooManyAlternatives(`expands to more than ${MAX_ALTERNATIVES} alternatives (each anyOf multiplies them); split the rule or simplify it`);
  return alternatives;
}

/** All of several alternative sets: the product of their conjunctions. */
function product(parts: Alternatives[]): Alternatives {
  let result: Alternatives = [[]];
  for (const part of parts) {
    const next: Alternatives = [];
    for (const left of result) for (const right of part) next.push([...left, ...right]);
    result = bounded(dedupe(next));
  }
  return result;
}

function literalsOf(condition: Condition, negated: boolean): Alternatives[] {
  const parts: Alternatives[] = [];
  const literal = (value: ConditionLiteral): Alternatives => [[value]];
  if (condition.authenticatedUsers) parts.push(literal({ kind: 'authenticated', not: negated }));
  if (condition.user !== undefined) parts.push(literal({ kind: 'user', id: condition.user, not: negated }));
  if (condition.client !== undefined) parts.push(literal({ kind: 'client', id: condition.client, not: negated }));
  if (condition.claim !== undefined && condition.value !== undefined) parts.push(literal({ kind: 'attribute', name: condition.claim, value: condition.value, not: negated }));
  for (const inner of condition.allOf ?? []) parts.push(normalForm(inner, negated));
  if (condition.anyOf) parts.push(negated ? product(condition.anyOf.map((inner) => normalForm(inner, true))) : bounded(dedupe(condition.anyOf.flatMap((inner) => normalForm(inner, false)))));
  if (condition.not) parts.push(normalForm(condition.not, !negated));
  return parts;
}

/**
 * The condition (negated when `negated`) as alternatives. The keys of one condition object are all
 * required: their conjunction, or — negated — the alternatives of their negations (De Morgan).
 */
export function normalForm(condition: Condition, negated = false): Alternatives {
  const parts = literalsOf(condition, negated);
  return negated ? bounded(dedupe(parts.flat())) : product(parts);
}

/** The alternatives of several conditions of which any one suffices (the rules of one scope and effect). */
export function anyOfForms(conditions: Condition[]): Alternatives {
  return bounded(dedupe(conditions.flatMap((condition) => normalForm(condition))));
}
