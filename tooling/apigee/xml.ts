/**
 * Apigee XML documents from plain specifications: policies (the kinds the bundles use), proxy,
 * target and shared-flow endpoints, and the bundle descriptors. Owns: element names and nesting
 * only; which policies exist and in which order they run is decided in bundle.ts.
 *
 * Every document is built with xmlbuilder2, so names, conditions and values are escaped by the
 * library — a scope or condition literal can never break out of its element. Each policy's display
 * name is its name (apigeelint PO008: file name, name and display name agree).
 */
import { create } from 'xmlbuilder2';

type XMLBuilder = ReturnType<typeof create>;

/** A response body: literal JSON, or exactly one flow variable holding the whole (already encoded) body. */
export type PayloadSpec = { json: Record<string, string> } | { variable: string };

export interface ResponseSpec {
  status: number;
  reason: string;
  headers?: Record<string, string>;
  payload?: PayloadSpec;
}

export type PolicySpec =
  | {
      kind: 'ServiceCallout';
      name: string;
      /** Where the request goes (from configuration, never credentials). https gets SSLInfo Enforce. */
      url: string;
      /** Form parameters of the outgoing POST; values reference flow variables as `{var}`. */
      formParams: Record<string, string>;
      /** The flow variable the response message is stored in. */
      response: string;
      timeoutMs: number;
    }
  | { kind: 'JavaScript'; name: string; resource: string; timeLimitMs: number; properties?: Record<string, string> }
  | { kind: 'AssignMessage'; name: string; variables?: Record<string, string>; response?: ResponseSpec }
  | ({ kind: 'RaiseFault'; name: string } & ResponseSpec)
  | {
      kind: 'GenerateAccessToken';
      name: string;
      externalAccessToken: string;
      /** Flow variable holding the lifetime in milliseconds (Apigee's unit for ExpiresIn). */
      expiresInMsRef: string;
      defaultExpiresInMs: number;
      scopeRef: string;
      grantTypeRef: string;
    }
  | { kind: 'VerifyAccessToken'; name: string; scope: string }
  | { kind: 'InvalidateToken'; name: string; tokenRef: string }
  | { kind: 'GetOAuthV2Info'; name: string; accessTokenRef: string }
  | { kind: 'FlowCallout'; name: string; sharedFlow: string; parameters: Record<string, string> };

export interface StepSpec {
  policy: string;
  condition?: string;
}

export interface FlowSpec {
  name: string;
  condition?: string;
  request: StepSpec[];
}

export interface FaultRuleSpec {
  name: string;
  condition: string;
  steps: StepSpec[];
}

export interface ProxyEndpointSpec {
  basePath: string;
  flows: FlowSpec[];
  faultRules: FaultRuleSpec[];
  /** Runs when no fault rule matched. */
  defaultFaultRule: StepSpec[];
  /** The target endpoint requests are routed to; absent = the proxy answers itself. */
  target?: string;
}

const DECLARATION = { version: '1.0', encoding: 'UTF-8', standalone: true } as const;

function document(): XMLBuilder {
  return create(DECLARATION);
}

function render(root: XMLBuilder): string {
  return root.end({ prettyPrint: true }) + '\n';
}

function steps(parent: XMLBuilder, list: StepSpec[]): void {
  for (const step of list) {
    const element = parent.ele('Step');
    element.ele('Name').txt(step.policy);
    if (step.condition) element.ele('Condition').txt(step.condition);
  }
}

function policyRoot(doc: XMLBuilder, element: string, name: string, continueOnError = false): XMLBuilder {
  const root = doc.ele(element, { name, continueOnError: String(continueOnError), enabled: 'true' });
  root.ele('DisplayName').txt(name);
  return root;
}

function payload(set: XMLBuilder, spec: PayloadSpec): void {
  if ('variable' in spec) {
    // The whole body is one message-template reference; the script that set it encoded it.
    set.ele('Payload', { contentType: 'application/json' }).txt(`{${spec.variable}}`);
    return;
  }
  // JSON's own braces must not read as message-template references, so the template delimiters move
  // to characters the literal payloads never contain.
  set.ele('Payload', { contentType: 'application/json', variablePrefix: '@', variableSuffix: '#' }).txt(JSON.stringify(spec.json));
}

function responseSet(set: XMLBuilder, spec: ResponseSpec): void {
  if (spec.headers && Object.keys(spec.headers).length) {
    const headers = set.ele('Headers');
    for (const [name, value] of Object.entries(spec.headers)) headers.ele('Header', { name }).txt(value);
  }
  if (spec.payload) payload(set, spec.payload);
  set.ele('StatusCode').txt(String(spec.status));
  set.ele('ReasonPhrase').txt(spec.reason);
}

function sslInfo(parent: XMLBuilder): void {
  const ssl = parent.ele('SSLInfo');
  ssl.ele('Enabled').txt('true');
  // Apigee X: Enforce=true fails the call on an untrusted or mismatched certificate instead of
  // sending the consumer's client secret anyway.
  ssl.ele('Enforce').txt('true');
  ssl.ele('IgnoreValidationErrors').txt('false');
}

export function policyXml(spec: PolicySpec): string {
  const doc = document();
  switch (spec.kind) {
    case 'ServiceCallout': {
      const root = policyRoot(doc, 'ServiceCallout', spec.name);
      const request = root.ele('Request', { clearPayload: 'true', variable: `${spec.name}.request` });
      request.ele('IgnoreUnresolvedVariables').txt('false');
      const set = request.ele('Set');
      set.ele('Headers').ele('Header', { name: 'Content-Type' }).txt('application/x-www-form-urlencoded');
      const form = set.ele('FormParams');
      for (const [name, value] of Object.entries(spec.formParams)) form.ele('FormParam', { name }).txt(value);
      set.ele('Verb').txt('POST');
      root.ele('Response').txt(spec.response);
      root.ele('Timeout').txt(String(spec.timeoutMs));
      const connection = root.ele('HTTPTargetConnection');
      if (/^https:\/\//i.test(spec.url)) sslInfo(connection);
      connection.ele('URL').txt(spec.url);
      return render(doc);
    }
    case 'JavaScript': {
      const root = doc.ele('Javascript', { name: spec.name, timeLimit: String(spec.timeLimitMs), continueOnError: 'false', enabled: 'true' });
      root.ele('DisplayName').txt(spec.name);
      if (spec.properties && Object.keys(spec.properties).length) {
        const properties = root.ele('Properties');
        for (const [name, value] of Object.entries(spec.properties)) properties.ele('Property', { name }).txt(value);
      }
      root.ele('ResourceURL').txt(`jsc://${spec.resource}`);
      return render(doc);
    }
    case 'AssignMessage': {
      const root = policyRoot(doc, 'AssignMessage', spec.name);
      for (const [name, value] of Object.entries(spec.variables ?? {})) {
        const assign = root.ele('AssignVariable');
        assign.ele('Name').txt(name);
        assign.ele('Value').txt(value);
      }
      if (spec.response) {
        responseSet(root.ele('Set'), spec.response);
        // Named: an unnamed AssignTo in a request flow would change the request, not the answer.
        root.ele('AssignTo', { createNew: 'false', transport: 'http', type: 'response' }).txt('response');
      }
      root.ele('IgnoreUnresolvedVariables').txt('false');
      return render(doc);
    }
    case 'RaiseFault': {
      const root = policyRoot(doc, 'RaiseFault', spec.name);
      responseSet(root.ele('FaultResponse').ele('Set'), spec);
      root.ele('IgnoreUnresolvedVariables').txt('false');
      return render(doc);
    }
    case 'GenerateAccessToken': {
      const root = policyRoot(doc, 'OAuthV2', spec.name);
      root.ele('Operation').txt('GenerateAccessToken');
      root.ele('ExpiresIn', { ref: spec.expiresInMsRef }).txt(String(spec.defaultExpiresInMs));
      root.ele('ExternalAuthorization').txt('true');
      root.ele('ExternalAccessToken').txt(spec.externalAccessToken);
      root.ele('StoreToken').txt('true');
      root.ele('SupportedGrantTypes').ele('GrantType').txt('client_credentials');
      root.ele('GrantType').txt(spec.grantTypeRef);
      root.ele('Scope').txt(spec.scopeRef);
      // Apigee's own response would also show the developer's email and the organization: the
      // proxy answers with RFC 6749's fields only (AM-TokenResponse).
      root.ele('GenerateResponse', { enabled: 'false' });
      return render(doc);
    }
    case 'VerifyAccessToken': {
      const root = policyRoot(doc, 'OAuthV2', spec.name);
      root.ele('Operation').txt('VerifyAccessToken');
      root.ele('Scope').txt(spec.scope);
      return render(doc);
    }
    case 'InvalidateToken': {
      const root = policyRoot(doc, 'OAuthV2', spec.name);
      root.ele('Operation').txt('InvalidateToken');
      root.ele('Tokens').ele('Token', { type: 'accesstoken', cascade: 'true' }).txt(spec.tokenRef);
      return render(doc);
    }
    case 'GetOAuthV2Info': {
      // An unknown or expired token is not an error of the revocation request (RFC 7009 §2.2):
      // continue, and the variables it would set stay unset.
      const root = policyRoot(doc, 'GetOAuthV2Info', spec.name, true);
      root.ele('AccessToken', { ref: spec.accessTokenRef });
      return render(doc);
    }
    case 'FlowCallout': {
      const root = policyRoot(doc, 'FlowCallout', spec.name);
      const parameters = root.ele('Parameters');
      for (const [name, value] of Object.entries(spec.parameters)) parameters.ele('Parameter', { name }).txt(value);
      root.ele('SharedFlowBundle').txt(spec.sharedFlow);
      return render(doc);
    }
  }
}

export interface DescriptorSpec {
  kind: 'APIProxy' | 'SharedFlowBundle';
  name: string;
  description: string;
  policies: string[];
  resources: string[];
  targets?: string[];
}

/** `apiproxy/<name>.xml` / `sharedflowbundle/<name>.xml`: the revision's name and description. */
export function descriptorXml(spec: DescriptorSpec): string {
  const doc = document();
  const root = doc.ele(spec.kind, { name: spec.name });
  root.ele('Description').txt(spec.description);
  root.ele('DisplayName').txt(spec.name);
  const list = root.ele('Policies');
  for (const policy of spec.policies) list.ele('Policy').txt(policy);
  if (spec.kind === 'APIProxy') root.ele('ProxyEndpoints').ele('ProxyEndpoint').txt('default');
  const resources = root.ele('Resources');
  for (const resource of spec.resources) resources.ele('Resource').txt(`jsc://${resource}`);
  if (spec.kind === 'APIProxy') {
    const targets = root.ele('TargetEndpoints');
    for (const target of spec.targets ?? []) targets.ele('TargetEndpoint').txt(target);
  } else {
    root.ele('SharedFlows').ele('SharedFlow').txt('default');
  }
  return render(doc);
}

/** `apiproxy/proxies/default.xml`. */
export function proxyEndpointXml(spec: ProxyEndpointSpec): string {
  const doc = document();
  const root = doc.ele('ProxyEndpoint', { name: 'default' });
  root.ele('Description').txt('Generated by aic-api-to-api');
  const faultRules = root.ele('FaultRules');
  for (const rule of spec.faultRules) {
    const element = faultRules.ele('FaultRule', { name: rule.name });
    steps(element, rule.steps);
    element.ele('Condition').txt(rule.condition);
  }
  const fallback = root.ele('DefaultFaultRule', { name: 'default-fault' });
  steps(fallback, spec.defaultFaultRule);
  fallback.ele('AlwaysEnforce').txt('false');
  const pre = root.ele('PreFlow', { name: 'PreFlow' });
  pre.ele('Request');
  pre.ele('Response');
  const list = root.ele('Flows');
  for (const flow of spec.flows) {
    const element = list.ele('Flow', { name: flow.name });
    element.ele('Description').txt(flow.name);
    steps(element.ele('Request'), flow.request);
    element.ele('Response');
    if (flow.condition) element.ele('Condition').txt(flow.condition);
  }
  const post = root.ele('PostFlow', { name: 'PostFlow' });
  post.ele('Request');
  post.ele('Response');
  root.ele('HTTPProxyConnection').ele('BasePath').txt(spec.basePath);
  const route = root.ele('RouteRule', { name: spec.target ? 'backend' : 'no-target' });
  if (spec.target) route.ele('TargetEndpoint').txt(spec.target);
  return render(doc);
}

/** `apiproxy/targets/default.xml`: a target server (host, port and TLS live in the environment) and a path. */
export function targetEndpointXml(server: string, path: string): string {
  const doc = document();
  const root = doc.ele('TargetEndpoint', { name: 'default' });
  root.ele('Description').txt('Generated by aic-api-to-api');
  const pre = root.ele('PreFlow', { name: 'PreFlow' });
  pre.ele('Request');
  pre.ele('Response');
  const connection = root.ele('HTTPTargetConnection');
  connection.ele('LoadBalancer').ele('Server', { name: server });
  if (path) connection.ele('Path').txt(path);
  return render(doc);
}

/** `sharedflowbundle/sharedflows/default.xml`. */
export function sharedFlowXml(list: StepSpec[]): string {
  const doc = document();
  steps(doc.ele('SharedFlow', { name: 'default' }), list);
  return render(doc);
}
