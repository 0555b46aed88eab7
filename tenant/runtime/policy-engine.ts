/**
 * AM's policy decision as pure functions: resource matching ("*" crosses "/", case-insensitive),
 * subject conditions (JwtClaim, AND, OR, NOT, AuthenticatedUsers) and DenyOverride combining.
 * Owns no HTTP and no state changes, so it is unit-tested directly and cheap enough to run per token.
 */
import type { JsonObject, JsonValue, RealmState } from '../types.js';
import { isJsonObject } from '../../common/json.js';

const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 10_000;
/** AM answers Long.MAX_VALUE when no condition limits the decision; JSON numbers stop at 2^53. */
export const NO_EXPIRY_TTL = Number.MAX_SAFE_INTEGER;

/** AM wildcard: each `*` matches any run of characters, `/` included; the whole resource must match. */
export function matchResource(pattern: string, resource: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&'))
      .join('.*');
    regex = new RegExp(`^${body}$`, 'is');
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex.test(resource);
}

export interface SubjectContext {
  /** The evaluated subject is a live SSO session (AuthenticatedUsers matches only then). */
  authenticated: boolean;
}

const KNOWN_SUBJECTS = new Set(['JwtClaim', 'AND', 'OR', 'NOT', 'AuthenticatedUsers']);

/** Every node of the subject tree is a type we evaluate; otherwise the subject never matches (fail closed, also under NOT). */
function isKnownSubject(subject: JsonValue | undefined): boolean {
  if (!isJsonObject(subject) || !KNOWN_SUBJECTS.has(String(subject.type))) return false;
  if (subject.type === 'AND' || subject.type === 'OR') return Array.isArray(subject.subjects) && subject.subjects.every(isKnownSubject);
  if (subject.type === 'NOT') return isKnownSubject(subject.subject);
  return true;
}

function claimEquals(claim: JsonValue | undefined, expected: string): boolean {
  if (Array.isArray(claim)) return claim.some((value) => claimEquals(value, expected));
  if (claim === undefined || claim === null || typeof claim === 'object') return false;
  return String(claim) === expected;
}

function evaluateSubject(subject: JsonObject, claims: Record<string, JsonValue>, context: SubjectContext): boolean {
  switch (subject.type) {
    case 'JwtClaim':
      return typeof subject.claimName === 'string' && subject.claimValue !== undefined && subject.claimValue !== null && claimEquals(claims[subject.claimName], String(subject.claimValue));
    case 'AND': {
      const inner = subject.subjects as JsonObject[];
      return inner.length > 0 && inner.every((s) => evaluateSubject(s, claims, context));
    }
    case 'OR':
      return (subject.subjects as JsonObject[]).some((s) => evaluateSubject(s, claims, context));
    case 'NOT':
      return !evaluateSubject(subject.subject as JsonObject, claims, context);
    case 'AuthenticatedUsers':
      return context.authenticated;
    default:
      return false;
  }
}

export function subjectMatches(subject: JsonValue | undefined, claims: Record<string, JsonValue>, context: SubjectContext = { authenticated: false }): boolean {
  return isKnownSubject(subject) && evaluateSubject(subject as JsonObject, claims, context);
}

export interface EvaluationRequest {
  application: string;
  resources: string[];
  /** Claims of the subject (from `subject.claims`, or a decoded `subject.jwt`). */
  claims: Record<string, JsonValue>;
  context: SubjectContext;
}

export interface DecisionRow {
  resource: string;
  actions: Record<string, boolean>;
  attributes: JsonObject;
  advices: JsonObject;
  ttl: number;
}

export type EvaluationResult = { ok: true; rows: DecisionRow[] } | { ok: false; error: string };

/**
 * One row per requested resource, in request order. A policy applies when it is active, one of its
 * resource patterns matches and its subject matches. Policies with a `condition` never apply: no
 * environment condition is implemented, and not applying is the closed side.
 */
export function evaluatePolicies(realm: RealmState, request: EvaluationRequest): EvaluationResult {
  const policySet = realm.policySets[request.application];
  if (!policySet) return { ok: false, error: `Application '${request.application}' not found in realm` };
  // Index once per request: only this application's live policies whose subject matches this caller.
  const candidates = Object.values(realm.policies).filter(
    (p) => p.applicationName === request.application && p.active !== false && (p.condition === undefined || p.condition === null) && subjectMatches(p.subject, request.claims, request.context),
  );
  const rows = request.resources.map((resource) => {
    const actions: Record<string, boolean> = {};
    const attributes: Record<string, string[]> = {};
    for (const policy of candidates) {
      const patterns = Array.isArray(policy.resources) ? policy.resources.map(String) : [];
      if (!patterns.some((pattern) => matchResource(pattern, resource))) continue;
      // Static response attributes of every applying policy are merged, as AM does.
      for (const attribute of Array.isArray(policy.resourceAttributes) ? policy.resourceAttributes : []) {
        if (!isJsonObject(attribute) || attribute.type !== 'Static' || typeof attribute.propertyName !== 'string' || !Array.isArray(attribute.propertyValues)) continue;
        const values = (attributes[attribute.propertyName] ??= []);
        for (const value of attribute.propertyValues) if (!values.includes(String(value))) values.push(String(value));
      }
      for (const [action, value] of Object.entries(isJsonObject(policy.actionValues) ? policy.actionValues : {})) {
        if (typeof value !== 'boolean') continue;
        // DenyOverride: one applicable deny beats any number of allows.
        actions[action] = action in actions ? actions[action] && value : value;
      }
    }
    return { resource, actions, attributes: attributes as JsonObject, advices: {}, ttl: NO_EXPIRY_TTL };
  });
  return { ok: true, rows };
}
