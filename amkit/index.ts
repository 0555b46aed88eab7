/**
 * The mocked legacy AM binding kit: runs a legacy (Rhino, ES5) script in a Node sandbox shaped like
 * AM's script scope, with recording bindings. Users import it to unit-test their own scripts; the
 * local tenant uses it to run deployed scripts. For the real engine, see rhino/run.ts.
 *
 *   import { runLegacyScript } from './amkit/index.js';
 *   const outcome = runLegacyScript(source, 'OAUTH2_ACCESS_TOKEN_MODIFICATION', { realm: '/alpha', env, accessToken, http: [...] });
 */
import * as acorn from 'acorn';
import vm from 'node:vm';
import { JavaSet, toJava } from './java.js';
import { createAccessToken, createHttpClient, createIdentity, createLogger, createSystemEnv, InvalidScopeException, javaGlobals, type LogLine } from './bindings.js';
import type { HttpExchange, LegacyBindingInput, ScriptContext, ScriptOutcome } from './types.js';

export * from './types.js';
export * from './java.js';
export * from './bindings.js';

/** Globals AM's engine (Rhino, language version 0) does not have. */
const ABSENT_GLOBALS = ['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Promise', 'Reflect', 'Proxy', 'console', 'setTimeout', 'setInterval', 'clearTimeout', 'queueMicrotask', 'globalThis', 'process', 'require', 'module', 'exports', 'structuredClone', 'fetch'];
const SCRIPT_TIMEOUT_MS = 5000;

const compiled = new Map<string, { script?: vm.Script; error?: string }>();

/** Compiles once per source; a source that is not ES5 fails as it would in AM. */
function compile(source: string): { script?: vm.Script; error?: string } {
  let entry = compiled.get(source);
  if (!entry) {
    try {
      acorn.parse(source, { ecmaVersion: 5, sourceType: 'script' });
      entry = { script: new vm.Script(source, { filename: 'legacy-script.js' }) };
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

/** Builds the global scope of one execution: AM's bindings for the context, plus Java access. */
export function createBindings(context: ScriptContext, input: LegacyBindingInput, logs: LogLine[], calls: HttpExchange[]) {
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
  } else if (input.accessToken) {
    bindings.accessToken = createAccessToken(input.accessToken);
    bindings.scopes = new JavaSet(input.accessToken.scope);
    bindings.identity = input.identity ? createIdentity(input.identity.attributes) : null;
    bindings.clientProperties = input.clientProperties ? toJava(input.clientProperties) : null;
    bindings.requestProperties = input.requestProperties ? toJava(input.requestProperties) : null;
  }
  return bindings;
}

export function runLegacyScript(source: string, context: ScriptContext, input: LegacyBindingInput, entryPoint?: string): ScriptOutcome {
  const logs: LogLine[] = [];
  const httpCalls: HttpExchange[] = [];
  const outcome: ScriptOutcome = { ok: true, logs, httpCalls };
  const { script, error } = compile(source);
  if (!script) return { ...outcome, ok: false, error };

  const bindings = createBindings(context, input, logs, httpCalls);
  const sandbox = vm.createContext({ ...bindings });
  vm.runInContext(ABSENT_GLOBALS.map((name) => `delete this.${name};`).join(''), sandbox);
  const entry = entryPoint ?? (context === 'OAUTH2_VALIDATE_SCOPE' ? 'validateAccessTokenScope' : undefined);
  try {
    script.runInContext(sandbox, { timeout: SCRIPT_TIMEOUT_MS });
    if (entry) {
      const fn = (sandbox as Record<string, unknown>)[entry];
      if (typeof fn !== 'function') throw new TypeError(`${entry} is not a function`);
      const returned = fn();
      if (!(returned instanceof JavaSet)) throw new TypeError(`${entry} must return a java.util.Set`);
      outcome.returnedScopes = returned.values().sort();
    }
  } catch (thrown) {
    if (thrown instanceof InvalidScopeException) outcome.invalidScope = thrown.message;
    else {
      outcome.ok = false;
      outcome.error = describeThrown(thrown);
    }
  }
  const token = bindings.accessToken as ReturnType<typeof createAccessToken> | undefined;
  if (token) outcome.accessToken = token.snapshot();
  return outcome;
}
