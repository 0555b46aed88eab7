/**
 * Types of AM's legacy (Rhino, evaluatorVersion 1.0) script bindings and of the Java classes the
 * scripts use. Only what the scripts touch is typed. Java strings arrive as objects: wrap with String().
 */

interface JavaObject {
  toString(): string;
}
interface JavaIterator<T> {
  hasNext(): boolean;
  next(): T;
}
interface JavaSet<T = JavaObject> {
  add(value: T | string): boolean;
  contains(value: T | string): boolean;
  size(): number;
  isEmpty(): boolean;
  iterator(): JavaIterator<T>;
  toArray(): T[];
}
interface JavaMap<K = JavaObject, V = unknown> {
  get(key: K | string): V | null;
  containsKey(key: K | string): boolean;
  keySet(): JavaSet<K>;
}

interface AmLogger {
  message(text: string): void;
  warning(text: string): void;
  error(text: string): void;
  messageEnabled(): boolean;
  warningEnabled(): boolean;
  errorEnabled(): boolean;
}

interface AmSystemEnv {
  getProperty(name: string): JavaObject | string | null;
}

interface AmHeaders {
  add(name: string, value: string): void;
}
interface AmEntity {
  setString(text: string): void;
  getString(): JavaObject | string;
}
interface AmRequest {
  setMethod(method: string): void;
  setUri(uri: string): void;
  getHeaders(): AmHeaders;
  getEntity(): AmEntity;
}
interface AmResponse {
  getStatus(): { getCode(): number };
  getEntity(): AmEntity;
}
interface AmHttpClient {
  send(request: AmRequest): { get(): AmResponse };
}

interface AmAccessToken {
  getScope(): JavaSet;
  setScope(scopes: JavaSet<string>): void;
  getClientId(): JavaObject | string;
  getResourceOwnerId(): JavaObject | string;
  getGrantType(): JavaObject | string;
  setField(name: string, value: unknown): void;
  getField(name: string): unknown;
  addExtraData(key: string, value: string): void;
}

interface AmIdentity {
  getAttribute(name: string): JavaSet | null;
}

declare var logger: AmLogger;
declare var systemEnv: AmSystemEnv;
declare var httpClient: AmHttpClient;
declare var realm: JavaObject | string;
declare var scriptName: JavaObject | string;
/** OAUTH2_VALIDATE_SCOPE */
declare var requestedScopes: JavaSet;
declare var allowedScopes: JavaSet;
declare var defaultScopes: JavaSet;
/** OAUTH2_ACCESS_TOKEN_MODIFICATION */
declare var accessToken: AmAccessToken;
declare var identity: AmIdentity | null;

declare var java: {
  util: { HashSet: { new <T = string>(): JavaSet<T> } };
};
declare var org: {
  forgerock: {
    http: { protocol: { Request: { new (): AmRequest } } };
    oauth2: { core: { exceptions: { InvalidScopeException: unknown } } };
  };
};
declare function JavaImporter(...classes: unknown[]): { InvalidScopeException: { new (message: string): Error } };
