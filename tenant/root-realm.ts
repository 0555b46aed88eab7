/**
 * The root realm (AM's realm "/", state key ''): where tenant administrators log in and where the
 * admin UI's OAuth2 client lives. Its client's redirect URI points at the tenant itself, whose port
 * is known only once the server listens; this module keeps that URI in step. Owns nothing else.
 */
import type { JsonObject, TenantState } from './types.js';

export const ROOT_REALM = '';

/** The path frodo and the platform admin UI register for the admin client (frodo-lib AuthenticateOps redirectUrlTemplate). */
const ADMIN_REDIRECT_PATH = '/platform/appAuthHelperRedirect.html';

/** Points every root client's admin-UI redirect at `baseUrl`; true when something changed. */
export function syncRootRedirects(state: TenantState, baseUrl: string): boolean {
  const root = Object.prototype.hasOwnProperty.call(state.realms, ROOT_REALM) ? state.realms[ROOT_REALM] : undefined;
  let changed = false;
  for (const client of Object.values(root?.oauth2Clients ?? {})) {
    const wrapped = (client.coreOAuth2ClientConfig as JsonObject | undefined)?.redirectionUris as JsonObject | undefined;
    if (!wrapped || !Array.isArray(wrapped.value)) continue;
    const next = (wrapped.value as string[]).map((uri) => (uri.endsWith(ADMIN_REDIRECT_PATH) ? `${baseUrl}${ADMIN_REDIRECT_PATH}` : uri));
    if (next.some((uri, i) => uri !== (wrapped.value as string[])[i])) {
      wrapped.value = next;
      changed = true;
    }
  }
  return changed;
}
