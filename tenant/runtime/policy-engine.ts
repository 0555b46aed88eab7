/**
 * AM's policy decision, as pure functions: resource matching ("*" crosses "/", case-insensitive),
 * subject conditions (JwtClaim, AND, OR, NOT, AuthenticatedUsers) and DenyOverride combining.
 * No HTTP here, so it is unit-tested directly and fast enough to run per token.
 */
import type { JsonObject, JsonValue, RealmState } from '../types.js';

const compiled = new Map<string, RegExp>();

export function matchResource(pattern: string, resource: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&'))
      .join('.*');
    regex = new RegExp(`^${body}$`, 'i');
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex.test(resource);
}

export interface EvaluationSubject {
  claims: Record<string, JsonValue>;
  /** A valid SSO token or claims were presented. */
  authenticated: boolean;
}

export function subjectMatches(subject: JsonValue | undefined, who: EvaluationSubject): boolean {
  if (!subject || typeof subject !== 'object' || Array.isArray(subject)) return false;
  const s = subject as JsonObject;
  switch (s.type) {
    case 'JwtClaim': {
      const claim = who.claims[String(s.claimName)];
      const expected = String(s.claimValue);
      return Array.isArray(claim) ? claim.some((value) => String(value) === expected) : claim !== undefined && claim !== null && String(claim) === expected;
    }
    case 'AND':
      return Array.isArray(s.subjects) && s.subjects.length > 0 && s.subjects.every((inner) => subjectMatches(inner, who));
    case 'OR':
      return Array.isArray(s.subjects) && s.subjects.some((inner) => subjectMatches(inner, who));
    case 'NOT':
      // A NOT over something we cannot evaluate must not grant: evaluate the inner subject strictly.
      return s.subject !== undefined && isKnownSubject(s.subject) && !subjectMatches(s.subject, who);
    case 'AuthenticatedUsers':
      return who.authenticated;
    default:
      return false;
  }
}

function isKnownSubject(subject: JsonValue): boolean {
  if (!subject || typeof subject !== 'object' || Array.isArray(subject)) return false;
  const s = subject as JsonObject;
  if (s.type === 'AND' || s.type === 'OR') return Array.isArray(s.subjects) && s.subjects.every(isKnownSubject);
  if (s.type === 'NOT') return s.subject !== undefined && isKnownSubject(s.subject);
  return s.type === 'JwtClaim' || s.type === 'AuthenticatedUsers';
}

export interface DecisionRow {
  resource: string;
  actions: Record<string, boolean>;
  attributes: JsonObject;
  advices: JsonObject;
  ttl: number;
}

/** One row per requested resource, in request order. Policies with conditions are not applied (not implemented: fail closed). */
export function evaluatePolicies(realm: RealmState, application: string, resources: string[], who: EvaluationSubject): DecisionRow[] {
  const policies = Object.values(realm.policies).filter((p) => p.applicationName === application && p.active !== false && !p.condition);
  return resources.map((resource) => {
    const actions: Record<string, boolean> = {};
    for (const policy of policies) {
      if (!((policy.resources ?? []) as string[]).some((pattern) => matchResource(pattern, resource))) continue;
      if (!subjectMatches(policy.subject, who)) continue;
      for (const [action, allowed] of Object.entries((policy.actionValues ?? {}) as Record<string, boolean>)) {
        // DenyOverride: one deny wins over any number of allows.
        actions[action] = action in actions ? actions[action] && allowed : allowed;
      }
    }
    return { resource, actions, attributes: {}, advices: {}, ttl: Number.MAX_SAFE_INTEGER };
  });
}
