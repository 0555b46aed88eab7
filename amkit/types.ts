/**
 * Plain-data description of one legacy script execution, shared by the Node sandbox (amkit) and the
 * real-engine runner (rhino/). See docs/architecture.md.
 */
export type ScriptContext = 'OAUTH2_VALIDATE_SCOPE' | 'OAUTH2_ACCESS_TOKEN_MODIFICATION';

export interface HttpExchange {
  method: string;
  uri: string;
  headers: Record<string, string>;
  body: string;
}
export interface HttpAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}
/** Synchronous, like AM's httpClient.send(req).get(). Throwing = connection failure. */
export type HttpHandler = (req: HttpExchange) => HttpAnswer;
/** A scripted answer, or a connection failure with this message. */
export type ScriptedAnswer = HttpAnswer | { throw: string };

export interface LegacyBindingInput {
  /** AM's `realm` binding, e.g. "/alpha". */
  realm: string;
  scriptName?: string;
  /** systemEnv properties by dotted key (esv.cookie ...). */
  env: Record<string, string>;
  requestedScopes?: string[];
  allowedScopes?: string[];
  defaultScopes?: string[];
  accessToken?: { scope: string[]; clientId: string; resourceOwnerId: string; grantType: string; fields?: Record<string, unknown> };
  identity?: { attributes: Record<string, string[]> } | null;
  clientProperties?: { clientId: string; allowedGrantTypes: string[]; allowedScopes: string[]; customProperties: Record<string, string> };
  requestProperties?: { requestUri: string; realm: string; requestParams: Record<string, string[]>; requestHeaders: Record<string, string[]> };
  http?: HttpHandler | ScriptedAnswer[];
}

export interface ScriptOutcome {
  /** false when the script threw (other than InvalidScopeException) or did not compile. */
  ok: boolean;
  error?: string;
  /** Message of a thrown InvalidScopeException. */
  invalidScope?: string;
  /** What the validate-scope entry point returned (sorted). */
  returnedScopes?: string[];
  /** The access token after token modification (scope sorted). */
  accessToken?: { scope: string[]; fields: Record<string, unknown> };
  logs: { level: 'message' | 'warning' | 'error'; text: string }[];
  httpCalls: HttpExchange[];
}
