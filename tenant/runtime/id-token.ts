/**
 * OpenID Connect ID tokens for `openid`: signed JWTs (RS256) with the tenant's signing key, made
 * at first use and kept in the tenant's private state (never in the seed, a log or a response),
 * and its public half at the realm's jwk_uri. Claims: iss, sub, aud, azp, iat, exp, auth_time,
 * nonce (when the authorization request had one), at_hash (beside an access token), and the
 * claims of the profile and email scopes the token got (the provider's alwaysAddClaimsToToken,
 * on in AIC and in the seed) — so an ID token shows a scope decision too. Owns no other state.
 */
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ok, realmOf } from '../http-util.js';
import type { Handler, JsonObject, JsonValue, TenantContext, UserState } from '../types.js';

export const ID_TOKEN_SECONDS = 3600;
const ALGORITHM = 'RS256';
const keys = new WeakMap<TenantContext, Promise<{ kid: string; key: CryptoKey | Uint8Array }>>();

/** The issuer of a realm ('' = the root realm), as in its discovery document. */
export const issuerOf = (tenant: TenantContext, realmName: string) => (realmName ? `${tenant.baseUrl()}/am/oauth2/realms/root/realms/${realmName}` : `${tenant.baseUrl()}/am/oauth2`);

async function signingKey(tenant: TenantContext): Promise<{ kid: string; key: CryptoKey | Uint8Array }> {
  let pending = keys.get(tenant);
  if (!pending) {
    pending = (async () => {
      if (!tenant.state.oidcSigningKey) {
        const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
        const kid = randomUUID();
        tenant.state.oidcSigningKey = { kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM } as JsonObject, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' } as JsonObject };
        tenant.changed();
      }
      const stored = tenant.state.oidcSigningKey;
      return { kid: stored.kid, key: await importJWK(stored.privateJwk as JWK, ALGORITHM) };
    })();
    keys.set(tenant, pending);
  }
  return pending;
}

/** The scope claims of a user (AM's default OIDC claims script maps these attributes). */
function scopeClaims(user: UserState, scopes: string[]): Record<string, JsonValue> {
  const first = (name: string) => user.attributes[name]?.[0];
  const claims: Record<string, JsonValue> = {};
  const put = (claim: string, value: string | undefined) => {
    if (value !== undefined) claims[claim] = value;
  };
  if (scopes.includes('profile')) {
    put('name', first('cn'));
    put('given_name', first('givenName'));
    put('family_name', first('sn'));
    put('preferred_username', user.username);
  }
  if (scopes.includes('email')) put('email', first('mail'));
  return claims;
}

/** OIDC's at_hash: the left half of the access token's SHA-256, base64url. */
const atHash = (accessToken: string) => createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');

export async function issueIdToken(
  tenant: TenantContext,
  input: { realmName: string; clientId: string; user: UserState; scopes: string[]; nonce?: string; authTime?: number; accessToken?: string },
): Promise<string> {
  const { kid, key } = await signingKey(tenant);
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, JsonValue> = {
    ...scopeClaims(input.user, input.scopes),
    azp: input.clientId,
    auth_time: Math.floor((input.authTime ?? Date.now()) / 1000),
    tokenType: 'JWTToken',
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    ...(input.accessToken ? { at_hash: atHash(input.accessToken) } : {}),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
    .setIssuer(issuerOf(tenant, input.realmName))
    .setSubject(input.user._id)
    .setAudience(input.clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + ID_TOKEN_SECONDS)
    .setJti(randomUUID())
    .sign(key);
}

/** GET …/connect/jwk_uri: the public signing key, so a relying party (or a test) can verify ID tokens. */
export const jwkUri: Handler = async (_req, params, tenant) => {
  if (!realmOf(tenant, params.realm ?? '')) return { status: 404, body: { error: 'not_found', error_description: `Unknown realm ${params.realm}` } };
  await signingKey(tenant);
  return ok({ keys: [tenant.state.oidcSigningKey!.publicJwk] });
};
