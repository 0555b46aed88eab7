/**
 * AM's next-generation (evaluatorVersion 2.0) bindings as recording test doubles: Lists instead of
 * Sets, scopeValidatorHelper, the fetch-like httpClient, systemEnv with a default, a logger with
 * debug/info/warn/error, and the `policy` binding with a pluggable evaluator. AM-FACTS §7.
 */
import { InvalidScopeException, type LogLine } from './bindings.js';
import { JavaList, javaString, toPlain } from './java.js';
import type { BindingInput, HttpAnswer, HttpExchange, PolicyEvaluation, PolicyHandler, ScriptedPolicyAnswer } from './types.js';

/** Next-generation logger; lines are recorded with the legacy level names (warn = warning, trace/debug/info = message). */
export function createNextGenLogger(lines: LogLine[] = []) {
  const at = (level: LogLine['level']) => (text: unknown) => void lines.push({ level, text: String(text) });
  return {
    lines,
    trace: at('message'),
    debug: at('message'),
    info: at('message'),
    warn: at('warning'),
    error: at('error'),
    isDebugEnabled: () => true,
    isInfoEnabled: () => true,
    isWarnEnabled: () => true,
    isErrorEnabled: () => true,
  };
}

const describeValue = (value: unknown) => (value === null ? 'null' : Object.prototype.toString.call(value));

/** accessToken with List scopes: setScope takes a java.util.List (a JS array is one in Rhino); a Set does not convert. */
export function createNextGenAccessToken(token: NonNullable<BindingInput['accessToken']>) {
  let scope = [...token.scope];
  const fields: Record<string, unknown> = { ...(token.fields ?? {}) };
  return {
    getScope: () => new JavaList(scope.map(javaString)),
    setScope: (scopes: unknown) => {
      if (Array.isArray(scopes)) scope = scopes.map(String);
      else if (scopes instanceof JavaList) scope = scopes.values();
      else throw new TypeError(`Cannot convert ${describeValue(scopes)} to java.util.List`);
    },
    getClientId: () => javaString(token.clientId),
    getResourceOwnerId: () => javaString(token.resourceOwnerId),
    getGrantType: () => javaString(token.grantType),
    setField: (name: unknown, value: unknown) => {
      fields[String(name)] = typeof value === 'object' && value !== null ? String(value) : value;
    },
    getField: (name: unknown) => (String(name) in fields ? fields[String(name)] : null),
    addExtraData: (key: unknown, value: unknown) => {
      fields[String(key)] = String(value);
    },
    /** Host-side view (not an AM method). */
    snapshot: () => ({ scope: [...scope].sort(), fields: { ...fields } }),
  };
}

/** The resource owner: attribute values come as Lists. */
export function createNextGenIdentity(attributes: Record<string, string[]>) {
  return { getAttributeValues: (name: unknown) => new JavaList((attributes[String(name)] ?? []).map(javaString)) };
}

export function createScopeValidatorHelper() {
  return {
    /** The next-generation way to refuse: the client gets invalid_scope with this message. */
    throwInvalidScope: (message: unknown): never => {
      throw new InvalidScopeException(String(message));
    },
    inheritAccessTokenScopesOnRefresh: () => undefined,
  };
}

/** The JSON of the script's realm, so parsed values have the script's prototypes. */
type JsonLike = { parse(text: string): unknown };

/** httpClient.send(uri[, {method, headers, body}]).get() → {status, ok, text(), json()}; records every request. */
export function createNextGenHttpClient(transport: (exchange: HttpExchange) => HttpAnswer, calls: HttpExchange[] = [], json: JsonLike = JSON) {
  return {
    calls,
    send: (uri: unknown, options?: unknown) => {
      const target = String(uri);
      new URL(target); // AM refuses a malformed URI
      const o = (options && typeof options === 'object' ? options : {}) as { method?: unknown; headers?: unknown; body?: unknown };
      const headers: Record<string, string> = {};
      if (o.headers && typeof o.headers === 'object') {
        for (const [name, value] of Object.entries(o.headers as Record<string, unknown>)) headers[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
      }
      const exchange: HttpExchange = { method: o.method === undefined || o.method === null ? 'GET' : String(o.method), uri: target, headers, body: o.body === undefined || o.body === null ? '' : String(o.body) };
      calls.push(exchange);
      const answer = transport(exchange);
      const response = {
        status: answer.status,
        ok: answer.status >= 200 && answer.status < 300,
        text: () => javaString(answer.body ?? ''),
        json: () => json.parse(answer.body ?? ''),
      };
      return { get: () => response };
    },
  };
}

const entitlementError = (message: string) => new Error(`com.sun.identity.entitlement.EntitlementException: ${message}`);

/**
 * policy.evaluate(subject, application, resourceNames, environment): records the request as JSON
 * data and answers with the evaluator's decisions (or scripted ones), parsed in the script's realm.
 * An evaluator that throws, or no answer left, is an EntitlementException in the script.
 */
export function createPolicyBinding(source: PolicyHandler | ScriptedPolicyAnswer[] | undefined, calls: PolicyEvaluation[] = [], json: JsonLike = JSON) {
  const queue = Array.isArray(source) ? [...source] : undefined;
  return {
    calls,
    evaluate: (subject: unknown, application: unknown, resourceNames: unknown, environment: unknown) => {
      const request: PolicyEvaluation = { subject: toPlain(subject), application: toPlain(application), resources: toPlain(resourceNames), environment: toPlain(environment) };
      calls.push(request);
      let answer: unknown;
      if (typeof source === 'function') {
        try {
          answer = source(request);
        } catch (error) {
          throw entitlementError((error as Error)?.message ?? String(error));
        }
      } else {
        const next = queue?.shift();
        if (next === undefined) throw entitlementError('no scripted policy decision');
        if (next && typeof next === 'object' && !Array.isArray(next) && 'throw' in next) throw entitlementError(String(next.throw));
        answer = next;
      }
      return json.parse(JSON.stringify(answer ?? null));
    },
  };
}
