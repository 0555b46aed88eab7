/**
 * Validation of one access document's shape; cross-file rules (duplicates, unknown consumers) come
 * in through `known`. Pure: problems as file, path and what was expected.
 */
import { CLIENT_ID_RULE, isValidClientId, isValidScopeName, SCOPE_NAME_RULE } from '../../scripts/lib/scope-grammar.js';
import { checkProviderApigee } from '../apigee/access-section.js';
import { LIMITS, SCRIPT_ENGINES, type AccessProblem, type ScriptEngine } from './access-model.js';
import { ATTRIBUTE_NAME, Checker, checkCondition, grantRules, isObject, typeName } from './access-checks.js';
import { checkScopePolicies } from './access-scope-policies.js';
/** Checks one document's shape; cross-file rules (duplicates, unknown consumers) use `known`. */
export function validateDocument(raw: unknown, file: string, known: { consumers: Set<string>; claims: Set<string>; providers?: Set<string> }): AccessProblem[] {
  const c = new Checker(file);
  if (!c.object(raw, '', ['$schema', 'consumers', 'identityClaims', 'providers', 'scopePolicies', 'scriptEngine'])) return c.problems;
  if ('scriptEngine' in raw && !SCRIPT_ENGINES.includes(raw.scriptEngine as ScriptEngine)) c.add('scriptEngine', `expected ${SCRIPT_ENGINES.map((e) => JSON.stringify(e)).join(' or ')}, got ${typeName(raw.scriptEngine)}`);
  if (isObject(raw.consumers)) c.caseCollisions(Object.keys(raw.consumers), (id) => `consumers.${id}`, 'consumer');
  if (isObject(raw.providers)) c.caseCollisions(Object.keys(raw.providers), (id) => `providers.${id}`, 'provider');
  if ('consumers' in raw && c.object(raw.consumers, 'consumers', Object.keys(isObject(raw.consumers) ? raw.consumers : {}))) {
    for (const [id, consumer] of Object.entries(raw.consumers as Record<string, unknown>)) {
      if (!isValidClientId(id)) c.add(`consumers.${id}`, `invalid client id: expected ${CLIENT_ID_RULE}`);
      if (c.object(consumer, `consumers.${id}`, ['description'])) c.optionalDescription(consumer, `consumers.${id}`);
    }
  }
  if ('identityClaims' in raw) {
    if (!Array.isArray(raw.identityClaims)) c.add('identityClaims', `expected an array of attribute names, got ${typeName(raw.identityClaims)}`);
    else raw.identityClaims.forEach((name, index) => {
      if (typeof name !== 'string' || !ATTRIBUTE_NAME.test(name)) c.add(`identityClaims[${index}]`, `expected an attribute name (letters, digits, _ . -), got ${typeName(name)}`);
      else if (['sub', 'subject', 'client'].includes(name)) c.add(`identityClaims[${index}]`, `"${name}" is reserved: the scripts always send sub, subject and client`);
    });
  }
  if ('providers' in raw && c.object(raw.providers, 'providers', Object.keys(isObject(raw.providers) ? raw.providers : {}))) {
    for (const [providerId, provider] of Object.entries(raw.providers as Record<string, unknown>)) {
      const at = `providers.${providerId}`;
      if (!isValidClientId(providerId)) c.add(at, `invalid provider id: expected ${CLIENT_ID_RULE}`);
      if (!c.object(provider, at, ['description', 'scopes', 'apigee'], ['scopes'])) continue;
      c.optionalDescription(provider, at);
      if ('apigee' in provider) for (const problem of checkProviderApigee(provider.apigee, `${at}.apigee`, isObject(provider.scopes) ? Object.keys(provider.scopes) : [])) c.add(problem.path, problem.message);
      if (!c.object(provider.scopes, `${at}.scopes`, Object.keys(isObject(provider.scopes) ? provider.scopes : {}))) continue;
      const scopes = Object.entries(provider.scopes as Record<string, unknown>);
      if (scopes.length > LIMITS.scopesPerProvider) {
        c.add(`${at}.scopes`, `${scopes.length} scopes; at most ${LIMITS.scopesPerProvider} per provider (split the API into several providers)`);
        continue;
      }
      c.caseCollisions(scopes.map(([name]) => name), (name) => `${at}.scopes.${name}`, 'scope');
      for (const [scopeName, scope] of scopes) {
        const scopeAt = `${at}.scopes.${scopeName}`;
        if (!isValidScopeName(scopeName)) c.add(scopeAt, `invalid scope name: expected ${SCOPE_NAME_RULE}`);
        if (!c.object(scope, scopeAt, ['description', 'grants'], ['grants'])) continue;
        c.optionalDescription(scope, scopeAt);
        if (!Array.isArray(scope.grants)) {
          c.add(`${scopeAt}.grants`, `expected an array of conditions, got ${typeName(scope.grants)}`);
          continue;
        }
        if (scope.grants.length > LIMITS.grantsPerScope) c.add(`${scopeAt}.grants`, `${scope.grants.length} grants; at most ${LIMITS.grantsPerScope} per scope`);
        else scope.grants.forEach((grant, index) => checkCondition(c, grant, `${scopeAt}.grants[${index}]`, 1, grantRules(known)));
      }
    }
  }
  if ('scopePolicies' in raw) checkScopePolicies(c, raw.scopePolicies, known.providers ?? new Set(isObject(raw.providers) ? Object.keys(raw.providers) : []));
  return c.problems;
}

/** Validates one standalone document: consumers and identity claims are those it declares itself. */
export function validateAccessConfig(raw: unknown, file: string): AccessProblem[] {
  const doc = isObject(raw) ? raw : {};
  const consumers = new Set(isObject(doc.consumers) ? Object.keys(doc.consumers) : []);
  const claims = new Set(Array.isArray(doc.identityClaims) ? doc.identityClaims.filter((v): v is string => typeof v === 'string') : []);
  return validateDocument(raw, file, { consumers, claims });
}
