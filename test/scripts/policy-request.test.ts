import { describe, expect, it } from 'vitest';
import { agentDn, authenticateRequest, claimsFromAttributes, evaluateRequest, identityClaimNames, logoutRequest, realmJsonPath, tenantBaseUrl } from '../../scripts/lib/policy-request.js';
import { grantedScopes, readSsoToken } from '../../scripts/lib/policy-decision.js';

describe('policy request building', () => {
  it('derives the base URL from a host name or uses a URL as is', () => {
    expect(tenantBaseUrl('openam-example.forgeblocks.com')).toBe('https://openam-example.forgeblocks.com');
    expect(tenantBaseUrl('http://127.0.0.1:8780/')).toBe('http://127.0.0.1:8780');
  });

  it('builds realm paths and agent DNs from the realm binding, nothing hard-coded', () => {
    expect(realmJsonPath('/alpha')).toBe('/am/json/realms/root/realms/alpha');
    expect(realmJsonPath('/')).toBe('/am/json/realms/root');
    expect(realmJsonPath('/a/b')).toBe('/am/json/realms/root/realms/a/realms/b');
    expect(agentDn('gw', '/bravo')).toBe('id=gw,ou=agent,o=bravo,ou=services,ou=am-config');
    expect(agentDn('gw', '/a/b')).toBe('id=gw,ou=agent,o=b,o=a,ou=services,ou=am-config');
    expect(agentDn('gw', '/')).toBe('id=gw,ou=agent,ou=services,ou=am-config');
  });

  it('authenticates through the named journey with the agent credentials in headers', () => {
    const request = authenticateRequest('https://t', '/alpha', 'AgentLogin', 'gw', 'pw');
    expect(request.url).toBe('https://t/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=AgentLogin');
    expect(request.headers).toContainEqual({ name: 'X-OpenAM-Password', value: 'pw' });
    expect(request.headers).toContainEqual({ name: 'Accept-API-Version', value: 'resource=2.0, protocol=1.0' });
  });

  it('builds one evaluate body whose values survive quotes and backslashes intact', () => {
    const owner = 'id"with\\quotes","client":"evil';
    const request = evaluateRequest({ baseUrl: 'https://t', realm: '/alpha', cookieName: 'ck', ssoToken: 'tok', provider: 'p', resources: ['api://p/read', 'api://p/write'], agentId: 'gw', resourceOwnerId: owner, clientId: 'c1', identityClaims: { groups: ['a', 'b'], client: 'overwritten?' } });
    const body = JSON.parse(request.body);
    expect(body).toEqual({ resources: ['api://p/read', 'api://p/write'], application: 'p', subject: { claims: { groups: ['a', 'b'], client: 'c1', sub: 'id=gw,ou=agent,o=alpha,ou=services,ou=am-config', subject: owner } } });
    expect(request.headers).toContainEqual({ name: 'ck', value: 'tok' });
  });

  it('logs the agent out with its token in the cookie-named header', () => {
    const request = logoutRequest('https://t', '/alpha', 'ck', 'tok');
    expect(request.url).toBe('https://t/am/json/realms/root/realms/alpha/sessions?_action=logout');
    expect(request.headers).toContainEqual({ name: 'ck', value: 'tok' });
  });

  it('reads identity claim names from the ESV and copies only those attributes', () => {
    expect(identityClaimNames(null)).toEqual([]);
    expect(identityClaimNames(' isMemberOf, , mail,isMemberOf,subject')).toEqual(['isMemberOf', 'mail']);
    const attributes: Record<string, string[]> = { isMemberOf: ['g1', 'g2'], mail: ['a@b'], userpassword: ['secret'], empty: [] };
    expect(claimsFromAttributes(['isMemberOf', 'mail', 'empty'], (n) => attributes[n] ?? [])).toEqual({ isMemberOf: ['g1', 'g2'], mail: 'a@b' });
  });
});

describe('reading answers', () => {
  const requested = [
    { raw: 'api://p/read', scope: 'read' },
    { raw: 'api://p/write', scope: 'write' },
  ];
  const named = (scope: string) => ({ aicApiToApiScope: [scope] });
  it('grants only GRANT === true rows for requested resources whose policy names exactly that scope', () => {
    const body = JSON.stringify([
      { resource: 'api://p/read', actions: { GRANT: true }, attributes: named('api://p/read') },
      { resource: 'api://p/write', actions: { GRANT: false }, attributes: named('api://p/write') },
      { resource: 'api://p/admin', actions: { GRANT: true }, attributes: named('api://p/admin') },
      { resource: 'API://P/WRITE', actions: { GRANT: true }, attributes: named('API://P/WRITE') },
    ]);
    expect(grantedScopes(200, body, requested)).toEqual({ ok: true, value: ['read'] });
  });
  it('does not grant on a GRANT whose attributes name another scope, differ by case, or are missing', () => {
    for (const attributes of [named('api://p/READ'), named('api://p/write'), {}, { aicApiToApiScope: 'api://p/read' }, null]) {
      const body = JSON.stringify([{ resource: 'api://p/read', actions: { GRANT: true }, attributes }]);
      expect(grantedScopes(200, body, requested)).toEqual({ ok: true, value: [] });
    }
  });
  it('fails on non-200, non-JSON and unexpected shapes', () => {
    expect(grantedScopes(500, '[]', requested).ok).toBe(false);
    expect(grantedScopes(200, '<html>', requested).ok).toBe(false);
    expect(grantedScopes(200, '{"resource":"x"}', requested).ok).toBe(false);
    expect(grantedScopes(200, '[{"resource":"api://p/read"}]', requested).ok).toBe(false);
  });
  it('reads the SSO token only from a 200 answer with a tokenId', () => {
    expect(readSsoToken(200, '{"tokenId":"abc"}')).toEqual({ ok: true, value: 'abc' });
    expect(readSsoToken(401, '{"tokenId":"abc"}').ok).toBe(false);
    expect(readSsoToken(200, '{}').ok).toBe(false);
  });
});
