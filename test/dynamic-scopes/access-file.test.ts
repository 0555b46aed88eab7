/** The scopePolicies section of the access file: every mistake is reported with file, path and what was expected. */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessFileError, loadAccessConfig, validateAccessConfig } from '../../tooling/config/access.js';

const created: string[] = [];
afterAll(() => Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true }))));

async function load(files: Record<string, unknown>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'scope-policies-'));
  created.push(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), JSON.stringify(content));
  return loadAccessConfig(dir);
}

async function problemsOf(files: Record<string, unknown>): Promise<string> {
  const error = await load(files).then(() => undefined, (e: unknown) => e);
  expect(error, 'expected the configuration to be refused').toBeInstanceOf(AccessFileError);
  return (error as AccessFileError).message;
}

const section = (extra: Record<string, unknown> = {}) => ({ scopePolicies: { clients: ['app'], rules: [{ scope: 'email', effect: 'deny', when: { authenticatedUsers: true } }], ...extra } });
const messages = (raw: unknown) => validateAccessConfig(raw, 'a.json').map((p) => `${p.path}: ${p.message}`);

describe('scopePolicies: valid sections', () => {
  it('loads the documented demonstration with the default policy set', async () => {
    const config = await load({ 'scopes.json': section() });
    expect(config.scopePolicies).toEqual({ policySet: 'oauth2Scopes', clients: ['app'], rules: [{ scope: 'email', effect: 'deny', when: { authenticatedUsers: true } }] });
  });

  it('accepts the grant condition language, authenticatedUsers anywhere in it, and any identity attribute', () => {
    expect(messages(section({
      policySet: 'internalScopes',
      clients: ['app', 'web'],
      rules: [
        { scope: 'profile', effect: 'grant', when: { allOf: [{ client: 'app' }, { claim: 'fr-idm-managed-organization-member', value: 'org-engineering' }] } },
        { scope: 'fr:idm:profile', effect: 'deny', when: { anyOf: [{ not: { authenticatedUsers: true } }, { user: 'u-1' }] } },
      ],
    }))).toEqual([]);
  });

  it('a file without the section has none', async () => {
    expect((await load({ 'a.json': { consumers: { web: {} } } })).scopePolicies).toBeUndefined();
  });
});

describe('scopePolicies: mistakes', () => {
  it.each([
    [{ scope: 'email', effect: 'allow', when: { authenticatedUsers: true } }, 'scopePolicies.rules[0].effect: expected "grant" or "deny", got string "allow"'],
    [{ scope: 'email', effect: 'deny' }, 'scopePolicies.rules[0]: missing "when"'],
    [{ scope: 'fr:idm:*', effect: 'grant', when: { authenticatedUsers: true } }, 'scopePolicies.rules[0].scope: "*" would be a wildcard in the policy\'s resource pattern; name each scope'],
    [{ scope: 'api://orders/read', effect: 'grant', when: { authenticatedUsers: true } }, 'scopePolicies.rules[0].scope: audience scopes (api://…) are granted under "providers", not by scope rules'],
    [{ scope: 'e mail', effect: 'grant', when: { authenticatedUsers: true } }, 'scopePolicies.rules[0].scope: invalid scope name'],
    [{ scope: 'email', effect: 'deny', when: { authenticatedUsers: false } }, 'scopePolicies.rules[0].when.authenticatedUsers: expected true, got boolean false'],
    [{ scope: 'email', effect: 'deny', when: { client: 'mobile' } }, 'scopePolicies.rules[0].when.client: unknown client "mobile": list it in scopePolicies.clients'],
    [{ scope: 'email', effect: 'deny', when: {} }, 'scopePolicies.rules[0].when: expected at least one of client, user, claim+value, allOf, anyOf, not, authenticatedUsers'],
    [{ scope: 'email', effect: 'deny', when: { anyOf: [] } }, 'scopePolicies.rules[0].when.anyOf: expected a non-empty array of conditions, got an array'],
    [{ scope: 'email', effect: 'deny', when: { user: 'u' }, description: 'x' }, 'scopePolicies.rules[0].description: unknown key; allowed keys here: scope, effect, when'],
    // A user id becomes the value of a DN in an Identity subject: DN syntax is refused, never escaped.
    [{ scope: 'email', effect: 'deny', when: { user: 'u,ou=admins' } }, 'scopePolicies.rules[0].when.user: expected a user id of 1-128 characters of A-Z a-z 0-9 . _ @ -'],
    [{ scope: 'email', effect: 'deny', when: { anyOf: [{ user: 'ok' }, { user: ' x' }] } }, 'scopePolicies.rules[0].when.anyOf[1].user: expected a user id'],
    [{ scope: 'email', effect: 'deny', when: { user: 'a"b' } }, 'scopePolicies.rules[0].when.user: expected a user id'],
  ])('rule %j', (rule, expected) => {
    expect(messages(section({ rules: [rule] })).join('\n')).toContain(expected);
  });

  it('the section itself: clients, policy set, rules, unknown keys', () => {
    expect(messages(section({ clients: [] }))).toContain('scopePolicies.clients: expected a non-empty array of OAuth2 client ids, got an array');
    expect(messages(section({ clients: ['app', 'app'] }))).toContain('scopePolicies.clients[1]: duplicate client "app"');
    expect(messages(section({ policySet: 'a/b' }))[0]).toMatch(/^scopePolicies\.policySet: invalid policy set name/);
    expect(messages(section({ rules: {} }))).toContain('scopePolicies.rules: expected an array of rules, got an object');
    expect(messages(section({ policy: 'x' }))).toContain('scopePolicies.policy: unknown key; allowed keys here: description, policySet, clients, rules, consent');
    expect(messages({ scopePolicies: { clients: ['app'] } })).toContain('scopePolicies: missing "rules"');
  });

  it('a rule whose condition expands to too many alternatives (each anyOf multiplies them) is refused, naming it', () => {
    const wide = (n: number, prefix: string) => ({ anyOf: Array.from({ length: n }, (_, i) => ({ claim: 'mail', value: `${prefix}${i}` })) });
    const rule = { scope: 'email', effect: 'deny', when: { allOf: [wide(9, 'a'), wide(8, 'b')] } };
    expect(messages(section({ rules: [rule] }))).toEqual(['scopePolicies.rules[0]: the condition expands to more than 64 alternatives (each anyOf multiplies them); split the rule or simplify it']);
    // Several rules of one scope and effect are alternatives too: together they count.
    const many = Array.from({ length: 65 }, (_, i) => ({ scope: 'email', effect: 'deny', when: { claim: 'mail', value: `m${i}` } }));
    expect(messages(section({ rules: many }))).toEqual([expect.stringMatching(/^scopePolicies\.rules\[64\]: the rules of this scope and effect \(scopePolicies\.rules\[0\], .*\) together expands to more than 64 alternatives/)]);
    expect(messages(section({ rules: many.slice(0, 64) }))).toEqual([]);
  });

  it('the same rule twice is refused, naming the first', () => {
    const rule = { scope: 'email', effect: 'deny', when: { authenticatedUsers: true } };
    expect(messages(section({ rules: [rule, rule] }))).toContain('scopePolicies.rules[1]: the same rule as scopePolicies.rules[0]');
  });

  it('authenticatedUsers is for scope rules only: in a provider grant it is an unknown key', () => {
    const raw = { consumers: { web: {} }, providers: { orders: { scopes: { read: { grants: [{ authenticatedUsers: true }] } } } } };
    expect(messages(raw)).toContain('providers.orders.scopes.read.grants[0].authenticatedUsers: unknown key; allowed keys here: client, user, claim, value, allOf, anyOf, not');
  });

  it('a policy set named like a provider is refused (the provider owns that policy set)', async () => {
    const message = await problemsOf({ 'p.json': { providers: { orders: { scopes: {} } } }, 's.json': section({ policySet: 'orders' }) });
    expect(message).toContain('s.json: scopePolicies.policySet: "orders" is the policy set of the provider of that name; use another one (AM\'s default is oauth2Scopes)');
  });

  it('the section in two files names both', async () => {
    const message = await problemsOf({ 'a.json': section(), 'b.json': section() });
    expect(message).toMatch(/b\.json: scopePolicies: duplicate "scopePolicies": already defined in .*a\.json/);
  });
});

describe('scopePolicies.consent: implied consent, skipping consent, consent-page descriptions', () => {
  it('loads them for listed clients', async () => {
    const consent = { app: { impliedConsent: false, clientsCanSkipConsent: true, scopeDescriptions: { profile: { default: 'Your name and picture', fr: 'Votre nom', en_GB: 'Your name' } } } };
    expect(messages(section({ consent }))).toEqual([]);
    expect((await load({ 's.json': section({ consent }) })).scopePolicies?.consent).toEqual(consent);
  });

  it.each([
    [{ web: {} }, 'scopePolicies.consent.web: unknown client "web": list it in scopePolicies.clients (the tool manages consent only for those clients)'],
    [{ app: { impliedConsent: 'no' } }, 'scopePolicies.consent.app.impliedConsent: expected true or false, got string "no"'],
    [{ app: { clientsCanSkipConsent: 1 } }, 'scopePolicies.consent.app.clientsCanSkipConsent: expected true or false, got number 1'],
    [{ app: { implied: true } }, 'scopePolicies.consent.app.implied: unknown key; allowed keys here: impliedConsent, clientsCanSkipConsent, scopeDescriptions'],
    [{ app: { scopeDescriptions: { 'e mail': { default: 'x' } } } }, 'scopePolicies.consent.app.scopeDescriptions.e mail: invalid scope name'],
    [{ app: { scopeDescriptions: { profile: {} } } }, 'scopePolicies.consent.app.scopeDescriptions.profile: expected at least one description'],
    [{ app: { scopeDescriptions: { profile: { 'en-GB': 'x' } } } }, 'scopePolicies.consent.app.scopeDescriptions.profile.en-GB: expected "default" or a Java locale (en, en_GB, en_US_WIN)'],
    [{ app: { scopeDescriptions: { profile: { default: 'a|b' } } } }, 'scopePolicies.consent.app.scopeDescriptions.profile.default: must not contain "|"'],
    [{ app: { scopeDescriptions: { profile: { default: 'line\nbreak' } } } }, 'scopePolicies.consent.app.scopeDescriptions.profile.default: must not contain "|" (AM\'s separator in scope|locale|description) or control characters'],
    [{ app: { scopeDescriptions: { profile: { default: ' ' } } } }, 'scopePolicies.consent.app.scopeDescriptions.profile.default: expected a non-empty description, got string " "'],
    [{ app: { scopeDescriptions: { profile: { fr: 'x'.repeat(257) } } } }, 'scopePolicies.consent.app.scopeDescriptions.profile.fr: 257 characters; at most 256'],
  ])('consent %j', (consent, expected) => {
    expect(messages(section({ consent })).join('\n')).toContain(expected);
  });
});

describe('access.schema.json agrees with the validator on the scopePolicies additions', () => {
  const schema = JSON.parse(readFileSync(new URL('../../access.schema.json', import.meta.url), 'utf8'));
  const userPattern = new RegExp(schema.definitions.scopeCondition.properties.user.pattern);
  const consent = schema.properties.scopePolicies.properties.consent.additionalProperties.properties;
  const localePattern = new RegExp(consent.scopeDescriptions.additionalProperties.propertyNames.pattern);
  const textPattern = new RegExp(consent.scopeDescriptions.additionalProperties.additionalProperties.pattern);

  it.each(['d7a5c2b1-3e4f-4a6b-8c9d-0e1f2a3b4c5d', 'demo', 'a.b@c', 'u,ou=x', ' u', 'a"b', '-x'])('user id %j', (user) => {
    const valid = messages(section({ rules: [{ scope: 'email', effect: 'deny', when: { user } }] })).length === 0;
    expect(userPattern.test(user)).toBe(valid);
  });

  it.each([['default', 'Your name'], ['en_GB', 'Your name'], ['en-GB', 'x'], ['fr', 'a|b'], ['fr', 'line\nbreak'], ['EN', 'x']])('description %j', (locale, text) => {
    const valid = messages(section({ consent: { app: { scopeDescriptions: { profile: { [locale]: text } } } } })).length === 0;
    expect(localePattern.test(locale) && textPattern.test(text)).toBe(valid);
  });
});
