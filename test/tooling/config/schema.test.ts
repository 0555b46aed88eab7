/**
 * access.schema.json is for editors; the validator is the authority. They must not drift: the
 * schema's name patterns are the grammar's own, and its bounds are the validator's limits.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_ID_PATTERN, isValidClientId, isValidScopeName, SCOPE_NAME_PATTERN } from '../../../scripts/lib/scope-grammar.js';
import { LIMITS } from '../../../tooling/config/access.js';

const schema = JSON.parse(readFileSync(new URL('../../../access.schema.json', import.meta.url), 'utf8'));
const at = (path: string[]) => path.reduce((node, key) => node?.[key], schema);
const refs = (node: unknown): string[] => (Array.isArray(node) ? node.flatMap(refs) : node && typeof node === 'object' ? Object.entries(node).flatMap(([k, v]) => (k === '$ref' ? [String(v)] : refs(v))) : []);

describe('access.schema.json agrees with the validator', () => {
  it("uses the grammar's patterns for client ids and scope names", () => {
    expect(at(['definitions', 'clientId', 'pattern'])).toBe(CLIENT_ID_PATTERN.source);
    expect(at(['definitions', 'scopeName', 'pattern'])).toBe(SCOPE_NAME_PATTERN.source);
    // Both refuse names made only of dots, as the validator does.
    for (const def of ['clientId', 'scopeName']) expect(new RegExp(at(['definitions', def, 'not', 'pattern'])).test('..')).toBe(true);
    expect(isValidClientId('..') || isValidScopeName('.')).toBe(false);
  });

  it('names providers and consumers as client ids and scopes as scope names', () => {
    expect(at(['properties', 'providers', 'propertyNames', '$ref'])).toBe('#/definitions/clientId');
    expect(at(['properties', 'consumers', 'propertyNames', '$ref'])).toBe('#/definitions/clientId');
    expect(at(['properties', 'providers', 'additionalProperties', 'properties', 'scopes', 'propertyNames', '$ref'])).toBe('#/definitions/scopeName');
    expect(refs(schema)).not.toContain('#/definitions/name');
  });

  it("has the validator's limits", () => {
    const scopes = at(['properties', 'providers', 'additionalProperties', 'properties', 'scopes']);
    expect(scopes.maxProperties).toBe(LIMITS.scopesPerProvider);
    expect(scopes.additionalProperties.properties.grants.maxItems).toBe(LIMITS.grantsPerScope);
    expect(at(['properties', 'scopePolicies', 'properties', 'rules', 'maxItems'])).toBe(LIMITS.scopeRules);
    expect(at(['definitions', 'description', 'maxLength'])).toBe(LIMITS.descriptionLength);
  });
});
