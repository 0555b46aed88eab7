import { describe, expect, it } from 'vitest';
import { desiredState, generateAccessConfig } from '../../../tooling/engine/desired/index.js';
import { readFileSync } from 'node:fs';
import type { AccessConfig } from '../../../tooling/config/access.js';
import type { DesiredObject } from '../../../tooling/engine/model.js';

const access: AccessConfig = {
  consumers: { scopeDrivenAPI1Client: { description: 'Consumer API' } },
  identityClaims: ['isMemberOf'],
  providers: { scopeDrivenAPI2Client: { description: 'Provider API', scopes: { read: { grants: [{ client: 'scopeDrivenAPI1Client' }] }, unused: { grants: [] } } } },
} as AccessConfig;
const input = { access, realm: 'alpha', tenantEsvValue: 'tenant.example.com', cookieName: 'c', gatewayId: 'policy-evaluator', journeyName: 'AgentLogin',
  scripts: [{ name: 'scope-validation' as const, source: 'a', context: 'OAUTH2_VALIDATE_SCOPE' }, { name: 'policy-eval-mod' as const, source: 'b', context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION' }], journey: JSON.parse(readFileSync(new URL('../../../journeys/AgentLogin.json', import.meta.url), 'utf8')) as unknown };

describe('desiredState', () => {
  it('compiles the article grant into one policy with a JwtClaim client subject', () => {
    const state = desiredState(input);
    const policies = state.objects.filter((o): o is DesiredObject<'policy'> => o.kind === 'policy');
    expect(policies).toHaveLength(1);
    expect(policies[0].spec.resources).toEqual(['api://scopeDrivenAPI2Client/read']);
    expect(JSON.stringify(policies[0].spec.subject)).toContain('"claimValue":"scopeDrivenAPI1Client"');
    // The scripts grant only when the applying policy names exactly this scope.
    expect(policies[0].spec.resourceAttributes).toEqual([{ type: 'Static', propertyName: 'aicApiToApiScope', propertyValues: ['api://scopeDrivenAPI2Client/read'] }]);
    expect(state.objects.some((o) => o.kind === 'oauth2-client' && o.id === 'scopeDrivenAPI1Client')).toBe(true);
    // Secrets are named, never carried: the desired state holds no secret value.
    expect(state.objects.find((o) => o.id === 'esv-policy-gateway-secret')?.spec).toMatchObject({ type: 'secret', secret: 'gatewaySecret' });
  });
  it('is deterministic', () => {
    expect(desiredState(input)).toEqual(desiredState(input));
  });
  it('generator produces the requested sizes', () => {
    const config = generateAccessConfig({ providers: 10, scopesPerProvider: 5, grantsPerScope: 2, consumers: 4 });
    expect(Object.keys(config.providers)).toHaveLength(10);
    expect(Object.keys(Object.values(config.providers)[0].scopes)).toHaveLength(5);
  });
});
