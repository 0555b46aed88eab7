/**
 * The legacy bindings of AM's script contexts, as recording test doubles users can build one by
 * one (createAccessToken, createHttpClient, …); createLegacyBindings (run.ts) builds them all.
 */
import { JavaList, JavaMap, JavaSet, javaString, toJava } from './java.js';
import type { BindingInput, HttpAnswer, HttpExchange, HttpHandler, ScriptOutcome, ScriptedAnswer } from './types.js';

export type LogLine = ScriptOutcome['logs'][number];

/** A logger that captures lines (legacy loggers have message/warning/error, no info/debug). */
export function createLogger(lines: LogLine[] = []) {
  return {
    lines,
    message: (text: unknown) => void lines.push({ level: 'message', text: String(text) }),
    warning: (text: unknown) => void lines.push({ level: 'warning', text: String(text) }),
    error: (text: unknown) => void lines.push({ level: 'error', text: String(text) }),
    messageEnabled: () => true,
    warningEnabled: () => true,
    errorEnabled: () => true,
  };
}

/** systemEnv: ESVs by dotted key (esv-policy-gateway-id -> esv.policy.gateway.id); null when missing. */
export function createSystemEnv(values: Record<string, string>) {
  return {
    getProperty: (name: unknown, fallback?: unknown) => {
      const value = values[String(name)];
      if (value !== undefined) return javaString(value);
      return fallback === undefined ? null : fallback;
    },
  };
}

/** The access token a modification script mutates; records setScope/setField. */
export function createAccessToken(token: NonNullable<BindingInput['accessToken']>) {
  let scope = new JavaSet(token.scope);
  const fields: Record<string, unknown> = { ...(token.fields ?? {}) };
  return {
    getScope: () => scope,
    setScope: (scopes: unknown) => {
      // AM's setScope takes a java.util.Set; a JS array does not convert.
      if (!(scopes instanceof JavaSet)) throw new TypeError('Cannot convert ' + Object.prototype.toString.call(scopes) + ' to java.util.Set');
      scope = new JavaSet(scopes.values());
    },
    getClientId: () => javaString(token.clientId),
    getResourceOwnerId: () => javaString(token.resourceOwnerId),
    getGrantType: () => javaString(token.grantType),
    setField: (name: unknown, value: unknown) => {
      fields[String(name)] = typeof value === 'object' && value !== null && !(value instanceof JavaSet) ? String(value) : value;
    },
    getField: (name: unknown) => (String(name) in fields ? fields[String(name)] : null),
    addExtraData: (key: unknown, value: unknown) => {
      fields[String(key)] = String(value);
    },
    /** Host-side view (not an AM method). */
    snapshot: () => ({ scope: scope.values().sort(), fields: { ...fields } }),
  };
}

export function createIdentity(attributes: Record<string, string[]>) {
  return {
    getAttribute: (name: unknown) => new JavaSet(attributes[String(name)] ?? []),
    getAttributes: () => toJava(attributes),
  };
}

/** org.forgerock.http.protocol.Request as scripts use it. */
export class Request {
  private method = 'GET';
  private uri = '';
  private readonly headers: Record<string, string> = {};
  private body = '';
  setMethod(method: unknown) {
    this.method = String(method);
    return this;
  }
  getMethod() {
    return javaString(this.method);
  }
  setUri(uri: unknown) {
    const text = String(uri);
    new URL(text); // AM throws URISyntaxException on a malformed URI
    this.uri = text;
    return this;
  }
  getUri() {
    return javaString(this.uri);
  }
  getHeaders() {
    return {
      add: (name: unknown, value: unknown) => {
        const key = String(name);
        this.headers[key] = this.headers[key] !== undefined ? `${this.headers[key]},${String(value)}` : String(value);
      },
      put: (name: unknown, value: unknown) => {
        this.headers[String(name)] = String(value);
      },
    };
  }
  getEntity() {
    return {
      setString: (text: unknown) => {
        this.body = text === null || text === undefined ? '' : String(text);
      },
      getString: () => javaString(this.body),
    };
  }
  /** Host-side view (not an AM method). */
  exchange(): HttpExchange {
    return { method: this.method, uri: this.uri, headers: { ...this.headers }, body: this.body };
  }
}

function response(answer: HttpAnswer) {
  return {
    getStatus: () => ({ getCode: () => answer.status }),
    getEntity: () => ({ getString: () => javaString(answer.body ?? '') }),
    getHeaders: () => ({ getFirst: (name: unknown) => answer.headers?.[String(name)] ?? null }),
  };
}

/**
 * Where a script's request goes, for both engines' clients: a handler, or scripted answers in order
 * (an entry with `throw` is a connection failure). Failures look like the Java exceptions AM throws.
 */
export function httpTransport(source: HttpHandler | ScriptedAnswer[] = []): (exchange: HttpExchange) => HttpAnswer {
  const queue = Array.isArray(source) ? [...source] : undefined;
  return (exchange) => {
    if (!queue) return (source as HttpHandler)(exchange);
    const next = queue.shift();
    if (!next) throw new Error('java.net.ConnectException: Connection refused (no scripted answer)');
    if ('throw' in next) throw new Error(`java.io.IOException: ${next.throw}`);
    return next;
  };
}

/** Legacy httpClient: send(Request).get(), answers from a handler or scripted answers; records every request. */
export function createHttpClient(source: HttpHandler | ScriptedAnswer[] = [], calls: HttpExchange[] = []) {
  const transport = httpTransport(source);
  return {
    calls,
    send: (request: unknown) => {
      if (!(request instanceof Request)) throw new TypeError('httpClient.send expects an org.forgerock.http.protocol.Request');
      const exchange = request.exchange();
      calls.push(exchange);
      const answer = transport(exchange);
      return { get: () => response(answer), getOrThrow: () => response(answer) };
    },
  };
}

/** AM's InvalidScopeException: throwing it refuses the request with invalid_scope. */
export class InvalidScopeException extends Error {
  constructor(message: string) {
    super(String(message));
    this.name = 'InvalidScopeException';
  }
}

/** The Java packages and JavaImporter scripts reach (only classes AM's allowlist permits). */
export function javaGlobals() {
  const classes: Record<string, unknown> = { InvalidScopeException, Request };
  return {
    java: {
      util: { HashSet: JavaSet, LinkedHashSet: JavaSet, TreeSet: JavaSet, HashMap: JavaMap, LinkedHashMap: JavaMap, ArrayList: JavaList },
      lang: { String: function (value: unknown) { return javaString(String(value)); } },
    },
    org: { forgerock: { http: { protocol: { Request } }, oauth2: { core: { exceptions: { InvalidScopeException } } } } },
    JavaImporter: (...imported: unknown[]) => {
      const scope: Record<string, unknown> = {};
      for (const cls of imported) {
        const name = Object.keys(classes).find((key) => classes[key] === cls);
        if (name) scope[name] = cls;
      }
      return scope;
    },
  };
}
