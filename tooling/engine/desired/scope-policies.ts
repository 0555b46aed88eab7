/**
 * The `scopePolicies` section (dynamic scopes) as what AM's native scope decision evaluates. That
 * decision (usePolicyEngineForScope) puts each scope to the scopes policy set with the resource
 * owner's identity as subject and the environment {clientId: [<client>]}, and no JWT: JwtClaim
 * subjects never match there. So each rule's condition, in normal form (config/condition-forms),
 * is taken apart:
 *   - user U            → subject Identity with U's DN (id=U,ou=user,o=<realm>,ou=services,ou=am-config)
 *   - authenticatedUsers → subject AuthenticatedUsers
 *   - client C / claim  → a Script condition (scripts/policy-condition.ts, one script per distinct rule)
 *                         reading environment.clientId and identity.getAttribute
 * Policies of one scope and effect are "<set> <scope> <effect>", then "… 2", "… 3" when their
 * alternatives need different conditions. Pure.
 */
import type { ClientConsentConfig, ScopePoliciesConfig } from '../../config/access.js';
import { DEFAULT_LOCALE_KEY } from '../../config/access.js';
import { anyOfForms, normalForm, type Alternatives, type ConditionLiteral } from '../../config/condition-forms.js';
import { RULE_VERSION, type ConditionRule, type RuleLiteral } from '../../../scripts/policy-condition-rule.js';
import { ref, type DesiredObject, type JsonObject, type JsonValue, type Ref } from '../model.js';
import { conditionScript, conditionScriptName, conditionTemplate } from './condition-scripts.js';
import type { BundleSource } from './machinery.js';
import { OAUTH2_SCOPE_RESOURCE_TYPE, scopePolicyName } from './names.js';
import { marked } from './providers.js';

export interface ScopePolicyContext {
  realm: string;
  /** The built bundles: the policy-condition template is taken from them when a rule needs a Script condition. */
  scripts: readonly BundleSource[];
}

/** The subject and condition types a created scopes policy set allows (what the compiled policies use). */
export const SCOPE_SET_SUBJECTS = ['AND', 'AuthenticatedUsers', 'Identity', 'NOT', 'OR'];
export const SCOPE_SET_CONDITIONS = ['AND', 'NOT', 'OR', 'Script'];

/** The universal id AM gives a realm's user: what an Identity subject names. */
export function userDn(realm: string, userId: string): string {
  const parts = realm.split('/').filter(Boolean).reverse().map((name) => `o=${name}`);
  return parts.length ? `id=${userId},ou=user,${parts.join(',')},ou=services,ou=am-config` : `id=${userId},ou=user,ou=am-config`;
}

const isSubjectLiteral = (literal: ConditionLiteral) => literal.kind === 'user' || literal.kind === 'authenticated';
const canonical = (value: unknown) => JSON.stringify(value);

function subjectOfLiteral(literal: ConditionLiteral, realm: string): JsonObject {
  const positive: JsonObject = literal.kind === 'user' ? { type: 'Identity', subjectValues: [userDn(realm, literal.id)] } : { type: 'AuthenticatedUsers' };
  return literal.not ? { type: 'NOT', subject: positive } : positive;
}

/** One alternative's subject literals as a subject; none means any authenticated resource owner. */
function subjectOf(literals: ConditionLiteral[], realm: string): JsonObject {
  if (literals.length === 0) return { type: 'AuthenticatedUsers' };
  const subjects = literals.map((l) => subjectOfLiteral(l, realm));
  return subjects.length === 1 ? subjects[0] : { type: 'AND', subjects };
}

/** Alternatives as one subject: plain Identity subjects merge into one (its values are alternatives too). */
function anyOfSubjects(subjects: JsonObject[]): JsonObject {
  const identities = subjects.filter((s) => s.type === 'Identity').flatMap((s) => s.subjectValues as string[]);
  const others = subjects.filter((s) => s.type !== 'Identity');
  const merged = [...new Map([...others, ...(identities.length ? [{ type: 'Identity', subjectValues: [...new Set(identities)].sort() }] : [])].map((s) => [canonical(s), s])).values()].sort((a, b) => canonical(a).localeCompare(canonical(b)));
  return merged.length === 1 ? merged[0] : { type: 'OR', subjects: merged };
}

function ruleLiteralOf(literal: ConditionLiteral): RuleLiteral {
  const not = literal.not ? { not: true } : {};
  if (literal.kind === 'client') return { client: [literal.id], ...not };
  if (literal.kind === 'attribute') return { attribute: literal.name, value: literal.value, ...not };
  throw new Error(`a ${literal.kind} literal is a subject, not a condition`);
}

/** Conjunctions that differ only in the one client they require become one with a client list ("only clients A, B"). */
function mergeClientAlternatives(conjunctions: RuleLiteral[][]): RuleLiteral[][] {
  const merged = new Map<string, RuleLiteral[]>();
  const rest: RuleLiteral[][] = [];
  for (const conjunction of conjunctions) {
    const clients = conjunction.filter((l) => 'client' in l && !l.not);
    if (clients.length !== 1) {
      rest.push(conjunction);
      continue;
    }
    const others = conjunction.filter((l) => l !== clients[0]);
    const key = canonical(others);
    const existing = merged.get(key);
    const ids = 'client' in clients[0] ? clients[0].client : [];
    if (existing) (existing[0] as { client: string[] }).client = [...new Set([...(existing[0] as { client: string[] }).client, ...ids])].sort();
    else merged.set(key, [{ client: [...ids] }, ...others]);
  }
  return [...merged.values(), ...rest].sort((a, b) => canonical(a).localeCompare(canonical(b)));
}

interface CompiledPolicy {
  subject: JsonObject;
  /** The Script condition's rule; undefined = no condition. */
  rule?: ConditionRule;
}

/**
 * The alternatives of one scope and effect as policies of the form subject AND condition: grouped
 * first by subject (their conditions become alternatives of one script), then by condition (their
 * subjects become alternatives of one subject). Both regroupings keep the meaning: (S∧C1)∨(S∧C2) =
 * S∧(C1∨C2), and (S1∧C)∨(S2∧C) = (S1∨S2)∧C.
 */
export function compileAlternatives(alternatives: Alternatives, effect: 'grant' | 'deny', realm: string): CompiledPolicy[] {
  const bySubject = new Map<string, { subject: ConditionLiteral[]; conditions: ConditionLiteral[][]; always: boolean }>();
  for (const conjunction of alternatives) {
    const subject = conjunction.filter(isSubjectLiteral);
    const condition = conjunction.filter((l) => !isSubjectLiteral(l));
    const key = canonical(subject);
    const group = bySubject.get(key) ?? { subject, conditions: [], always: false };
    if (condition.length === 0) group.always = true;
    else group.conditions.push(condition);
    bySubject.set(key, group);
  }
  const byCondition = new Map<string, { subjects: JsonObject[]; rule?: ConditionRule }>();
  for (const group of bySubject.values()) {
    const rule: ConditionRule | undefined = group.always ? undefined : { v: RULE_VERSION, effect, anyOf: mergeClientAlternatives(group.conditions.map((c) => c.map(ruleLiteralOf))) };
    const key = rule ? canonical(rule) : '';
    const entry = byCondition.get(key) ?? { subjects: [], rule };
    entry.subjects.push(subjectOf(group.subject, realm));
    byCondition.set(key, entry);
  }
  // Unconditional first (it keeps the base name), then by rule: stable names for equal input.
  return [...byCondition.entries()]
    .sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))
    .map(([, entry]) => ({ subject: anyOfSubjects(entry.subjects), rule: entry.rule }));
}

function groupRules(config: ScopePoliciesConfig): Map<string, { scope: string; effect: 'grant' | 'deny'; when: ScopePoliciesConfig['rules'][number]['when'][] }> {
  const grouped = new Map<string, { scope: string; effect: 'grant' | 'deny'; when: ScopePoliciesConfig['rules'][number]['when'][] }>();
  for (const rule of config.rules) {
    const key = scopePolicyName(config.policySet, rule.scope, rule.effect);
    const group = grouped.get(key) ?? { scope: rule.scope, effect: rule.effect, when: [] };
    group.when.push(rule.when);
    grouped.set(key, group);
  }
  return grouped;
}

/** The scopes policy set; one the tool did not create must already allow the types the rules use (checked, never rewritten). */
function scopePolicySet(config: ScopePoliciesConfig, resourceType: Ref, requires: { subjects: string[]; conditions: string[] }): DesiredObject<'policy-set'> {
  return {
    kind: 'policy-set',
    id: config.policySet,
    spec: {
      createOnly: true,
      resourceTypeUuids: [resourceType],
      requires,
      body: {
        name: config.policySet,
        displayName: config.policySet === 'oauth2Scopes' ? 'Default OAuth2 Scopes Policy Set' : `${config.policySet} (OAuth2 scopes)`,
        description: marked(config.description, 'OAuth2 scope decisions (Use Policy Engine for Scope decisions)'),
        applicationType: 'iPlanetAMWebAgentService',
        entitlementCombiner: 'DenyOverride',
        subjects: SCOPE_SET_SUBJECTS,
        conditions: SCOPE_SET_CONDITIONS,
        attributeNames: [],
      },
    },
  };
}

export function scopePolicyObjects(config: ScopePoliciesConfig, context: ScopePolicyContext): DesiredObject[] {
  const resourceType = ref('resource-type', OAUTH2_SCOPE_RESOURCE_TYPE, 'uuid', `resource type "${OAUTH2_SCOPE_RESOURCE_TYPE}" (AM's built-in type of OAuth2 scope policies) does not exist in the realm; it is needed by scopePolicies`);
  const policies: DesiredObject<'policy'>[] = [];
  const scripts = new Map<string, DesiredObject<'script'>>();
  const usedSubjects = new Set<string>();
  const usedConditions = new Set<string>();
  const grouped = groupRules(config);
  for (const base of [...grouped.keys()].sort()) {
    const { scope, effect, when } = grouped.get(base)!;
    const compiled = compileAlternatives(anyOfForms(when), effect, context.realm);
    compiled.forEach((policy, index) => {
      const name = index === 0 ? base : `${base} ${index + 1}`;
      collectTypes(policy.subject, usedSubjects);
      let condition: JsonObject | null = null;
      if (policy.rule) {
        const scriptName = conditionScriptName(policy.rule);
        if (!scripts.has(scriptName)) scripts.set(scriptName, conditionScript(policy.rule, conditionTemplate(context.scripts)));
        // The script's id: its own when the tenant has it (promotion keeps ids), else what the create gives it.
        condition = { type: 'Script', scriptId: ref('script', scriptName, '_id') as unknown as JsonValue };
        usedConditions.add('Script');
      }
      const alternative = compiled.length > 1 ? ` (alternative ${index + 1} of ${compiled.length})` : '';
      policies.push({
        kind: 'policy',
        id: name,
        spec: {
          name,
          active: true,
          description: marked(undefined, `${effect === 'grant' ? 'Grants' : 'Denies'} the OAuth2 scope ${scope} (dynamic scopes)${alternative}`),
          applicationName: config.policySet,
          resourceTypeUuid: resourceType,
          resources: [scope],
          actionValues: { GRANT: effect === 'grant' },
          subject: policy.subject,
          condition,
          // AM ignores response attributes for OAuth2 Scope resources.
          resourceAttributes: [],
        },
      });
    });
  }
  const set = scopePolicySet(config, resourceType, { subjects: [...usedSubjects].sort(), conditions: [...usedConditions].sort() });
  return [set, ...[...scripts.values()].sort((a, b) => a.id.localeCompare(b.id)), ...policies];
}

/** Every subject type a subject tree uses (AND/OR/NOT included). */
function collectTypes(subject: JsonObject, into: Set<string>): void {
  into.add(String(subject.type));
  if (Array.isArray(subject.subjects)) for (const inner of subject.subjects) collectTypes(inner as JsonObject, into);
  if (subject.subject && typeof subject.subject === 'object') collectTypes(subject.subject as JsonObject, into);
}

/** The rule's alternatives as they can apply to one client: those not excluded by a client literal, with its client literals dropped. */
function alternativesFor(alternatives: Alternatives, clientId: string): Alternatives {
  return alternatives
    .filter((conjunction) => conjunction.every((l) => l.kind !== 'client' || (l.id === clientId) !== l.not))
    .map((conjunction) => conjunction.filter((l) => l.kind !== 'client'));
}

/** The scopes of the rules that can apply to a listed client (checked against its allowed scopes by the planner). */
export function scopeChecksFor(config: ScopePoliciesConfig, clientId: string): { scope: string; at: string }[] {
  return config.rules
    .map((rule, index) => ({ rule, at: `scopePolicies.rules[${index}]` }))
    .filter(({ rule }) => alternativesFor(normalForm(rule.when), clientId).length > 0)
    .map(({ rule, at }) => ({ scope: rule.scope, at }));
}

/**
 * Scopes some rule decides for every user of this client (an alternative that, for this client,
 * needs nothing but an authenticated resource owner). Any other scope the client allows can be
 * left undecided — and with implied consent an undecided scope is granted without a prompt.
 */
export function alwaysDecidedScopes(config: ScopePoliciesConfig, clientId: string): string[] {
  const decided = new Set<string>();
  for (const rule of config.rules) {
    const forClient = alternativesFor(normalForm(rule.when), clientId);
    if (forClient.some((conjunction) => conjunction.every((l) => l.kind === 'authenticated' && !l.not))) decided.add(rule.scope);
  }
  return [...decided].sort();
}

/**
 * A client's scope entries for the consent page, as AM stores them in coreOAuth2ClientConfig.scopes:
 * "scope|description" (any locale) and "scope|locale|description". Scope → its entries.
 */
export function scopeDescriptionEntries(consent: ClientConsentConfig | undefined): Record<string, string[]> | undefined {
  if (!consent?.scopeDescriptions) return undefined;
  const entries: Record<string, string[]> = {};
  for (const scope of Object.keys(consent.scopeDescriptions).sort()) {
    const byLocale = consent.scopeDescriptions[scope];
    entries[scope] = Object.keys(byLocale)
      .sort()
      .map((locale) => (locale === DEFAULT_LOCALE_KEY ? `${scope}|${byLocale[locale]}` : `${scope}|${locale}|${byLocale[locale]}`));
  }
  return entries;
}
