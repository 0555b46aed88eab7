/**
 * Validation of the `scopePolicies` section (dynamic scopes): the policy set, its clients, the
 * rules and their alternatives, consent settings. Pure.
 */
import { CLIENT_ID_RULE, isValidClientId, isValidScopeName, SCOPE_NAME_RULE } from '../../scripts/lib/scope-grammar.js';
import { DEFAULT_SCOPES_POLICY_SET, LIMITS, type ScopeRule } from './access-model.js';
import { ATTRIBUTE_NAME, Checker, checkCondition, DEFAULT_LOCALE_KEY, isObject, LOCALE, SCOPE_DESCRIPTION_LENGTH, SCOPE_RULE_CONDITION_KEYS, scopeRuleNameProblem, typeName, USER_ID, USER_ID_RULE, type ConditionRules } from './access-checks.js';
import { anyOfForms, normalForm, TooManyAlternatives } from './condition-forms.js';
/** The "scopePolicies" section: policy set, clients switched to it, and rules (grant/deny per scope). */
export function checkScopePolicies(c: Checker, raw: unknown, providerIds: Set<string>): void {
  const at = 'scopePolicies';
  if (!c.object(raw, at, ['description', 'policySet', 'clients', 'rules', 'consent'], ['clients', 'rules'])) return;
  c.optionalDescription(raw, at);
  if ('policySet' in raw && c.string(raw.policySet, `${at}.policySet`)) {
    if (!isValidClientId(raw.policySet)) c.add(`${at}.policySet`, `invalid policy set name: expected ${CLIENT_ID_RULE}`);
    else if (providerIds.has(raw.policySet)) c.add(`${at}.policySet`, `"${raw.policySet}" is the policy set of the provider of that name; use another one (AM's default is ${DEFAULT_SCOPES_POLICY_SET})`);
  }
  const clients = new Set<string>();
  if (!Array.isArray(raw.clients) || raw.clients.length === 0) c.add(`${at}.clients`, `expected a non-empty array of OAuth2 client ids, got ${typeName(raw.clients)}`);
  else raw.clients.forEach((id, index) => {
    if (typeof id !== 'string' || !isValidClientId(id)) c.add(`${at}.clients[${index}]`, `expected a client id of ${CLIENT_ID_RULE}, got ${typeName(id)}`);
    else if (clients.has(id)) c.add(`${at}.clients[${index}]`, `duplicate client "${id}"`);
    else clients.add(id);
  });
  const rules: ConditionRules = {
    keys: SCOPE_RULE_CONDITION_KEYS,
    client: (id) => (clients.has(id) ? undefined : `unknown client "${id}": list it in scopePolicies.clients (only those clients use these rules)`),
    // The scope decision sees the resource owner's own attributes: any attribute name may be used.
    claim: (name) => (ATTRIBUTE_NAME.test(name) ? undefined : 'expected an attribute name (letters, digits, _ . -)'),
    user: (id) => (USER_ID.test(id) ? undefined : `expected a user id of ${USER_ID_RULE}`),
  };
  if ('consent' in raw) checkConsent(c, raw.consent, `${at}.consent`, clients);
  if (!Array.isArray(raw.rules)) {
    c.add(`${at}.rules`, `expected an array of rules, got ${typeName(raw.rules)}`);
    return;
  }
  if (raw.rules.length > LIMITS.scopeRules) {
    c.add(`${at}.rules`, `${raw.rules.length} rules; at most ${LIMITS.scopeRules}`);
    return;
  }
  const seen = new Map<string, number>();
  raw.rules.forEach((rule, index) => {
    const ruleAt = `${at}.rules[${index}]`;
    if (!c.object(rule, ruleAt, ['scope', 'effect', 'when'], ['scope', 'effect', 'when'])) return;
    if (c.string(rule.scope, `${ruleAt}.scope`)) {
      const problem = scopeRuleNameProblem(rule.scope);
      if (problem) c.add(`${ruleAt}.scope`, problem);
    }
    if (rule.effect !== 'grant' && rule.effect !== 'deny') c.add(`${ruleAt}.effect`, `expected "grant" or "deny", got ${typeName(rule.effect)}`);
    if ('when' in rule) checkCondition(c, rule.when, `${ruleAt}.when`, 1, rules);
    const key = JSON.stringify([rule.scope, rule.effect, rule.when]);
    if (seen.has(key)) c.add(ruleAt, `the same rule as scopePolicies.rules[${seen.get(key)}]`);
    else seen.set(key, index);
  });
  checkAlternatives(c, raw.rules, at);
}

/**
 * Each scope and effect becomes policies of AM's native form (subject AND condition), one per
 * distinct condition of its alternatives: a rule set that expands to too many is refused here,
 * naming the rule that makes it too many, before anything is planned.
 */
function checkAlternatives(c: Checker, rules: unknown[], at: string): void {
  if (c.problems.length) return; // only well-formed rules can be expanded
  const groups = new Map<string, { when: ScopeRule['when'][]; at: string[] }>();
  rules.forEach((rule, index) => {
    const { scope, effect, when } = rule as ScopeRule;
    const group = groups.get(`${scope} ${effect}`) ?? { when: [], at: [] };
    group.when.push(when);
    group.at.push(`${at}.rules[${index}]`);
    groups.set(`${scope} ${effect}`, group);
  });
  for (const group of groups.values()) {
    try {
      group.when.forEach((when, index) => {
        try {
          normalForm(when);
        } catch (thrown) {
          if (thrown instanceof TooManyAlternatives) throw Object.assign(thrown, { at: group.at[index] });
          throw thrown;
        }
      });
      anyOfForms(group.when);
    } catch (thrown) {
      if (!(thrown instanceof TooManyAlternatives)) throw thrown;
      const where = (thrown as TooManyAlternatives & { at?: string }).at;
      c.add(where ?? group.at[group.at.length - 1], where ? `the condition ${thrown.message}` : `the rules of this scope and effect (${group.at.join(', ')}) together ${thrown.message}`);
    }
  }
}

/** scopePolicies.consent: per listed client, implied consent, skipping consent and consent-page descriptions. */
function checkConsent(c: Checker, raw: unknown, at: string, clients: Set<string>): void {
  if (!c.object(raw, at, Object.keys(isObject(raw) ? raw : {}))) return;
  for (const [clientId, settings] of Object.entries(raw)) {
    const clientAt = `${at}.${clientId}`;
    if (!clients.has(clientId)) c.add(clientAt, `unknown client "${clientId}": list it in scopePolicies.clients (the tool manages consent only for those clients)`);
    if (!c.object(settings, clientAt, ['impliedConsent', 'clientsCanSkipConsent', 'scopeDescriptions'])) continue;
    for (const flag of ['impliedConsent', 'clientsCanSkipConsent'] as const) {
      if (flag in settings && typeof settings[flag] !== 'boolean') c.add(`${clientAt}.${flag}`, `expected true or false, got ${typeName(settings[flag])}`);
    }
    if (!('scopeDescriptions' in settings)) continue;
    const descriptionsAt = `${clientAt}.scopeDescriptions`;
    if (!c.object(settings.scopeDescriptions, descriptionsAt, Object.keys(isObject(settings.scopeDescriptions) ? settings.scopeDescriptions : {}))) continue;
    for (const [scope, byLocale] of Object.entries(settings.scopeDescriptions as Record<string, unknown>)) {
      const scopeAt = `${descriptionsAt}.${scope}`;
      if (!isValidScopeName(scope)) c.add(scopeAt, `invalid scope name: expected ${SCOPE_NAME_RULE}`);
      if (!c.object(byLocale, scopeAt, Object.keys(isObject(byLocale) ? byLocale : {}))) continue;
      if (Object.keys(byLocale).length === 0) c.add(scopeAt, `expected at least one description ("${DEFAULT_LOCALE_KEY}" or a locale such as en, en_GB)`);
      for (const [locale, text] of Object.entries(byLocale)) {
        const textAt = `${scopeAt}.${locale}`;
        if (locale !== DEFAULT_LOCALE_KEY && !LOCALE.test(locale)) c.add(textAt, `expected "${DEFAULT_LOCALE_KEY}" or a Java locale (en, en_GB, en_US_WIN)`);
        // AM stores "scope|locale|description" and splits on "|": a "|" in the text would shift it; an empty one hides the scope from the page.
        if (typeof text !== 'string' || text.trim() === '') c.add(textAt, `expected a non-empty description, got ${typeName(text)}`);
        else if (text.length > SCOPE_DESCRIPTION_LENGTH) c.add(textAt, `${text.length} characters; at most ${SCOPE_DESCRIPTION_LENGTH}`);
        else if (/[|\u0000-\u001f\u007f\u2028\u2029]/.test(text)) c.add(textAt, 'must not contain "|" (AM\'s separator in scope|locale|description) or control characters');
      }
    }
  }
}
