import { describe, expect, it } from 'vitest';
import { mayIntrospect } from '../../../tenant/runtime/introspect.js';
import type { IssuedToken, JsonValue } from '../../../tenant/types.js';

const token = (clientId: string, resourceOwnerId: string, fields: Record<string, JsonValue> = {}): IssuedToken => ({
  token: 't', kind: 'access', realm: 'alpha', clientId, resourceOwnerId, grantType: 'x', scope: ['read'], fields, expiresAt: Date.now() + 1000, authGrantId: 'g',
});

describe('who may introspect', () => {
  it('the audience always', () => {
    expect(mayIntrospect(token('api1', 'user-1', { aud: 'api2' }), 'api2')).toBe(true);
    expect(mayIntrospect(token('api1', 'user-1', { aud: ['api2', 'api3'] }), 'api3')).toBe(true);
  });
  it('the own client of a user token only when the token has no aud', () => {
    expect(mayIntrospect(token('api1', 'user-1', { aud: 'api2' }), 'api1')).toBe(false);
    expect(mayIntrospect(token('api1', 'user-1'), 'api1')).toBe(true);
  });
  it('the own client when it is also the resource owner (client_credentials), even with an aud', () => {
    expect(mayIntrospect(token('api1', 'api1', { aud: 'api2' }), 'api1')).toBe(true);
  });
  it('nobody else', () => {
    expect(mayIntrospect(token('api1', 'api1', { aud: 'api2' }), 'api3')).toBe(false);
    expect(mayIntrospect(token('api1', 'user-1'), 'api2')).toBe(false);
  });
});
