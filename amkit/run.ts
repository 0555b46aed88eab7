/**
 * Runs a script in a Node sandbox shaped like AM's script scope: a fresh `vm` context per
 * execution with the context's bindings as globals and without what Rhino at language version 0
 * lacks (Map, Set, Promise, console, …). Non-ES5 source is refused as AM's compiler refuses it; one
 * compiled vm.Script per source is cached. Legacy contexts get the legacy bindings (bindings.ts,
 * condition.ts), next-generation contexts the next-generation ones (next-gen.ts).
 */
import * as acorn from 'acorn';
import vm from 'node:vm';
import { JavaList, JavaSet, javaString, toJava, toJavaNextGen } from './java.js';
import { createAccessToken, createHttpClient, createIdentity, createLogger, createSystemEnv, httpTransport, InvalidScopeException, javaGlobals, type LogLine } from './bindings.js';
import { createConditionBindings, readCondition } from './condition.js';
import { createNextGenAccessToken, createNextGenHttpClient, createNextGenIdentity, createNextGenLogger, createPolicyBinding, createScopeValidatorHelper } from './next-gen.js';
import { isNextGen, type BindingInput, type HttpExchange, type LegacyContext, type NextGenContext, type PolicyEvaluation, type ScriptContext, type ScriptOutcome } from './types.js';

/** Globals AM's engine (Rhino, language version 0) does not have. */
const ABSENT_GLOBALS = ['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Promise', 'Reflect', 'Proxy', 'console', 'setTimeout', 'setInterval', 'clearTimeout', 'queueMicrotask', 'globalThis', 'process', 'require', 'module', 'exports', 'structuredClone', 'fetch'];
/** AM has no script timeout; a runaway script must not hang a test run or the local tenant. */
const SCRIPT_TIMEOUT_MS = 5000;

const compiled = new Map<string, { script?: vm.Script; error?: string }>();

/** Compiles once per source; a source that is not ES5 fails as it would in AM. */
function compile(source: string): { script?: vm.Script; error?: string } {
  let entry = compiled.get(source);
  if (!entry) {
    try {
      acorn.parse(source, { ecmaVersion: 5, sourceType: 'script' });
      entry = { script: new vm.Script(source, { filename: 'am-script.js' }) };
    } catch (error) {
      entry = { error: `script compilation failed (not ES5, as AM's Rhino engine requires): ${(error as Error).message}` };
    }
    if (compiled.size > 200) compiled.clear();
    compiled.set(source, entry);
  }
  return entry;
}

function describeThrown(thrown: unknown): string {
  if (thrown && typeof thrown === 'object' && 'message' in thrown) return String((thrown as { message: unknown }).message);
  try {
    return `thrown: ${JSON.stringify(thrown)}`;
  } catch {
    return `thrown: ${String(thrown)}`;
  }
}

/** The global scope of one legacy execution: AM's bindings for the context, plus Java access. */
export function createBindings(context: LegacyContext, input: BindingInput, logs: LogLine[], calls: HttpExchange[]): Record<string, unknown> {
  const bindings: Record<string, unknown> = {
    ...javaGlobals(),
    logger: createLogger(logs),
    systemEnv: createSystemEnv(input.env),
    httpClient: createHttpClient(input.http ?? [], calls),
    realm: input.realm,
    scriptName: input.scriptName ?? 'script',
  };
  if (context === 'OAUTH2_VALIDATE_SCOPE') {
    bindings.requestedScopes = new JavaSet(input.requestedScopes ?? []);
    bindings.allowedScopes = new JavaSet(input.allowedScopes ?? []);
    bindings.defaultScopes = new JavaSet(input.defaultScopes ?? []);
  } else if (context === 'POLICY_CONDITION') {
    Object.assign(bindings, createConditionBindings(input));
  } else if (input.accessToken) {
    bindings.accessToken = createAccessToken(input.accessToken);
    bindings.scopes = new JavaSet(input.accessToken.scope);
    bindings.identity = input.identity ? createIdentity(input.identity.attributes) : null;
    bindings.clientProperties = input.clientProperties ? toJava(input.clientProperties) : null;
    bindings.requestProperties = input.requestProperties ? toJava(input.requestProperties) : null;
  }
  return bindings;
}

/** The global scope of one next-generation execution; `json` is the sandbox's JSON (values keep the script's prototypes). */
export function createNextGenBindings(context: NextGenContext, input: BindingInput, logs: LogLine[], calls: HttpExchange[], policyCalls: PolicyEvaluation[], json: { parse(text: string): unknown } = JSON): Record<string, unknown> {
  const list = (values: string[] | undefined) => new JavaList((values ?? []).map(javaString));
  const bindings: Record<string, unknown> = {
    ...javaGlobals(),
    logger: createNextGenLogger(logs),
    systemEnv: createSystemEnv(input.env),
    httpClient: createNextGenHttpClient(httpTransport(input.http ?? []), calls, json),
    realm: input.realm,
    scriptName: input.scriptName ?? 'script',
  };
  // null: the binding is absent, as a script must expect where a tenant does not offer it.
  if (input.policy !== null) bindings.policy = createPolicyBinding(input.policy, policyCalls, json);
  if (context === 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN') {
    bindings.requestedScopes = list(input.requestedScopes);
    bindings.allowedScopes = list(input.allowedScopes);
    bindings.defaultScopes = list(input.defaultScopes);
    bindings.availableScopes = list(input.availableScopes ?? input.allowedScopes);
    bindings.scopeValidatorHelper = createScopeValidatorHelper();
  } else if (input.accessToken) {
    bindings.accessToken = createNextGenAccessToken(input.accessToken);
    bindings.scopes = list(input.accessToken.scope);
    bindings.identity = input.identity ? createNextGenIdentity(input.identity.attributes) : null;
    bindings.clientProperties = input.clientProperties ? toJavaNextGen(input.clientProperties) : null;
    bindings.requestProperties = input.requestProperties ? toJavaNextGen(input.requestProperties) : null;
  }
  return bindings;
}

const isValidateScope = (context: ScriptContext) => context === 'OAUTH2_VALIDATE_SCOPE' || context === 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN';

/** Runs a script of any supported context with the bindings AM gives that context. */
export function runScript(source: string, context: ScriptContext, input: BindingInput, entryPoint?: string): ScriptOutcome {
  const nextGen = isNextGen(context);
  const logs: LogLine[] = [];
  const httpCalls: HttpExchange[] = [];
  const policyCalls: PolicyEvaluation[] = [];
  const outcome: ScriptOutcome = nextGen ? { ok: true, logs, httpCalls, policyCalls } : { ok: true, logs, httpCalls };
  const { script, error } = compile(source);
  if (!script) return { ...outcome, ok: false, error };

  const sandbox = vm.createContext({});
  vm.runInContext(ABSENT_GLOBALS.map((name) => `delete this.${name};`).join(''), sandbox);
  const json = vm.runInContext('JSON', sandbox) as { parse(text: string): unknown };
  const bindings = isNextGen(context) ? createNextGenBindings(context, input, logs, httpCalls, policyCalls, json) : createBindings(context, input, logs, httpCalls);
  Object.assign(sandbox, bindings);
  const scope = sandbox as Record<string, unknown>;
  const entry = entryPoint ?? (isValidateScope(context) ? 'validateAccessTokenScope' : undefined);
  try {
    script.runInContext(sandbox, { timeout: SCRIPT_TIMEOUT_MS });
    if (entry) {
      const fn = scope[entry];
      if (typeof fn !== 'function') throw new TypeError(`${entry} is not a function`);
      const returned = fn();
      // Legacy returns a java.util.Set; next-generation a java.util.List (a JS array is one in Rhino).
      if (nextGen ? !(Array.isArray(returned) || returned instanceof JavaList) : !(returned instanceof JavaSet)) throw new TypeError(`${entry} must return a ${nextGen ? 'java.util.List' : 'java.util.Set'}`);
      outcome.returnedScopes = (returned instanceof JavaSet || returned instanceof JavaList ? returned.values() : (returned as unknown[]).map(String)).sort();
    }
  } catch (thrown) {
    if (thrown instanceof InvalidScopeException) outcome.invalidScope = thrown.message;
    else {
      outcome.ok = false;
      outcome.error = describeThrown(thrown);
    }
  }
  const token = bindings.accessToken as { snapshot(): ScriptOutcome['accessToken'] } | undefined;
  if (token) outcome.accessToken = token.snapshot();
  if (context === 'POLICY_CONDITION') outcome.condition = readCondition(scope);
  return outcome;
}

/** A legacy (evaluatorVersion 1.0) script: OAuth2 validate scope, token modification, or a policy condition. */
export function runLegacyScript(source: string, context: LegacyContext, input: BindingInput, entryPoint?: string): ScriptOutcome {
  return runScript(source, context, input, entryPoint);
}

/** A next-generation (evaluatorVersion 2.0) OAuth2 script. */
export function runNextGenScript(source: string, context: NextGenContext, input: BindingInput, entryPoint?: string): ScriptOutcome {
  return runScript(source, context, input, entryPoint);
}
