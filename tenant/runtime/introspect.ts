/**
 * POST …/introspect (RFC 7662 with AM's fields). Who may introspect, matching the article: the
 * token's audience (`aud`) always; when the token has no `aud`, its own client; and the token's own
 * client when it is also the resource owner (client_credentials). Anyone else sees {active:false}.
 */
import { randomUUID } from 'node:crypto';
import { formBody, ok, realmOf, repeatedParameter } from '../http-util.js';
import type { Handler, IssuedToken, JsonObject } from '../types.js';
import { authenticateClient, duplicateParameter, isResponse, oauthError } from './oauth2-clients.js';

export function mayIntrospect(token: IssuedToken, introspectingClient: string): boolean {
  const aud = token.fields.aud;
  const audiences = aud === undefined || aud === null ? [] : Array.isArray(aud) ? aud.map(String) : [String(aud)];
  if (audiences.includes(introspectingClient)) return true;
  if (introspectingClient !== token.clientId) return false;
  return audiences.length === 0 || token.resourceOwnerId === token.clientId;
}

export const introspect: Handler = (req, params, tenant) => {
  const realm = realmOf(tenant, params.realm);
  if (!realm) return oauthError(400, 'invalid_request', `Unknown realm ${params.realm}`);
  const repeated = repeatedParameter(req, true);
  if (repeated) return duplicateParameter(repeated);
  const form = formBody(req);
  const client = authenticateClient(req, form, realm);
  if (isResponse(client)) return client;
  if (!form.token) return oauthError(400, 'invalid_request', 'The token parameter is required');
  const token = tenant.runtime.tokens.get(form.token);
  if (!token || token.kind !== 'access' || token.realm !== params.realm || token.expiresAt <= Date.now() || !mayIntrospect(token, client.id)) return ok({ active: false });
  const answer: JsonObject = {
    // Fields set by the modification script first: AM's own fields cannot be overwritten by them.
    ...token.fields,
    active: true,
    scope: token.scope.join(' '),
    realm: `/${params.realm}`,
    client_id: client.id,
    user_id: token.resourceOwnerId,
    username: token.resourceOwnerId,
    token_type: 'Bearer',
    exp: Math.floor(token.expiresAt / 1000),
    sub: token.clientId,
    subname: token.clientId,
    iss: `${tenant.baseUrl()}/am/oauth2/realms/root/realms/${params.realm}`,
    authGrantId: token.authGrantId,
    auditTrackingId: randomUUID(),
  };
  return ok(answer);
};
