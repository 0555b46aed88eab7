/**
 * After a deploy to the local tenant: runs the article's two demonstrations with the demo
 * credentials of the tenant's seed and prints the introspection answers.
 * Owns: choosing the demo credentials and printing the results. The flows live in demo.ts.
 */
import type { AccessConfig } from '../config/access.js';
import type { Redactor } from '../../common/redact.js';
import type { LocalTenantHandle } from './tenant.js';
import type { TenantState } from '../../tenant/types.js';
import { authorizationCodeDemo, clientCredentialsDemo, type DemoCredentials, type DemoResult } from './demo.js';

/** The article's consumer, provider and scope: the demonstrations', and `npm run verify`'s default probe. */
export const ARTICLE = { consumer: 'scopeDrivenAPI1Client', provider: 'scopeDrivenAPI2Client', scope: 'read' } as const;

function unwrap(value: unknown): unknown {
  return value && typeof value === 'object' && 'value' in (value as object) ? (value as { value: unknown }).value : value;
}

/** A client's secret as the local tenant's seed holds it (the local tenant keeps them in clear). */
export function clientSecret(state: TenantState, realm: string, clientId: string): string {
  const client = state.realms[realm]?.oauth2Clients[clientId] as Record<string, Record<string, unknown>> | undefined;
  const secret = unwrap(client?.coreOAuth2ClientConfig?.userpassword);
  if (typeof secret !== 'string') throw new Error(`local tenant: the seed has no secret for client ${clientId}`);
  return secret;
}

function redirectUri(state: TenantState, realm: string, clientId: string): string {
  const client = state.realms[realm]?.oauth2Clients[clientId] as Record<string, Record<string, unknown>> | undefined;
  const uris = unwrap(client?.coreOAuth2ClientConfig?.redirectionUris);
  if (!Array.isArray(uris) || typeof uris[0] !== 'string') throw new Error(`local tenant: client ${clientId} has no redirect URI`);
  return uris[0];
}

/** What the demonstrations need of a run: the local tenant, its realm, and the redactor to register the demo secrets with. */
export interface DemoTarget {
  baseUrl: string;
  realm: string;
  redactor: Redactor;
  local: LocalTenantHandle;
}

export async function demoCredentials(target: DemoTarget): Promise<DemoCredentials> {
  const realm = target.realm;
  const state = await target.local.state();
  const user = Object.values(state.realms[realm]?.users ?? {})[0];
  if (!user) throw new Error('local tenant: the seed has no user');
  for (const id of [ARTICLE.consumer, ARTICLE.provider]) target.redactor.add(clientSecret(state, realm, id));
  target.redactor.add(user.password);
  return {
    realm,
    cookieName: state.cookieName,
    consumer: { clientId: ARTICLE.consumer, clientSecret: clientSecret(state, realm, ARTICLE.consumer), redirectUri: redirectUri(state, realm, ARTICLE.consumer) },
    provider: { clientId: ARTICLE.provider, clientSecret: clientSecret(state, realm, ARTICLE.provider) },
    user: { username: user.username, password: user.password, id: user._id },
    scope: ARTICLE.scope,
    userJourney: 'PasswordGrant',
    onSecret: (value) => target.redactor.add(value),
  };
}

export async function runLocalDemonstrations(target: DemoTarget, access: AccessConfig, print: (line: string) => void): Promise<{ ok: boolean; results: DemoResult[] }> {
  const grantsArticleScope = Boolean((access.providers as Record<string, { scopes?: Record<string, unknown> }>)[ARTICLE.provider]?.scopes?.[ARTICLE.scope]);
  if (!grantsArticleScope) {
    print(`Demonstrations skipped: the access configuration has no scope ${ARTICLE.scope} of ${ARTICLE.provider}.`);
    return { ok: true, results: [] };
  }
  const creds = await demoCredentials(target);
  const results = [await clientCredentialsDemo(target.baseUrl, creds), await authorizationCodeDemo(target.baseUrl, creds)];
  print('');
  print('Demonstrations on the local tenant (the article\'s "Testing the Approach"):');
  for (const result of results) {
    print(`  ${result.ok ? 'PASS' : 'FAIL'}  ${result.name}`);
    for (const problem of result.problems) print(`        ${problem}`);
    if (result.introspection) print(`        introspection: ${JSON.stringify(result.introspection)}`);
  }
  return { ok: results.every((r) => r.ok), results };
}
