/** Redactor: registered values in every printed form, secret headers, secret body keys, odd input. */
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../common/redact.js';

describe('Redactor.text', () => {
  it('masks a registered secret, its base64 (padded or not, url-safe) and URL-encoded forms', () => {
    const redactor = new Redactor();
    const secret = 'p@ss/wörd+?=';
    redactor.add(secret);
    const utf8 = Buffer.from(secret, 'utf8');
    for (const form of [secret, utf8.toString('base64'), utf8.toString('base64').replace(/=+$/, ''), utf8.toString('base64url'), encodeURIComponent(secret)]) {
      expect(redactor.text(`before ${form} after`)).toBe('before *** after');
    }
  });

  it('masks the longest match first', () => {
    const redactor = new Redactor();
    redactor.add('secret-part-0123');
    redactor.add('x-secret-part-0123-y');
    expect(redactor.text('1 secret-part-0123 2 x-secret-part-0123-y 3')).toBe('1 *** 2 *** 3');
  });

  it('does not mask values too short to be a secret the tool accepts: masking them would reveal them', () => {
    const redactor = new Redactor();
    redactor.add('alpha');
    // A secret "alpha" would have turned this into /realms/***/, telling the reader the secret.
    expect(redactor.text('PUT /am/json/realms/root/realms/alpha/applications/x -> 200')).toBe('PUT /am/json/realms/root/realms/alpha/applications/x -> 200');
    // Where a value is printed as a value it is masked whatever its length.
    expect(redactor.maskHeaders({ 'X-OpenAM-Password': 'alpha' })).toEqual({ 'X-OpenAM-Password': '***' });
    expect(redactor.maskBody({ password: 'alpha' })).toEqual({ password: '***' });
  });

  it('ignores empty registrations and never throws on odd input', () => {
    const redactor = new Redactor();
    redactor.add('');
    redactor.add(undefined);
    redactor.add(null);
    expect(redactor.text('nothing to hide')).toBe('nothing to hide');
    expect(redactor.text(undefined)).toBe('undefined');
    expect(redactor.text(Object.create(null))).toBe('[unprintable]');
  });
});

describe('Redactor.maskHeaders', () => {
  it('masks Authorization, Cookie, X-OpenAM-Password and the registered cookie name; shows the username', () => {
    const redactor = new Redactor();
    const before = { Authorization: 'Bearer x', cookie: 'a=b', 'X-OpenAM-Password': 'p', 'X-OpenAM-Username': 'gw', iPlanetDirectoryPro: 'sso', Accept: 'json' };
    expect(redactor.maskHeaders(before).iPlanetDirectoryPro).toBe('sso');
    redactor.addSecretHeader('iplanetdirectorypro');
    expect(redactor.maskHeaders(before)).toEqual({ Authorization: '***', cookie: '***', 'X-OpenAM-Password': '***', 'X-OpenAM-Username': 'gw', iPlanetDirectoryPro: '***', Accept: 'json' });
    expect(redactor.maskHeaders(undefined)).toEqual({});
  });
});

describe('Redactor.maskBody', () => {
  const redactor = new Redactor();

  it('masks the secret keys at any depth, case-insensitively, and leaves the input untouched', () => {
    const body = {
      password: 'a', userPassword: 'b', client_secret: 'c', clientSecret: 'd', secret: 'e', assertion: 'f', access_token: 'g',
      refresh_token: 'h', id_token: 'i', tokenId: 'j', privateKey: 'k',
      jwk: { kty: 'RSA', n: 'public', e: 'AQAB', d: '1', p: '2', q: '3', dp: '4', dq: '5', qi: '6' },
      list: [{ password: 'z', name: 'keep' }],
      nothing: null,
    };
    const copy = JSON.parse(JSON.stringify(body));
    const masked = redactor.maskBody(body) as typeof body;
    expect(body).toEqual(copy);
    for (const key of ['password', 'userPassword', 'client_secret', 'clientSecret', 'secret', 'assertion', 'access_token', 'refresh_token', 'id_token', 'tokenId', 'privateKey'] as const) expect(masked[key]).toBe('***');
    expect(masked.jwk).toEqual({ kty: 'RSA', n: 'public', e: 'AQAB', d: '***', p: '***', q: '***', dp: '***', dq: '***', qi: '***' });
    expect(masked.list).toEqual([{ password: '***', name: 'keep' }]);
    expect(masked.nothing).toBeNull();
  });

  it('masks valueBase64 only for ESV secrets', () => {
    expect(redactor.maskBody({ valueBase64: 'c2VjcmV0' }, { path: '/environment/secrets/esv-x' })).toEqual({ valueBase64: '***' });
    expect(redactor.maskBody({ valueBase64: 'c2VjcmV0' }, { path: '/environment/secrets/esv-x/versions' })).toEqual({ valueBase64: '***' });
    expect(redactor.maskBody({ valueBase64: 'dmFy' }, { path: '/environment/variables/esv-x' })).toEqual({ valueBase64: 'dmFy' });
    expect(redactor.maskBody({ valueBase64: 'dmFy' })).toEqual({ valueBase64: 'dmFy' });
  });

  it('masks inside JSON and form-encoded strings, and survives cycles and primitives', () => {
    expect(redactor.maskBody('{"client_secret":"s","a":1}')).toBe('{"client_secret":"***","a":1}');
    expect(redactor.maskBody('grant_type=x&assertion=eyJ.abc&scope=s')).toBe('grant_type=x&assertion=***&scope=s');
    const cyclic: Record<string, unknown> = { password: 'p' };
    cyclic.self = cyclic;
    expect(redactor.maskBody(cyclic)).toEqual({ password: '***', self: '[circular]' });
    expect(redactor.maskBody(42)).toBe(42);
    expect(redactor.maskBody(undefined)).toBeUndefined();
    expect(redactor.maskBody('{not json')).toBe('{not json');
  });
});
