/**
 * Which probe `npm run verify` runs: the consumer client (VERIFY_CLIENT_ID / VERIFY_CLIENT_SECRET)
 * and the audience scope (VERIFY_SCOPE, default the article's api://scopeDrivenAPI2Client/read).
 * On the local tenant the client defaults to the seed's demo consumer, its secret read from the
 * seed. Owns: choosing and checking the probe; every secret found is registered with the redactor.
 */
import { parseScope } from '../../scripts/lib/scope-grammar.js';
import { EnvError, type EnvConfig } from '../config/env.js';
import type { Redactor } from '../../common/redact.js';
import type { LocalTenantHandle } from '../local/tenant.js';
import { ARTICLE, clientSecret } from '../local/demonstrate.js';

export interface VerifyProbe {
  clientId: string;
  /** Non-enumerable: never serialised. */
  readonly clientSecret: string;
  /** The audience scope asked for, api://<provider>/<scope>. */
  audienceScope: string;
  provider: string;
  scope: string;
  /** Where the client came from, for the report. */
  source: 'VERIFY_CLIENT_ID' | "the local tenant's demo consumer";
}

export const DEFAULT_VERIFY_SCOPE = `api://${ARTICLE.provider}/${ARTICLE.scope}`;

export async function resolveProbe(env: Pick<EnvConfig, 'verify' | 'local' | 'realm'>, redactor: Redactor, local?: LocalTenantHandle): Promise<VerifyProbe> {
  const problems: string[] = [];
  const audienceScope = env.verify.scope || DEFAULT_VERIFY_SCOPE;
  const parsed = parseScope(audienceScope);
  if (parsed.kind !== 'audience') problems.push(`VERIFY_SCOPE: expected an audience scope api://<provider>/<scope>, got ${JSON.stringify(audienceScope)}${parsed.kind === 'malformed' ? ` (${parsed.reason})` : ''}`);
  let clientId = env.verify.clientId;
  let secret = env.verify.clientSecret;
  let source: VerifyProbe['source'] = 'VERIFY_CLIENT_ID';
  if (!clientId && secret) problems.push('VERIFY_CLIENT_SECRET is set but VERIFY_CLIENT_ID is not: set both (a consumer client of the access configuration and its secret)');
  if (local && !secret && !problems.length) {
    // The seed's clients keep their secrets in clear: the demo consumer, or the one named.
    const state = await local.state();
    if (!clientId) source = "the local tenant's demo consumer";
    clientId ||= ARTICLE.consumer;
    if (!state.realms[env.realm]?.oauth2Clients[clientId]) problems.push(`VERIFY_CLIENT_ID: the local tenant has no client ${clientId} in realm ${env.realm}`);
    else secret = clientSecret(state, env.realm, clientId);
  }
  if (!local && (!clientId || !secret)) problems.push('verify: set VERIFY_CLIENT_ID and VERIFY_CLIENT_SECRET (in the environment or .env.<name>) to a consumer client of the access configuration and its secret: the probe asks for a token as that client');
  if (problems.length) throw new EnvError(problems);
  redactor.add(secret);
  const probe = { clientId, audienceScope, provider: parsed.kind === 'audience' ? parsed.provider : '', scope: parsed.kind === 'audience' ? parsed.scope : '', source } as VerifyProbe;
  Object.defineProperty(probe, 'clientSecret', { value: secret, enumerable: false });
  return probe;
}
