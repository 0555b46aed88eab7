/**
 * Runs a stored script at token time, the way AM would: the legacy bindings, an httpClient that
 * reaches this tenant (in-process through dispatchSync for the Node sandbox, real loopback HTTP for
 * Rhino), systemEnv over the ESVs, and the script's logger into the tenant log with every known
 * secret masked. Owns script execution only; it never changes configuration state.
 */
import { runLegacyScript, type HttpAnswer, type HttpExchange, type LegacyBindingInput, type ScriptContext, type ScriptOutcome } from '../../amkit/index.js';
import { runInRhino } from '../../rhino/run.js';
import { Redactor } from '../../common/redact.js';
import { esvProperties } from '../api/esv.js';
import type { RealmState, TenantContext, TenantRequest } from '../types.js';

/** The shape of the SSO tokens sessions.ts issues: masked even after the session is gone. */
const SSO_TOKEN_PATTERN = /[A-Za-z0-9_-]{32}\.\*AAJTSQACMDEAAlNLABx\*/g;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Same scheme and port; loopback aliases count as the same host (what real HTTP would reach too). */
function isOwnOrigin(url: URL, own: URL): boolean {
  if (url.protocol !== own.protocol || url.port !== own.port) return false;
  return url.hostname === own.hostname || (LOOPBACK.has(url.hostname) && LOOPBACK.has(own.hostname));
}

function inProcessHttp(tenant: TenantContext) {
  return (exchange: HttpExchange): HttpAnswer => {
    const url = new URL(exchange.uri);
    // Only the tenant itself is reachable: anything else behaves like a refused connection.
    if (!isOwnOrigin(url, new URL(tenant.baseUrl()))) throw new Error(`java.net.ConnectException: Connection refused: ${url.host}`);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(exchange.headers)) headers[name.toLowerCase()] = value;
    const req: TenantRequest = { method: exchange.method.toUpperCase(), path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: exchange.body ?? '', origin: 'script' };
    const response = tenant.dispatchSync(req);
    return { status: response.status, body: typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? null) };
  };
}

/** Everything a script could leak into its log: ESV secret values, agent, client and user passwords. */
function redactorFor(tenant: TenantContext, realm: RealmState): Redactor {
  const redactor = new Redactor();
  for (const secret of Object.values(tenant.state.esv.secrets)) for (const version of secret.versions) redactor.add(Buffer.from(version.valueBase64, 'base64').toString('utf8'));
  for (const agent of Object.values(realm.igAgents)) if (typeof agent.userpassword === 'string') redactor.add(agent.userpassword);
  for (const client of Object.values(realm.oauth2Clients)) {
    const stored = (client.coreOAuth2ClientConfig as { userpassword?: unknown } | undefined)?.userpassword;
    const secret = stored && typeof stored === 'object' && 'value' in stored ? (stored as { value: unknown }).value : stored;
    if (typeof secret === 'string') redactor.add(secret);
  }
  for (const user of Object.values(realm.users)) redactor.add(user.password);
  return redactor;
}

export type ScriptInput = Omit<LegacyBindingInput, 'http' | 'env'>;

const failed = (error: string): ScriptOutcome => ({ ok: false, error, logs: [], httpCalls: [] });

export async function runStoredScript(tenant: TenantContext, realm: RealmState, scriptId: string, context: ScriptContext, input: ScriptInput, entryPoint?: string): Promise<ScriptOutcome> {
  const stored = realm.scripts[scriptId];
  let outcome: ScriptOutcome;
  const name = stored ? String(stored.name) : scriptId;
  if (!stored) outcome = failed(`script ${scriptId} does not exist in realm ${input.realm}`);
  else if (stored.context !== context) outcome = failed(`script ${name} has context ${String(stored.context)}, expected ${context}`);
  else {
    const source = Buffer.from(String(stored.script), 'base64').toString('utf8');
    const env = esvProperties(tenant.state);
    const named = { ...input, scriptName: name, env };
    try {
      outcome =
        tenant.options.engine === 'rhino'
          ? (await runInRhino([{ name, source, context, entryPoint, input: { ...named, http: { live: true } } }]))[0]
          : runLegacyScript(source, context, { ...named, http: inProcessHttp(tenant) }, entryPoint);
    } catch (error) {
      outcome = failed(`the ${tenant.options.engine ?? 'node'} engine could not run the script: ${(error as Error).message}`);
    }
  }
  tenant.runtime.counters.scriptHttpCalls += outcome.httpCalls.length;
  const redactor = redactorFor(tenant, realm);
  const clean = (text: string) => redactor.text(text).replace(SSO_TOKEN_PATTERN, '***');
  for (const line of outcome.logs) tenant.log({ source: 'script', level: line.level, text: `${name}: ${clean(line.text)}` });
  if (!outcome.ok) {
    outcome = { ...outcome, error: clean(outcome.error ?? 'unknown error') };
    tenant.log({ source: 'script', level: 'error', text: `${name} (${context}${entryPoint ? ` ${entryPoint}` : ''}) failed: ${outcome.error}` });
  }
  return outcome;
}
