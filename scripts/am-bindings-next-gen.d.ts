/**
 * Types of AM's next-generation (evaluatorVersion 2.0) script bindings, separate from the legacy
 * globals in am-bindings.d.ts: a module, so the next-generation entry files declare the bindings
 * they use with these types in their own scope and the two kinds never mix. Only what the scripts
 * touch is typed. Values may still be Java objects: go through lib/plain-data.ts and String().
 * Sources: AM-FACTS §7.
 */

/** A Java string or a JS string: compare only after String(). */
export interface NgString {
  toString(): string;
}

/** java.util.List as next-generation scripts get it (Rhino reads it by index too). */
export interface NgList<T = NgString> {
  size(): number;
  get(index: number): T;
  contains(value: T | string): boolean;
  readonly length: number;
  readonly [index: number]: T;
}

export interface NgLogger {
  trace(text: string): void;
  debug(text: string): void;
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

export interface NgSystemEnv {
  getProperty(name: string): NgString | null;
  getProperty(name: string, defaultValue: string): NgString | string;
}

export interface NgHttpResponse {
  readonly status: number;
  readonly ok: boolean;
  text(): NgString | string;
  json(): unknown;
}
export interface NgHttpClient {
  send(uri: string, options?: { method?: string; headers?: Record<string, string | string[]>; body?: string }): { get(): NgHttpResponse };
}

/** The claims subject (as the REST evaluate takes it): `sub` is required, policies match the other claims. */
export interface NgPolicySubject {
  claims: Record<string, string | string[]>;
}
/**
 * policy.evaluate: decisions for the resources in the policy set `application`, the same answer
 * the REST evaluate gives ([{resource, actions, attributes, advices, ttl}]), possibly as Java values.
 */
export interface NgPolicy {
  evaluate(subject: NgPolicySubject, application: string, resourceNames: string[], environment: Record<string, string[]>): unknown;
}

export interface NgScopeValidatorHelper {
  throwInvalidScope(message: string): never;
  inheritAccessTokenScopesOnRefresh(): void;
}

export interface NgAccessToken {
  getScope(): NgList;
  /** A java.util.List; a JS array is one in Rhino. */
  setScope(scopes: string[]): void;
  getClientId(): NgString;
  getResourceOwnerId(): NgString;
  getGrantType(): NgString;
  setField(name: string, value: unknown): void;
  getField(name: string): unknown;
}

export interface NgIdentity {
  getAttributeValues(name: string): NgList | null;
}

/** The bindings by name (OAUTH2_VALIDATE_SCOPE_NEXT_GEN, OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN and common ones). */
export interface NextGenBindings {
  logger: NgLogger;
  systemEnv: NgSystemEnv;
  httpClient: NgHttpClient;
  /** May be absent where a tenant does not offer it: check with typeof before use. */
  policy: NgPolicy | undefined;
  realm: NgString;
  scriptName: NgString;
  requestedScopes: NgList;
  allowedScopes: NgList;
  defaultScopes: NgList;
  availableScopes: NgList;
  scopeValidatorHelper: NgScopeValidatorHelper;
  accessToken: NgAccessToken;
  scopes: NgList;
  identity: NgIdentity | null;
}
