/**
 * Runs a stored script at token time, the way AM would: the legacy bindings, an httpClient that
 * reaches this tenant (in-process for the Node sandbox, over loopback HTTP for real Rhino), systemEnv
 * over the ESVs, and the logger into the tenant's log.
 */
import { runLegacyScript, type HttpExchange, type HttpAnswer, type LegacyBindingInput, type ScriptContext, type ScriptOutcome } from '../../amkit/index.js';
import { runInRhino } from '../../rhino/run.js';
import { esvProperties } from '../api/esv.js';
import type { RealmState, TenantContext, TenantRequest } from '../types.js';

function inProcessHttp(tenant: TenantContext) {
  return (exchange: HttpExchange): HttpAnswer => {
    const url = new URL(exchange.uri);
    if (url.origin !== new URL(tenant.baseUrl()).origin) throw new Error(`java.net.ConnectException: Connection refused (${url.host} is not reachable from the local tenant)`);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(exchange.headers)) headers[name.toLowerCase()] = value;
    const req: TenantRequest = { method: exchange.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: exchange.body, origin: 'script' };
    const response = tenant.dispatchSync(req);
    return { status: response.status, body: typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? null) };
  };
}

export type ScriptInput = Omit<LegacyBindingInput, 'http' | 'env'>;

export async function runStoredScript(tenant: TenantContext, realm: RealmState, scriptId: string, context: ScriptContext, input: ScriptInput, entryPoint?: string): Promise<ScriptOutcome> {
  const stored = realm.scripts[scriptId];
  if (!stored) return { ok: false, error: `script ${scriptId} does not exist`, logs: [], httpCalls: [] };
  if (stored.context !== context) return { ok: false, error: `script ${scriptId} has context ${String(stored.context)}, not ${context}`, logs: [], httpCalls: [] };
  const source = Buffer.from(String(stored.script), 'base64').toString('utf8');
  const env = esvProperties(tenant.state);
  const outcome =
    tenant.options.engine === 'rhino'
      ? (await runInRhino([{ name: String(stored.name), source, context, entryPoint, input: { ...input, env, http: { live: true } } }]))[0]
      : runLegacyScript(source, context, { ...input, env, http: inProcessHttp(tenant) }, entryPoint);
  tenant.runtime.counters.scriptHttpCalls += outcome.httpCalls.length;
  for (const line of outcome.logs) tenant.log({ source: 'script', level: line.level, text: `${String(stored.name)}: ${line.text}` });
  if (!outcome.ok) tenant.log({ source: 'script', level: 'error', text: `${String(stored.name)}: script failed: ${outcome.error}` });
  return outcome;
}
