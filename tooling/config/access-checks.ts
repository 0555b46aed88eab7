/**
 * The building blocks of access-file validation: a checker collecting `path: expected …` problems
 * for one file, name rules, and grant conditions. Pure.
 */
import { isValidScopeName, SCOPE_NAME_RULE } from '../../scripts/lib/scope-grammar.js';
import { LIMITS, type AccessProblem } from './access-model.js';

export const typeName = (value: unknown) =>
  value === undefined ? 'nothing' : value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `${typeof value} ${String(JSON.stringify(value)).slice(0, 40)}`;
export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
export const CONDITION_KEYS = ['client', 'user', 'claim', 'value', 'allOf', 'anyOf', 'not'];
export const SCOPE_RULE_CONDITION_KEYS = [...CONDITION_KEYS, 'authenticatedUsers'];
export const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
/**
 * A resource owner's id in a scope rule: it becomes the value of a DN (id=<user>,ou=user,o=<realm>,…)
 * in an Identity subject, so DN special characters (, + " \\ < > ; = #) and spaces are refused.
 */
export const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
export const USER_ID_RULE = '1-128 characters of A-Z a-z 0-9 . _ @ -, starting with a letter or digit (the user\'s _id, e.g. a UUID)';
/** Java locale strings as AM compares them (language, then _COUNTRY, then _variant); "default" is the entry without a locale. */
export const LOCALE = /^[a-z]{2,3}(_[A-Z]{2}(_[A-Za-z0-9]{1,8})?)?$/;
export const DEFAULT_LOCALE_KEY = 'default';
export const SCOPE_DESCRIPTION_LENGTH = 256;

export class Checker {
  readonly problems: AccessProblem[] = [];
  constructor(readonly file: string) {}
  add(pathText: string, message: string) {
    if (this.problems.length < LIMITS.problems) this.problems.push({ file: this.file, path: pathText, message });
  }
  object(value: unknown, pathText: string, allowed: string[], required: string[] = []): value is Record<string, unknown> {
    if (!isObject(value)) {
      this.add(pathText, `expected an object, got ${typeName(value)}`);
      return false;
    }
    for (const key of Object.keys(value)) if (!allowed.includes(key)) this.add(`${pathText ? pathText + '.' : ''}${key}`, `unknown key; allowed keys here: ${allowed.join(', ')}`);
    for (const key of required) if (!(key in value)) this.add(pathText, `missing "${key}"`);
    return true;
  }
  string(value: unknown, pathText: string): value is string {
    if (typeof value === 'string' && value.length > 0) return true;
    this.add(pathText, `expected a non-empty string, got ${typeName(value)}`);
    return false;
  }
  optionalDescription(container: Record<string, unknown>, pathText: string) {
    if (!('description' in container)) return;
    if (typeof container.description !== 'string') this.add(`${pathText}.description`, `expected a string, got ${typeName(container.description)}`);
    else if (container.description.length > LIMITS.descriptionLength) this.add(`${pathText}.description`, `${container.description.length} characters; at most ${LIMITS.descriptionLength}`);
  }
  /** Names that differ only by case: AM matches resources case-insensitively, so both must not exist. */
  caseCollisions(names: string[], pathOf: (name: string) => string, what: string) {
    const seen = new Map<string, string>();
    for (const name of names) {
      const folded = name.toLowerCase();
      const other = seen.get(folded);
      if (other === undefined) seen.set(folded, name);
      else this.add(pathOf(name), `${what} "${name}" differs from ${what} "${other}" (${pathOf(other)}) only by case; AM matches resources case-insensitively, so one's policy would match the other's: rename one`);
    }
  }
}

/** What a condition may name: grants and scope rules differ in which clients and claims exist. */
export interface ConditionRules {
  keys: string[];
  /** A problem with this client id, or undefined when it is fine. */
  client(id: string): string | undefined;
  claim(name: string): string | undefined;
  /** A problem with this user id (scope rules: it goes into a DN); absent = any non-empty string. */
  user?(id: string): string | undefined;
}

export function grantRules(known: { consumers: Set<string>; claims: Set<string> }): ConditionRules {
  return {
    keys: CONDITION_KEYS,
    client: (id) => (known.consumers.has(id) ? undefined : `unknown consumer "${id}": declare it under "consumers" first`),
    claim: (name) => (known.claims.has(name) ? undefined : `unknown claim "${name}": list it in "identityClaims" so the scripts send it`),
  };
}

export function checkCondition(c: Checker, value: unknown, at: string, depth: number, rules: ConditionRules): void {
  if (depth > LIMITS.conditionDepth) {
    c.add(at, `conditions nested deeper than ${LIMITS.conditionDepth} levels; flatten them`);
    return;
  }
  if (!c.object(value, at, rules.keys)) return;
  const keys = Object.keys(value);
  if (keys.length === 0) c.add(at, `expected at least one of client, user, claim+value, allOf, anyOf, not${rules.keys.includes('authenticatedUsers') ? ', authenticatedUsers' : ''}`);
  if ('client' in value && c.string(value.client, `${at}.client`)) {
    const problem = rules.client(value.client);
    if (problem) c.add(`${at}.client`, problem);
  }
  if ('user' in value && c.string(value.user, `${at}.user`)) {
    const problem = rules.user?.(value.user);
    if (problem) c.add(`${at}.user`, problem);
  }
  if ('claim' in value || 'value' in value) {
    if (c.string(value.claim, `${at}.claim`)) {
      const problem = rules.claim(value.claim);
      if (problem) c.add(`${at}.claim`, problem);
    }
    c.string(value.value, `${at}.value`);
  }
  // Only `true` makes sense: "not authenticated" is `{ "not": { "authenticatedUsers": true } }`.
  if (rules.keys.includes('authenticatedUsers') && 'authenticatedUsers' in value && value.authenticatedUsers !== true) c.add(`${at}.authenticatedUsers`, `expected true, got ${typeName(value.authenticatedUsers)}`);
  for (const op of ['allOf', 'anyOf'] as const) {
    if (!(op in value)) continue;
    const list = value[op];
    if (!Array.isArray(list) || list.length === 0) c.add(`${at}.${op}`, `expected a non-empty array of conditions, got ${typeName(list)}`);
    else list.forEach((item, index) => checkCondition(c, item, `${at}.${op}[${index}]`, depth + 1, rules));
  }
  if ('not' in value) checkCondition(c, value.not, `${at}.not`, depth + 1, rules);
}

/** A scope a rule may name: a plain OAuth2 scope of the name grammar; no wildcard, no audience scope. */
export function scopeRuleNameProblem(scope: string): string | undefined {
  if (/^api:|:\/\//i.test(scope)) return 'audience scopes (api://…) are granted under "providers", not by scope rules';
  if (scope.includes('*')) return '"*" would be a wildcard in the policy\'s resource pattern; name each scope';
  if (!isValidScopeName(scope)) return `invalid scope name: expected ${SCOPE_NAME_RULE}`;
  return undefined;
}
