/**
 * Plain-data description of one script execution, shared by the Node sandbox (amkit) and the
 * real-engine runner (rhino/): the context, the bindings' input, and the recorded outcome.
 * See docs/architecture.md.
 */

/** Legacy (evaluatorVersion 1.0) contexts. */
export type LegacyContext = 'OAUTH2_VALIDATE_SCOPE' | 'OAUTH2_ACCESS_TOKEN_MODIFICATION' | 'POLICY_CONDITION';
/** Next-generation (evaluatorVersion 2.0) contexts. */
export type NextGenContext = 'OAUTH2_VALIDATE_SCOPE_NEXT_GEN' | 'OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN';
export type ScriptContext = LegacyContext | NextGenContext;

export const NEXT_GEN_CONTEXTS: readonly NextGenContext[] = ['OAUTH2_VALIDATE_SCOPE_NEXT_GEN', 'OAUTH2_ACCESS_TOKEN_MODIFICATION_NEXT_GEN'];
export const isNextGen = (context: string): context is NextGenContext => (NEXT_GEN_CONTEXTS as readonly string[]).includes(context);
/** The evaluatorVersion AM stores with a script of this context. */
export const evaluatorVersionOf = (context: ScriptContext): '1.0' | '2.0' => (isNextGen(context) ? '2.0' : '1.0');

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

/** What a next-generation script passed to policy.evaluate(subject, application, resourceNames, environment), as JSON data. */
export interface PolicyEvaluation {
  subject: unknown;
  application: unknown;
  resources: unknown;
  environment: unknown;
}
/**
 * Evaluates for the `policy` binding: returns the decisions (JSON data, as the REST evaluate
 * answers them: [{resource, actions, attributes, advices, ttl}]); throwing = the evaluation failed.
 */
export type PolicyHandler = (request: PolicyEvaluation) => unknown;
/** A scripted policy answer: the decisions to return, or a failure with this message. */
export type ScriptedPolicyAnswer = unknown[] | { throw: string };

export interface BindingInput {
  /** AM's `realm` binding, e.g. "/alpha". */
  realm: string;
  scriptName?: string;
  /** systemEnv properties by dotted key (esv.cookie ...). */
  env: Record<string, string>;
  // OAUTH2_VALIDATE_SCOPE(_NEXT_GEN)
  requestedScopes?: string[];
  allowedScopes?: string[];
  defaultScopes?: string[];
  /** Next-generation only; defaults to allowedScopes. */
  availableScopes?: string[];
  // OAUTH2_ACCESS_TOKEN_MODIFICATION(_NEXT_GEN)
  accessToken?: { scope: string[]; clientId: string; resourceOwnerId: string; grantType: string; fields?: Record<string, unknown> };
  /** The resource owner (token modification) or the evaluated identity (policy condition). */
  identity?: { attributes: Record<string, string[]> } | null;
  clientProperties?: { clientId: string; allowedGrantTypes: string[]; allowedScopes: string[]; customProperties: Record<string, string> };
  requestProperties?: { requestUri: string; realm: string; requestParams: Record<string, string[]>; requestHeaders: Record<string, string[]> };
  // POLICY_CONDITION
  /** Map of name → values (AM: Map<String, Set<String>>); holds clientId for OAuth2 scope decisions. */
  environment?: Record<string, string[]>;
  username?: string;
  resourceURI?: string;
  requestParamsMap?: Record<string, string[]>;
  http?: HttpHandler | ScriptedAnswer[];
  /**
   * Next-generation `policy` binding: an evaluator, or scripted answers in order. `null` = the
   * binding is absent (as a script must expect where AM does not offer it).
   */
  policy?: PolicyHandler | ScriptedPolicyAnswer[] | null;
}
/** The name the kit started with; all contexts share one input shape. */
export type LegacyBindingInput = BindingInput;

/** What a POLICY_CONDITION script decided. */
export interface ConditionOutcome {
  /** true only when the script set `authorized` to true. */
  authorized: boolean;
  advice: Record<string, string[]>;
  responseAttributes: Record<string, string[]>;
  /** A number the script set on `ttl`, else null. */
  ttl: number | null;
}

export interface ScriptOutcome {
  /** false when the script threw (other than InvalidScopeException) or did not compile. */
  ok: boolean;
  error?: string;
  /** Message of a thrown InvalidScopeException (legacy) or of scopeValidatorHelper.throwInvalidScope (next-gen). */
  invalidScope?: string;
  /** What the validate-scope entry point returned (sorted). */
  returnedScopes?: string[];
  /** The access token after token modification (scope sorted). */
  accessToken?: { scope: string[]; fields: Record<string, unknown> };
  /** POLICY_CONDITION only. */
  condition?: ConditionOutcome;
  logs: { level: 'message' | 'warning' | 'error'; text: string }[];
  httpCalls: HttpExchange[];
  /** Next-generation only: every policy.evaluate call, in order. In-process: not an outbound call. */
  policyCalls?: PolicyEvaluation[];
}
