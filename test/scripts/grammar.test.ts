import { describe, expect, it } from 'vitest';
import { CLIENT_ID_PATTERN, decideRequestedScopes, parseScope, SCOPE_NAME_PATTERN, splitTokenScopes } from '../../scripts/lib/scope-grammar.js';

describe('audience scope grammar', () => {
  it('parses the article scope', () => {
    expect(parseScope('api://scopeDrivenAPI2Client/read')).toEqual({ kind: 'audience', raw: 'api://scopeDrivenAPI2Client/read', provider: 'scopeDrivenAPI2Client', scope: 'read' });
  });

  it.each([
    ['api://a/b/c', 'exactly one "/"'],
    ['api:///read', 'provider must be'],
    ['api://orders/', 'scope must be'],
    ['xapi://a/b', 'exactly one "/"'],
    ['API://a/b', 'exactly one "/"'],
    ['api:orders/read', 'exactly one "/"'],
    ['api://ord ers/read', 'provider must be'],
    ['api://orders/re"ad', 'scope must be'],
    ['api://orders/re\\ad', 'scope must be'],
    ['api://orders/read%20x', 'scope must be'],
    // Characters AM's resource matching or AIC's names treat specially never reach a policy.
    ['api://wildApi/*', 'scope must be'],
    ['api://orders/read*', 'scope must be'],
    ['api://orders/-*-', 'scope must be'],
    ['api://*/read', 'provider must be'],
    ['api://orders/a+b', 'scope must be'],
    ['api://orders/a,b', 'scope must be'],
    ['api://orders/a;b', 'scope must be'],
    ['api://orders/a=b', 'scope must be'],
    ['api://user@orders/read', 'provider must be'],
    ['api://orders:443/read', 'provider must be'],
    ['api://./read', 'provider must be'],
    ['api://../read', 'provider must be'],
    ['api://orders/.', 'scope must be'],
    ['api://orders/..', 'scope must be'],
  ])('refuses %j as malformed', (raw, reason) => {
    const parsed = parseScope(raw);
    expect(parsed.kind).toBe('malformed');
    expect(parsed.kind === 'malformed' && parsed.reason).toContain(reason);
  });

  it('treats ordinary scopes as plain', () => {
    for (const raw of ['openid', 'profile', 'fr:am:*', 'urn:example:read']) expect(parseScope(raw).kind).toBe('plain');
  });
});

/** Deterministic PRNG so a failure can be reproduced. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

describe('grammar over generated strings', () => {
  const alphabet = ['a', 'Z', '0', '.', '_', '~', '-', ':', '@', '!', '$', '&', '(', ')', '*', '+', ',', ';', '=', '/', ' ', '\t', '"', "'", '\\', '%', '?', '#', '\u0000', '\u001f', 'é', 'api://', '//', 'x'];
  const random = prng(20261122);
  const pick = () => alphabet[Math.floor(random() * alphabet.length)];
  const generate = () => {
    const prefix = random() < 0.6 ? 'api://' : '';
    const length = Math.floor(random() * 12);
    let text = prefix;
    for (let i = 0; i < length; i++) text += pick();
    return text;
  };

  it('never crashes and never accepts what the grammar forbids (5,000 strings)', () => {
    for (let i = 0; i < 5000; i++) {
      const raw = generate();
      const parsed = parseScope(raw);
      if (parsed.kind === 'audience') {
        expect(raw).toBe(`api://${parsed.provider}/${parsed.scope}`);
        expect(parsed.provider).toMatch(CLIENT_ID_PATTERN);
        expect(parsed.scope).toMatch(SCOPE_NAME_PATTERN);
        expect(parsed.provider + parsed.scope).not.toMatch(/[\s/"'\\%?#*+,;=<>@\u0000-\u001f]/);
        expect(parsed.provider).not.toMatch(/^\.+$/);
        expect(parsed.scope).not.toMatch(/^\.+$/);
      }
      if (parsed.kind === 'plain') {
        expect(raw).not.toMatch(/:\/\/|^api:/i);
        expect(raw).not.toMatch(/[\s"\\\u0000-\u001f]/);
      }
    }
  });

  it('round-trips every well-formed audience scope', () => {
    const name = (chars: string) => 'x' + Array.from({ length: Math.floor(random() * 20) }, () => chars[Math.floor(random() * chars.length)]).join('');
    for (let i = 0; i < 2000; i++) {
      const provider = name('abcXYZ019._~-');
      const scope = name('abcXYZ019._~-:');
      expect(parseScope(`api://${provider}/${scope}`)).toMatchObject({ kind: 'audience', provider, scope });
    }
  });
});

describe('decideRequestedScopes', () => {
  it('returns the default scopes when nothing is requested', () => {
    expect(decideRequestedScopes([], ['openid'], ['openid', 'profile'])).toEqual({ ok: true, scopes: ['openid', 'profile'] });
  });

  it('passes audience scopes of one provider and allowed plain scopes, dropping unknown plain ones', () => {
    expect(decideRequestedScopes(['api://p/read', 'api://p/write', 'openid', 'admin'], ['openid'], [])).toEqual({ ok: true, scopes: ['api://p/read', 'api://p/write', 'openid'], provider: 'p' });
  });

  it('refuses two providers with a message saying one audience per token', () => {
    const decision = decideRequestedScopes(['api://p/read', 'api://q/read'], [], []);
    expect(decision.ok).toBe(false);
    expect(decision.error).toMatch(/^One audience per token/);
    expect(decision.error).toContain('"p", "q"');
    expect(decideRequestedScopes(['api://q/read', 'api://p/read'], [], []).error).toBe(decision.error);
  });

  it('refuses a malformed scope, naming it', () => {
    expect(decideRequestedScopes(['openid', 'api://a/b/c'], ['openid'], []).error).toContain('"api://a/b/c"');
  });

  it('splits a token scope set into plain and audience scopes', () => {
    const split = splitTokenScopes(['openid', 'api://p/read', 'api://p/write']);
    expect(split.plain).toEqual(['openid']);
    expect(split.audience.map((a) => a.scope)).toEqual(['read', 'write']);
    expect(split.providers).toEqual(['p']);
  });
});
