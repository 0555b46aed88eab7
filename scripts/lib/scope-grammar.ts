/**
 * The audience-scope grammar and the classification of a requested scope set.
 * Pure: no AM bindings, no Java. Runs in AM (bundled) and in Node (unit tests, deploy tool).
 *
 * Grammar:  audience-scope = "api://" client-id "/" scope-name
 *           client-id      = 1*128 ( ALPHA / DIGIT / "." / "_" / "~" / "-" ), not only dots
 *           scope-name     = 1*128 ( ALPHA / DIGIT / "." / "_" / "~" / "-" / ":" ), not only dots
 * Why this narrow: the names become AM resource patterns, policy names and URL path segments.
 * AM's policy engine treats "*" (and "-*-") as wildcards and matches case-insensitively; AIC refuses
 * " + , < = > \ / ; in policy names; "@" and ":" in the authority part of api://P/ would read as
 * userinfo and port; "." and ".." are removed by URL normalisation. Anything that looks like a URI
 * scope ("api:" in any case, or containing "://") and is not exactly of this form is malformed.
 */

export var CLIENT_ID_PATTERN = /^[A-Za-z0-9._~-]{1,128}$/;
export var SCOPE_NAME_PATTERN = /^[A-Za-z0-9._~:-]{1,128}$/;
/** How the two rules read in error messages and documentation. */
export var CLIENT_ID_RULE = '1-128 characters of A-Z a-z 0-9 . _ ~ - (not only dots)';
export var SCOPE_NAME_RULE = '1-128 characters of A-Z a-z 0-9 . _ ~ - : (not only dots)';
var DOTS_ONLY = /^\.+$/;
var AUDIENCE_PATTERN = /^api:\/\/([^/]*)\/([^/]*)$/;
var URI_LIKE_PATTERN = /^api:|:\/\//i;
/** A plain OAuth2 scope token (RFC 6749 §3.3: printable ASCII except space, quote and backslash). */
var PLAIN_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/;

export interface AudienceScope {
  kind: 'audience';
  raw: string;
  provider: string;
  scope: string;
}
export interface PlainScope {
  kind: 'plain';
  raw: string;
}
export interface MalformedScope {
  kind: 'malformed';
  raw: string;
  reason: string;
}
export type ParsedScope = AudienceScope | PlainScope | MalformedScope;

/** A provider or consumer id: also a policy set and resource type name and a URL path segment. */
export function isValidClientId(name: string): boolean {
  return CLIENT_ID_PATTERN.test(name) && !DOTS_ONLY.test(name);
}

/** A scope name of a provider (and a plain scope a scope rule names). */
export function isValidScopeName(name: string): boolean {
  return SCOPE_NAME_PATTERN.test(name) && !DOTS_ONLY.test(name);
}

export function parseScope(raw: string): ParsedScope {
  if (URI_LIKE_PATTERN.test(raw)) {
    var match = AUDIENCE_PATTERN.exec(raw);
    if (!match) {
      return { kind: 'malformed', raw: raw, reason: 'expected api://<provider>/<scope> with exactly one "/" after the provider' };
    }
    if (!isValidClientId(match[1])) {
      return { kind: 'malformed', raw: raw, reason: 'the provider must be ' + CLIENT_ID_RULE };
    }
    if (!isValidScopeName(match[2])) {
      return { kind: 'malformed', raw: raw, reason: 'the scope must be ' + SCOPE_NAME_RULE };
    }
    return { kind: 'audience', raw: raw, provider: match[1], scope: match[2] };
  }
  if (!PLAIN_PATTERN.test(raw)) {
    return { kind: 'malformed', raw: raw, reason: 'not a valid OAuth2 scope token' };
  }
  return { kind: 'plain', raw: raw };
}

export function audienceScope(provider: string, scope: string): string {
  return 'api://' + provider + '/' + scope;
}

export interface ScopeDecision {
  ok: boolean;
  /** Scopes to return to AM (it intersects them with what was requested). */
  scopes: string[];
  /** The single provider named by the audience scopes, if any. */
  provider?: string;
  /** Why the request is refused (becomes the invalid_scope message). */
  error?: string;
}

/**
 * Decides a Validate Scope request.
 * - nothing requested: the client's default scopes;
 * - a malformed scope: refused, naming it;
 * - audience scopes of more than one provider: refused (one audience per token);
 * - well-formed audience scopes pass through for the policy engine to decide at token time;
 * - plain scopes pass only when the client allows them; unknown plain scopes are dropped, not refused,
 *   so that an API-to-API call is not failed by an extra plain scope (AM narrows, never widens).
 */
export function decideRequestedScopes(requested: string[], allowed: string[], defaults: string[]): ScopeDecision {
  if (requested.length === 0) return { ok: true, scopes: defaults.slice() };
  var kept: string[] = [];
  var providers: string[] = [];
  for (var i = 0; i < requested.length; i++) {
    var parsed = parseScope(requested[i]);
    if (parsed.kind === 'malformed') {
      return { ok: false, scopes: [], error: 'Invalid scope "' + parsed.raw + '": ' + parsed.reason };
    }
    if (parsed.kind === 'audience') {
      if (providers.indexOf(parsed.provider) < 0) providers.push(parsed.provider);
      kept.push(parsed.raw);
    } else if (allowed.indexOf(parsed.raw) >= 0) {
      kept.push(parsed.raw);
    }
  }
  if (providers.length > 1) {
    return {
      ok: false,
      scopes: [],
      error: 'One audience per token: the request names scopes of providers "' + providers.sort().join('", "') + '"; request one token per provider',
    };
  }
  return { ok: true, scopes: kept, provider: providers.length ? providers[0] : undefined };
}

export interface TokenScopes {
  plain: string[];
  audience: AudienceScope[];
  providers: string[];
  malformed: string[];
}

/** Splits a token's scopes into plain ones and audience ones (used at token time). */
export function splitTokenScopes(scopes: string[]): TokenScopes {
  var result: TokenScopes = { plain: [], audience: [], providers: [], malformed: [] };
  for (var i = 0; i < scopes.length; i++) {
    var parsed = parseScope(scopes[i]);
    if (parsed.kind === 'audience') {
      result.audience.push(parsed);
      if (result.providers.indexOf(parsed.provider) < 0) result.providers.push(parsed.provider);
    } else if (parsed.kind === 'plain') {
      result.plain.push(parsed.raw);
    } else {
      result.malformed.push(parsed.raw);
    }
  }
  return result;
}
