/**
 * AM's policy decision as its native OAuth2 scope decision makes it (usePolicyEngineForScope): the
 * subject is the resource owner's identity — matched by Identity subjects through its universal id
 * (DN) and by AuthenticatedUsers when it has a session — and the environment is
 * {clientId: [<client>]}. No JWT principal exists there, so JwtClaim subjects never match. Script
 * conditions run the stored POLICY_CONDITION script with AM's condition bindings; a condition
 * script that fails makes the whole decision fail (AM's ScriptCondition throws an
 * EntitlementException), which is stricter than "no decision". A subject or condition type the
 * policy set does not allow, or that is not implemented here, never applies (AM refuses to store
 * such a policy; here it can only be closed). DenyOverride combines. Beside policy-engine.ts, whose
 * synchronous claims-based evaluation serves the REST evaluate and the next-generation binding.
 */
import type { JsonObject, JsonValue, RealmState } from '../types.js';
import { matchResource } from './policy-engine.js';
import { isJsonObject } from '../../common/json.js';

/** The identity a scope decision is made for. */
export interface DecisionSubject {
  /** AM's universal id, e.g. id=<uuid>,ou=user,o=alpha,ou=services,ou=am-config. */
  universalId: string;
  /** A live authentication (AuthenticatedUsers matches; the condition scripts get `identity`). */
  authenticated: boolean;
  /** The identity's attributes, bound as `identity` to condition scripts; null when no session exists. */
  attributes: Record<string, string[]> | null;
  /** The principal name a condition script sees as `username`. */
  username: string;
}

/** Runs a Script condition; resolves `error` when the script could not be evaluated. */
export type ConditionRunner = (scriptId: string, resource: string) => Promise<{ authorized: boolean; error?: string }>;

export type NativeDecision = { ok: true; decisions: Map<string, boolean | undefined> } | { ok: false; error: string };

const LOGICAL = new Set(['AND', 'OR', 'NOT']);
const SUBJECT_TYPES = new Set(['AND', 'OR', 'NOT', 'AuthenticatedUsers', 'Identity', 'NONE', 'JwtClaim']);
const CONDITION_TYPES = new Set(['AND', 'OR', 'NOT', 'Script']);

const children = (node: JsonObject, many: string, one: string): JsonObject[] | undefined => {
  if (node.type === 'NOT') return isJsonObject(node[one]) ? [node[one] as JsonObject] : undefined;
  return Array.isArray(node[many]) && (node[many] as JsonValue[]).every(isJsonObject) ? (node[many] as JsonObject[]) : undefined;
};

/** Every node is of a type this evaluator knows and the policy set allows; otherwise the policy never applies (also under NOT). */
function wellFormed(node: JsonValue | undefined, known: Set<string>, allowed: Set<string>, many: string, one: string): boolean {
  if (!isJsonObject(node) || typeof node.type !== 'string' || !known.has(node.type) || !allowed.has(node.type)) return false;
  if (!LOGICAL.has(node.type)) return true;
  const inner = children(node, many, one);
  return !!inner && inner.length > 0 && inner.every((child) => wellFormed(child, known, allowed, many, one));
}

/** DNs compare case-insensitively. */
const sameDn = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function subjectMatches(node: JsonObject, subject: DecisionSubject): boolean {
  switch (node.type) {
    case 'AND':
      return children(node, 'subjects', 'subject')!.every((s) => subjectMatches(s, subject));
    case 'OR':
      return children(node, 'subjects', 'subject')!.some((s) => subjectMatches(s, subject));
    case 'NOT':
      return !subjectMatches(children(node, 'subjects', 'subject')![0], subject);
    case 'AuthenticatedUsers':
      return subject.authenticated;
    case 'Identity':
      return Array.isArray(node.subjectValues) && node.subjectValues.some((value) => typeof value === 'string' && sameDn(value, subject.universalId));
    // JwtClaim needs a JWT principal, which this decision never has; NONE never matches.
    default:
      return false;
  }
}

class ConditionFailed extends Error {}

async function conditionHolds(node: JsonObject, resource: string, run: ConditionRunner): Promise<boolean> {
  switch (node.type) {
    case 'AND': {
      for (const inner of children(node, 'conditions', 'condition')!) if (!(await conditionHolds(inner, resource, run))) return false;
      return true;
    }
    case 'OR': {
      for (const inner of children(node, 'conditions', 'condition')!) if (await conditionHolds(inner, resource, run)) return true;
      return false;
    }
    case 'NOT':
      return !(await conditionHolds(children(node, 'conditions', 'condition')![0], resource, run));
    case 'Script': {
      if (typeof node.scriptId !== 'string' || !node.scriptId) throw new ConditionFailed('a Script condition names no script');
      const outcome = await run(node.scriptId, resource);
      if (outcome.error !== undefined) throw new ConditionFailed(outcome.error);
      return outcome.authorized;
    }
    default:
      return false;
  }
}

const listOf = (value: JsonValue | undefined): Set<string> => new Set(Array.isArray(value) ? value.map(String) : []);

/**
 * The decision for each resource (scope): true (GRANT), false (denied) or undefined (no policy
 * applied). Conditions are evaluated only for policies whose resource and subject match.
 */
export async function decideNatively(realm: RealmState, application: string, resources: string[], subject: DecisionSubject, run: ConditionRunner): Promise<NativeDecision> {
  const set = realm.policySets[application];
  if (!set) return { ok: false, error: `Application '${application}' not found in realm` };
  const subjectTypes = listOf(set.subjects);
  const conditionTypes = listOf(set.conditions);
  const candidates = Object.values(realm.policies).filter(
    (p) =>
      p.applicationName === application &&
      p.active !== false &&
      wellFormed(p.subject, SUBJECT_TYPES, subjectTypes, 'subjects', 'subject') &&
      (p.condition === undefined || p.condition === null || wellFormed(p.condition, CONDITION_TYPES, conditionTypes, 'conditions', 'condition')) &&
      subjectMatches(p.subject as JsonObject, subject),
  );
  const decisions = new Map<string, boolean | undefined>();
  try {
    for (const resource of resources) {
      let decision: boolean | undefined;
      for (const policy of candidates) {
        const patterns = Array.isArray(policy.resources) ? policy.resources.map(String) : [];
        if (!patterns.some((pattern) => matchResource(pattern, resource))) continue;
        const grant = isJsonObject(policy.actionValues) ? policy.actionValues.GRANT : undefined;
        if (typeof grant !== 'boolean') continue;
        if (isJsonObject(policy.condition) && !(await conditionHolds(policy.condition, resource, run))) continue;
        // DenyOverride: one applicable deny beats any number of grants.
        decision = decision === undefined ? grant : decision && grant;
      }
      decisions.set(resource, decision);
    }
  } catch (thrown) {
    if (thrown instanceof ConditionFailed) return { ok: false, error: `a Script condition could not be evaluated: ${thrown.message}` };
    throw thrown;
  }
  return { ok: true, decisions };
}
