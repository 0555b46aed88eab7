/**
 * Runs a stored script the way AM would, by its stored context: the legacy bindings (OAUTH2_* and
 * POLICY_CONDITION, evaluatorVersion 1.0) or the next-generation ones (OAUTH2_*_NEXT_GEN, 2.0), in
 * the tenant's engine — the Node sandbox (amkit) or real Rhino (rhino/, one long-lived JVM).
 * Bindings reach this tenant: httpClient in-process through dispatchSync (sandbox) or over real
 * loopback HTTP (Rhino); the next-generation `policy` binding evaluates in-process against the
 * tenant's policy engine in both engines — not an outbound call; systemEnv reads the loaded ESVs;
 * the script's logger goes into the tenant log with every known secret masked. Owns script
 * execution only; it never changes configuration state.
 */
import { isNextGen, runScript, type BindingInput, type HttpAnswer, type HttpExchange, type PolicyEvaluation, type ScriptContext, type ScriptOutcome } from '../../amkit/index.js';
import { runRhinoCase } from '../../rhino/run.js';
import { Redactor } from '../../common/redact.js';
import { esvProperties } from '../api/esv.js';
import type { JsonObject, RealmState, TenantContext, TenantRequest } from '../types.js';
import { evaluatePolicies, type DecisionRow } from './policy-engine.js';
import { isJsonObject } from '../../common/json.js';
import { jwtClaims } from './jwt-claims.js';

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

/**
 * The next-generation `policy` binding: policy.evaluate(subject, application, resourceNames,
 * environment) answered by the tenant's policy engine with the same decisions the REST evaluate
 * gives. The subject takes the REST forms (claims holding `sub`, jwt, ssoToken); `{}` is refused
 * as AM refuses it. A failure throws: the script sees an EntitlementException.
 */
function policyEvaluator(tenant: TenantContext, realm: RealmState) {
  return (request: PolicyEvaluation): DecisionRow[] => {
    const { subject, application, resources } = request;
    if (typeof application !== 'string' || !application) throw new Error('Invalid value application');
    if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string')) throw new Error('Invalid value resourceNames');
    if (!isJsonObject(subject)) throw new Error('Invalid value subject');
    let claims: JsonObject;
    let authenticated = false;
    if (typeof subject.ssoToken === 'string') {
      const session = tenant.runtime.sessions.get(subject.ssoToken);
      authenticated = !!session && session.expiresAt > Date.now();
      claims = {};
    } else if (typeof subject.jwt === 'string') {
      const decoded = jwtClaims(subject.jwt);
      if (!decoded) throw new Error('Invalid value subject: the jwt is not readable');
      claims = decoded;
    } else if (isJsonObject(subject.claims) && typeof subject.claims.sub === 'string') {
      claims = subject.claims;
    } else {
      throw new Error('Invalid value subject');
    }
    const result = evaluatePolicies(realm, { application, resources: resources as string[], claims, context: { authenticated } });
    if (!result.ok) throw new Error(result.error);
    return result.rows;
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

export type ScriptInput = Omit<BindingInput, 'http' | 'env' | 'policy'>;
/** The OAuth2 plugin a client's override names a script for; AM runs a legacy or a next-generation script there. */
export type OAuth2Plugin = 'OAUTH2_VALIDATE_SCOPE' | 'OAUTH2_ACCESS_TOKEN_MODIFICATION';

const failed = (error: string): ScriptOutcome => ({ ok: false, error, logs: [], httpCalls: [] });

interface StoredScript {
  name: string;
  source: string;
  context: string;
  evaluatorVersion: string;
}

function loadScript(realm: RealmState, scriptId: string): StoredScript | undefined {
  const stored = realm.scripts[scriptId];
  if (!stored) return undefined;
  return { name: String(stored.name), source: Buffer.from(String(stored.script), 'base64').toString('utf8'), context: String(stored.context), evaluatorVersion: String(stored.evaluatorVersion ?? '1.0') };
}

/** Runs one execution in the tenant's engine, then counts, logs (masked) and reports it. */
async function execute(tenant: TenantContext, realm: RealmState, script: StoredScript, context: ScriptContext, input: ScriptInput, entryPoint?: string): Promise<ScriptOutcome> {
  const named = { ...input, scriptName: script.name, env: esvProperties(tenant.state) };
  const policy = isNextGen(context) ? policyEvaluator(tenant, realm) : undefined;
  let outcome: ScriptOutcome;
  try {
    outcome =
      tenant.options.engine === 'rhino'
        ? await runRhinoCase({ name: script.name, source: script.source, context, entryPoint, input: { ...named, http: { live: true }, policy } })
        : runScript(script.source, context, { ...named, http: inProcessHttp(tenant), policy }, entryPoint);
  } catch (error) {
    outcome = failed(`the ${tenant.options.engine ?? 'node'} engine could not run the script: ${(error as Error).message}`);
  }
  return report(tenant, realm, script.name, `${context}${entryPoint ? ` ${entryPoint}` : ''}`, outcome);
}

function report(tenant: TenantContext, realm: RealmState, name: string, what: string, outcome: ScriptOutcome): ScriptOutcome {
  // Outbound HTTP only: policy.evaluate runs in-process, as in AM.
  tenant.runtime.counters.scriptHttpCalls += outcome.httpCalls.length;
  if (outcome.ok && outcome.logs.length === 0) return outcome;
  const redactor = redactorFor(tenant, realm);
  const clean = (text: string) => redactor.text(text).replace(SSO_TOKEN_PATTERN, '***');
  for (const line of outcome.logs) tenant.log({ source: 'script', level: line.level, text: `${name}: ${clean(line.text)}` });
  if (!outcome.ok) {
    outcome = { ...outcome, error: clean(outcome.error ?? 'unknown error') };
    tenant.log({ source: 'script', level: 'error', text: `${name} (${what}) failed: ${outcome.error}` });
  }
  return outcome;
}

/**
 * Runs the script a client's override names for `plugin`, with the bindings of the script's own
 * context: `plugin` itself (legacy) or `plugin`_NEXT_GEN (next-generation, evaluatorVersion 2.0).
 * A script of any other context fails the execution, as AM fails the request.
 */
export async function runStoredScript(tenant: TenantContext, realm: RealmState, scriptId: string, plugin: OAuth2Plugin, input: ScriptInput, entryPoint?: string): Promise<ScriptOutcome> {
  const script = loadScript(realm, scriptId);
  if (!script) return report(tenant, realm, scriptId, plugin, failed(`script ${scriptId} does not exist in realm ${input.realm}`));
  const nextGen = `${plugin}_NEXT_GEN`;
  if (script.context !== plugin && script.context !== nextGen) return report(tenant, realm, script.name, plugin, failed(`script ${script.name} has context ${script.context}, expected ${plugin} or ${nextGen}`));
  if (script.context === nextGen && script.evaluatorVersion !== '2.0') return report(tenant, realm, script.name, plugin, failed(`script ${script.name} has context ${nextGen} but evaluatorVersion ${script.evaluatorVersion}: next-generation contexts run evaluatorVersion 2.0 only`));
  return execute(tenant, realm, script, script.context as ScriptContext, input, entryPoint);
}

/** The bindings of one scripted policy condition (AM's ScriptCondition). */
export interface ConditionBindings {
  /** AM's `realm` binding, e.g. "/alpha". */
  realm: string;
  /** Name → values; for OAuth2 scope decisions AM passes { clientId: [<client id>] }. */
  environment: Record<string, string[]>;
  /** The evaluated identity's attributes (AMIdentity getAttribute), or null (no identity). */
  identity: { attributes: Record<string, string[]> } | null;
  username?: string;
  /** The resource evaluated (for OAuth2 scope decisions: the scope name). */
  resourceURI: string;
  requestParamsMap?: Record<string, string[]>;
}

export interface ConditionResult {
  /** The condition holds: the script ran and set authorized = true. Anything else is false (closed). */
  authorized: boolean;
  advice: Record<string, string[]>;
  /** The script's responseAttributes. */
  attributes: Record<string, string[]>;
  ttl: number | null;
  /** Why the condition could not be evaluated (missing script, wrong context, a thrown error). */
  error?: string;
}

/**
 * Runs a POLICY_CONDITION script (legacy, as AM's policy engine runs Script conditions) for the
 * tenant's policy engine. A condition that cannot be evaluated does not hold.
 */
export async function runConditionScript(tenant: TenantContext, realm: RealmState, scriptId: string, bindings: ConditionBindings): Promise<ConditionResult> {
  const closed = (error: string): ConditionResult => ({ authorized: false, advice: {}, attributes: {}, ttl: null, error });
  const script = loadScript(realm, scriptId);
  if (!script) return closed(report(tenant, realm, scriptId, 'POLICY_CONDITION', failed(`script ${scriptId} does not exist in realm ${bindings.realm}`)).error!);
  if (script.context !== 'POLICY_CONDITION') return closed(report(tenant, realm, script.name, 'POLICY_CONDITION', failed(`script ${script.name} has context ${script.context}, expected POLICY_CONDITION`)).error!);
  const outcome = await execute(tenant, realm, script, 'POLICY_CONDITION', bindings);
  if (!outcome.ok || !outcome.condition) return closed(outcome.error ?? 'the condition script did not run');
  return { authorized: outcome.condition.authorized, advice: outcome.condition.advice, attributes: outcome.condition.responseAttributes, ttl: outcome.condition.ttl };
}
