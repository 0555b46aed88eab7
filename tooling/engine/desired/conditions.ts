/**
 * Grant conditions of the providers' access file as AM policy subjects (JwtClaim, AND, OR, NOT):
 * the token modification script evaluates those policies through the REST evaluate with a claims
 * subject, where JwtClaim matches. Scope rules (scopePolicies) must not use this: AM's native scope
 * decision has no JWT, so they are compiled by scope-policies.ts instead. Pure.
 */
import type { Condition } from '../../config/access.js';
import type { JsonObject } from '../model.js';

const claim = (name: string, value: string): JsonObject => ({ type: 'JwtClaim', claimName: name, claimValue: value });

/** All keys of one condition object are ANDed. */
export function compileCondition(condition: Condition): JsonObject {
  const parts: JsonObject[] = [];
  if (condition.client !== undefined) parts.push(claim('client', condition.client));
  if (condition.user !== undefined) parts.push(claim('subject', condition.user));
  if (condition.claim !== undefined && condition.value !== undefined) parts.push(claim(condition.claim, condition.value));
  if (condition.allOf) parts.push(combine('AND', condition.allOf.map(compileCondition)));
  if (condition.anyOf) parts.push(combine('OR', condition.anyOf.map(compileCondition)));
  if (condition.not) parts.push({ type: 'NOT', subject: compileCondition(condition.not) });
  if (condition.authenticatedUsers) parts.push({ type: 'AuthenticatedUsers' });
  return combine('AND', parts);
}

/** Duplicates removed and sorted, so equal configurations give equal subjects; one part needs no combinator. */
export function combine(type: 'AND' | 'OR', subjects: JsonObject[]): JsonObject {
  const unique = [...new Map(subjects.map((s) => [JSON.stringify(s), s])).values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return unique.length === 1 ? unique[0] : { type, subjects: unique };
}
