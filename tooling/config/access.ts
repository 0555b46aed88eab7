/**
 * The access configuration: which consumers may call which providers' scopes, and under which
 * identity conditions. Owns: its types, validation with precise errors, and loading from a file or
 * a directory of files. Knows nothing of AM objects (see engine/desired.ts).
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { CLIENT_ID_RULE, isValidClientId, isValidScopeName, SCOPE_NAME_RULE } from '../../scripts/lib/scope-grammar.js';
import { decodeUtf8, JsonSyntaxError, parseJsonStrict } from './json-source.js';
import { DiagnosticError, error } from '../diagnostics.js';
import { checkProviderApigee, type ProviderApigeeConfig } from '../apigee/access-section.js';
import { anyOfForms, normalForm, TooManyAlternatives } from './condition-forms.js';
import type { ScriptEngine } from '../build/build-scripts.js';

export type { ScriptEngine };

/** A grant condition; several keys in one object must all hold. */
export interface Condition {
  client?: string;
  user?: string;
  claim?: string;
  value?: string;
  allOf?: Condition[];
  anyOf?: Condition[];
  not?: Condition;
  /** Only in scope rules: any resource owner with a live authentication (AM's AuthenticatedUsers). */
  authenticatedUsers?: true;
}
export interface ScopeConfig {
  description?: string;
  /** Alternatives: any one grant is enough. */
  grants: Condition[];
}
export interface ProviderConfig {
  description?: string;
  scopes: Record<string, ScopeConfig>;
  /** How Apigee exposes this provider (deploy --apigee); absent = not exposed through Apigee. */
  apigee?: ProviderApigeeConfig;
}
/** One decision of AM's policy engine about a plain OAuth2 scope ("Use Policy Engine for Scope decisions"). */
export interface ScopeRule {
  scope: string;
  /** grant: the scope is granted without consent; deny: it is omitted without a prompt. */
  effect: 'grant' | 'deny';
  when: Condition;
}
/** How one client of dynamic scopes asks for consent: each key absent = the tenant's value is left as it is. */
export interface ClientConsentConfig {
  /** advancedOAuth2ClientConfig.isConsentImplied: nobody is asked; undecided scopes are granted. */
  impliedConsent?: boolean;
  /** overrideOAuth2ClientConfig.clientsCanSkipConsent: AM reads it (not the provider's) once overrides are enabled, which the tool does. */
  clientsCanSkipConsent?: boolean;
  /** Consent-page descriptions: scope → locale ("default", or a Java locale such as en, en_GB) → text. */
  scopeDescriptions?: Record<string, Record<string, string>>;
}
export interface ScopePoliciesConfig {
  description?: string;
  /** The scopes policy set (AM's default: oauth2Scopes). */
  policySet: string;
  /** OAuth2 clients switched to usePolicyEngineForScope with this policy set. */
  clients: string[];
  rules: ScopeRule[];
  /** Consent settings of listed clients, by client id. */
  consent?: Record<string, ClientConsentConfig>;
}
export interface AccessConfig {
  consumers: Record<string, { description?: string }>;
  /** Identity attributes the scripts copy into the policy request's claims. */
  identityClaims: string[];
  providers: Record<string, ProviderConfig>;
  /** Dynamic plain scopes, decided by AM's policy engine; absent = none managed. */
  scopePolicies?: ScopePoliciesConfig;
  /** Which AM script engine the scripts are deployed for; absent = legacy (SCRIPT_ENGINE in the environment wins). */
  scriptEngine?: ScriptEngine;
}

export const SCRIPT_ENGINES: readonly ScriptEngine[] = ['legacy', 'next-gen'];

export const DEFAULT_SCOPES_POLICY_SET = 'oauth2Scopes';
/**
 * Bounds checked before anything is sent. Descriptions end up in AM and ESV description fields (the
 * secret's also carries a digest), so they stay well under what those fields take.
 */
export const LIMITS = { scopesPerProvider: 1000, grantsPerScope: 100, conditionDepth: 8, problems: 50, scopeRules: 1000, descriptionLength: 1000, fileBytes: 10 * 1024 * 1024 };

export interface AccessProblem {
  file: string;
  path: string;
  message: string;
}

/** Problems with the access configuration, each naming file, path and what was expected: nothing is sent to a tenant. */
export class AccessFileError extends DiagnosticError {
  constructor(readonly problems: AccessProblem[]) {
    super(problems.map((p) => error('input', 'access.invalid', p.message, { file: p.file, path: p.path })));
    this.name = 'AccessFileError';
  }
}

const typeName = (value: unknown) =>
  value === undefined ? 'nothing' : value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `${typeof value} ${String(JSON.stringify(value)).slice(0, 40)}`;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const CONDITION_KEYS = ['client', 'user', 'claim', 'value', 'allOf', 'anyOf', 'not'];
const SCOPE_RULE_CONDITION_KEYS = [...CONDITION_KEYS, 'authenticatedUsers'];
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
/**
 * A resource owner's id in a scope rule: it becomes the value of a DN (id=<user>,ou=user,o=<realm>,…)
 * in an Identity subject, so DN special characters (, + " \\ < > ; = #) and spaces are refused.
 */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
export const USER_ID_RULE = '1-128 characters of A-Z a-z 0-9 . _ @ -, starting with a letter or digit (the user\'s _id, e.g. a UUID)';
/** Java locale strings as AM compares them (language, then _COUNTRY, then _variant); "default" is the entry without a locale. */
const LOCALE = /^[a-z]{2,3}(_[A-Z]{2}(_[A-Za-z0-9]{1,8})?)?$/;
export const DEFAULT_LOCALE_KEY = 'default';
const SCOPE_DESCRIPTION_LENGTH = 256;

class Checker {
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
interface ConditionRules {
  keys: string[];
  /** A problem with this client id, or undefined when it is fine. */
  client(id: string): string | undefined;
  claim(name: string): string | undefined;
  /** A problem with this user id (scope rules: it goes into a DN); absent = any non-empty string. */
  user?(id: string): string | undefined;
}

function grantRules(known: { consumers: Set<string>; claims: Set<string> }): ConditionRules {
  return {
    keys: CONDITION_KEYS,
    client: (id) => (known.consumers.has(id) ? undefined : `unknown consumer "${id}": declare it under "consumers" first`),
    claim: (name) => (known.claims.has(name) ? undefined : `unknown claim "${name}": list it in "identityClaims" so the scripts send it`),
  };
}

function checkCondition(c: Checker, value: unknown, at: string, depth: number, rules: ConditionRules): void {
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
function scopeRuleNameProblem(scope: string): string | undefined {
  if (/^api:|:\/\//i.test(scope)) return 'audience scopes (api://…) are granted under "providers", not by scope rules';
  if (scope.includes('*')) return '"*" would be a wildcard in the policy\'s resource pattern; name each scope';
  if (!isValidScopeName(scope)) return `invalid scope name: expected ${SCOPE_NAME_RULE}`;
  return undefined;
}

/** The "scopePolicies" section: policy set, clients switched to it, and rules (grant/deny per scope). */
function checkScopePolicies(c: Checker, raw: unknown, providerIds: Set<string>): void {
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

/** Why a path cannot be read as an access file or folder, in words (the Node error codes are not). */
function unreadable(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory (set AIC_ACCESS_FILE or pass --access)';
  if (code === 'ELOOP') return 'a symbolic link loop: the link never reaches a file or folder';
  if (code === 'EACCES') return 'permission denied';
  return `cannot be read (${code ?? (error as Error).message})`;
}

/**
 * The access files under a path: the file itself, or every `*.json` regular file below a folder,
 * each real file once (symbolic links followed, loops and special files refused, never waited on).
 */
async function filesOf(target: string, problems: AccessProblem[]): Promise<string[]> {
  let info;
  try {
    info = await stat(target);
  } catch (error) {
    problems.push({ file: target, path: '', message: unreadable(error) });
    return [];
  }
  if (info.isFile()) return [target];
  if (!info.isDirectory()) {
    problems.push({ file: target, path: '', message: 'not a regular file or folder (a FIFO, socket or device is never read)' });
    return [];
  }
  const files: string[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (seenDirs.has(real)) return; // a link back up the tree: already walked
    seenDirs.add(real);
    for (const entry of (await readdir(dir)).sort()) {
      const full = path.join(dir, entry);
      let entryInfo;
      try {
        entryInfo = await stat(full);
      } catch (error) {
        if (entry.endsWith('.json')) problems.push({ file: full, path: '', message: unreadable(error) });
        continue;
      }
      if (entryInfo.isDirectory() && entry.endsWith('.json')) problems.push({ file: full, path: '', message: 'a folder named like an access file: rename it, or move its files up' });
      else if (entryInfo.isDirectory()) await walk(full);
      else if (!entry.endsWith('.json')) continue;
      else if (!entryInfo.isFile()) problems.push({ file: full, path: '', message: 'not a regular file (a FIFO, socket or device is never read)' });
      else {
        const realFile = await realpath(full);
        if (!seenFiles.has(realFile)) files.push(full);
        seenFiles.add(realFile);
      }
    }
  };
  await walk(target);
  if (files.length === 0 && problems.length === 0) problems.push({ file: target, path: '', message: 'the directory holds no *.json access files' });
  return files;
}

async function readAccessFile(file: string): Promise<Uint8Array> {
  const info = await stat(file);
  if (info.size > LIMITS.fileBytes) throw new JsonSyntaxError(`${info.size} bytes; an access file may have at most ${LIMITS.fileBytes} (split it into several files)`);
  return readFile(file);
}

/** Loads and validates a file or a directory of files; throws AccessFileError listing every problem. */
export async function loadAccessConfig(target: string | string[]): Promise<AccessConfig> {
  const problems: AccessProblem[] = [];
  const files = (await Promise.all((Array.isArray(target) ? target : [target]).map((one) => filesOf(one, problems)))).flat();
  const documents: { file: string; raw: Record<string, unknown> }[] = [];
  for (const file of files) {
    const shown = path.relative(process.cwd(), file) || file;
    try {
      const { value, problems: keyProblems } = parseJsonStrict(decodeUtf8(await readAccessFile(file)));
      problems.push(...keyProblems.map((d) => ({ file: shown, ...d })));
      documents.push({ file: shown, raw: value as Record<string, unknown> });
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      problems.push({ file: shown, path: '', message: error.message });
    }
  }
  const merged: AccessConfig = { consumers: {}, identityClaims: [], providers: {} };
  const definedIn = new Map<string, string>();
  /** Case-folded provider and consumer ids → where the first of that spelling is defined. */
  const foldedIn = new Map<string, { id: string; file: string }>();
  for (const { file, raw } of documents) {
    if (!isObject(raw)) continue;
    for (const section of ['consumers', 'providers'] as const) {
      if (!isObject(raw[section])) continue;
      for (const [id, value] of Object.entries(raw[section] as Record<string, unknown>)) {
        const key = `${section}.${id}`;
        const what = section === 'providers' ? 'provider' : 'consumer';
        const folded = foldedIn.get(`${section}.${id.toLowerCase()}`);
        if (definedIn.has(key)) problems.push({ file, path: key, message: `duplicate ${what} "${id}": already defined in ${definedIn.get(key)}` });
        else if (folded && folded.file === file) continue; // reported by validateDocument
        else if (folded) problems.push({ file, path: key, message: `${what} "${id}" differs from ${what} "${folded.id}" (${folded.file}: ${section}.${folded.id}) only by case; AM matches resources case-insensitively, so one's policies would match the other's: rename one` });
        else {
          foldedIn.set(`${section}.${id.toLowerCase()}`, { id, file });
          definedIn.set(key, file);
          (merged[section] as Record<string, unknown>)[id] = value;
        }
      }
    }
    if (Array.isArray(raw.identityClaims)) for (const name of raw.identityClaims) if (typeof name === 'string' && !merged.identityClaims.includes(name)) merged.identityClaims.push(name);
    if ('scopePolicies' in raw) {
      // One policy set, one list of clients: the section is defined in exactly one file.
      if (definedIn.has('scopePolicies')) problems.push({ file, path: 'scopePolicies', message: `duplicate "scopePolicies": already defined in ${definedIn.get('scopePolicies')}` });
      else definedIn.set('scopePolicies', file);
    }
    if ('scriptEngine' in raw) {
      // One engine for the whole configuration: two files must not disagree (or agree by accident).
      if (definedIn.has('scriptEngine')) problems.push({ file, path: 'scriptEngine', message: `duplicate "scriptEngine": already defined in ${definedIn.get('scriptEngine')}` });
      else definedIn.set('scriptEngine', file);
    }
  }
  const known = { consumers: new Set(Object.keys(merged.consumers)), claims: new Set(merged.identityClaims), providers: new Set(Object.keys(merged.providers)) };
  for (const { file, raw } of documents) problems.push(...validateDocument(raw, file, known));
  if (problems.length) throw new AccessFileError(problems.slice(0, LIMITS.problems));
  merged.identityClaims.sort();
  const section = documents.find(({ file }) => definedIn.get('scopePolicies') === file)?.raw.scopePolicies as (Partial<ScopePoliciesConfig> & { description?: string }) | undefined;
  if (section) merged.scopePolicies = { ...(section.description ? { description: section.description } : {}), policySet: section.policySet ?? DEFAULT_SCOPES_POLICY_SET, clients: section.clients ?? [], rules: section.rules ?? [], ...(section.consent ? { consent: section.consent } : {}) };
  const engine = documents.find(({ file }) => definedIn.get('scriptEngine') === file)?.raw.scriptEngine as ScriptEngine | undefined;
  if (engine) merged.scriptEngine = engine;
  return merged;
}

/** Validates one standalone document: consumers and identity claims are those it declares itself. */
export function validateAccessConfig(raw: unknown, file: string): AccessProblem[] {
  const doc = isObject(raw) ? raw : {};
  const consumers = new Set(isObject(doc.consumers) ? Object.keys(doc.consumers) : []);
  const claims = new Set(Array.isArray(doc.identityClaims) ? doc.identityClaims.filter((v): v is string => typeof v === 'string') : []);
  return validateDocument(raw, file, { consumers, claims });
}
