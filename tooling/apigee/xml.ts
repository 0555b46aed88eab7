/**
 * Apigee XML documents from plain specifications: policies (the kinds the bundles use), proxy and
 * shared-flow endpoints, and the bundle descriptors. Owns: element names and nesting only; which
 * policies exist and in which order they run is decided in bundle.ts.
 *
 * Every document is built with xmlbuilder2, so names, conditions and values are escaped by the
 * library — a scope or condition literal can never break out of its element.
 */
import { create } from 'xmlbuilder2';

type XMLBuilder = ReturnType<typeof create>;

export type PolicySpec =
  | {
      kind: 'ServiceCallout';
      name: string;
      /** Where the request goes (from configuration, never credentials). */
      url: string;
      /** Form parameters of the outgoing POST; values may reference flow variables as `{var}`. */
      formParams: Record<string, string>;
      /** The flow variable the response message is stored in. */
      response: string;
      timeoutMs: number;
    }
  | { kind: 'ExtractVariables'; name: string; source: string; prefix: string; json: Record<string, string> }
  | { kind: 'JavaScript'; name: string; resource: string; timeLimitMs: number }
  | { kind: 'AssignMessage'; name: string; assign: Record<string, string> }
  | { kind: 'RaiseFault'; name: string; status: number; reason: string; payload: Record<string, string> }
  | {
      kind: 'GenerateAccessToken';
      name: string;
      externalAccessToken: string;
      /** Flow variable holding the lifetime in milliseconds (Apigee's unit for ExpiresIn). */
      expiresInMsRef: string;
      defaultExpiresInMs: number;
      scopeRef: string;
      grantTypeRef: string;
      /** Token attribute name -> flow variable holding its value. */
      attributes: Record<string, string>;
    }
  | { kind: 'VerifyAccessToken'; name: string; displayName?: string; scope?: string };

export interface StepSpec {
  policy: string;
  condition?: string;
}

export interface FlowSpec {
  name: string;
  condition?: string;
  request: StepSpec[];
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

export function policyXml(spec: PolicySpec): string {
  const doc = document();
  switch (spec.kind) {
    case 'ServiceCallout': {
      const root = doc.ele('ServiceCallout', { name: spec.name, continueOnError: 'false', enabled: 'true' });
      const request = root.ele('Request', { clearPayload: 'true', variable: `${spec.name}.request` });
      request.ele('IgnoreUnresolvedVariables').txt('false');
      const set = request.ele('Set');
      set.ele('Headers').ele('Header', { name: 'Content-Type' }).txt('application/x-www-form-urlencoded');
      const form = set.ele('FormParams');
      for (const [name, value] of Object.entries(spec.formParams)) form.ele('FormParam', { name }).txt(value);
      set.ele('Verb').txt('POST');
      root.ele('Response').txt(spec.response);
      root.ele('Timeout').txt(String(spec.timeoutMs));
      root.ele('HTTPTargetConnection').ele('URL').txt(spec.url);
      return render(doc);
    }
    case 'ExtractVariables': {
      const root = doc.ele('ExtractVariables', { name: spec.name, continueOnError: 'false', enabled: 'true' });
      root.ele('Source', { clearPayload: 'false' }).txt(spec.source);
      root.ele('VariablePrefix').txt(spec.prefix);
      const payload = root.ele('JSONPayload');
      for (const [name, path] of Object.entries(spec.json)) payload.ele('Variable', { name, type: 'string' }).ele('JSONPath').txt(path);
      // Unresolved = not set: a later step decides on the missing value instead of a generic fault.
      root.ele('IgnoreUnresolvedVariables').txt('true');
      return render(doc);
    }
    case 'JavaScript': {
      const root = doc.ele('Javascript', { name: spec.name, timeLimit: String(spec.timeLimitMs), continueOnError: 'false', enabled: 'true' });
      root.ele('ResourceURL').txt(`jsc://${spec.resource}`);
      return render(doc);
    }
    case 'AssignMessage': {
      const root = doc.ele('AssignMessage', { name: spec.name, continueOnError: 'false', enabled: 'true' });
      for (const [name, value] of Object.entries(spec.assign)) {
        const assign = root.ele('AssignVariable');
        assign.ele('Name').txt(name);
        assign.ele('Value').txt(value);
      }
      root.ele('IgnoreUnresolvedVariables').txt('true');
      return render(doc);
    }
    case 'RaiseFault': {
      const root = doc.ele('RaiseFault', { name: spec.name, continueOnError: 'false', enabled: 'true' });
      const set = root.ele('FaultResponse').ele('Set');
      // Braces in a payload are message-template references; JSON's own braces must not be, so the
      // template delimiters are moved to characters the payloads never contain.
      set.ele('Payload', { contentType: 'application/json', variablePrefix: '@', variableSuffix: '#' }).txt(JSON.stringify(spec.payload));
      set.ele('StatusCode').txt(String(spec.status));
      set.ele('ReasonPhrase').txt(spec.reason);
      root.ele('IgnoreUnresolvedVariables').txt('true');
      return render(doc);
    }
    case 'GenerateAccessToken': {
      const root = doc.ele('OAuthV2', { name: spec.name, continueOnError: 'false', enabled: 'true' });
      root.ele('Operation').txt('GenerateAccessToken');
      root.ele('ExpiresIn', { ref: spec.expiresInMsRef }).txt(String(spec.defaultExpiresInMs));
      root.ele('ExternalAuthorization').txt('true');
      root.ele('ExternalAccessToken').txt(spec.externalAccessToken);
      root.ele('StoreToken').txt('true');
      root.ele('SupportedGrantTypes').ele('GrantType').txt('client_credentials');
      root.ele('GrantType').txt(spec.grantTypeRef);
      root.ele('Scope').txt(spec.scopeRef);
      const attributes = root.ele('Attributes');
      for (const [name, ref] of Object.entries(spec.attributes)) attributes.ele('Attribute', { name, ref, display: 'true' });
      root.ele('GenerateResponse', { enabled: 'true' });
      return render(doc);
    }
    case 'VerifyAccessToken': {
      const root = doc.ele('OAuthV2', { name: spec.name, continueOnError: 'false', enabled: 'true' });
      if (spec.displayName) root.ele('DisplayName').txt(spec.displayName);
      root.ele('Operation').txt('VerifyAccessToken');
      if (spec.scope !== undefined) root.ele('Scope').txt(spec.scope);
      return render(doc);
    }
  }
}

/** `apiproxy/<name>.xml` / `sharedflowbundle/<name>.xml`: the revision's name and description. */
export function descriptorXml(kind: 'APIProxy' | 'SharedFlowBundle', name: string, description: string, policies: string[], endpoint: string): string {
  const doc = document();
  const root = doc.ele(kind, { name });
  root.ele('DisplayName').txt(name);
  root.ele('Description').txt(description);
  const list = root.ele('Policies');
  for (const policy of policies) list.ele('Policy').txt(policy);
  if (kind === 'APIProxy') {
    root.ele('ProxyEndpoints').ele('ProxyEndpoint').txt(endpoint);
    root.ele('TargetEndpoints');
  } else {
    root.ele('SharedFlows').ele('SharedFlow').txt(endpoint);
  }
  return render(doc);
}

/** `apiproxy/proxies/default.xml`: conditional flows and no route target (the proxy answers itself). */
export function proxyEndpointXml(basePath: string, flows: FlowSpec[]): string {
  const doc = document();
  const root = doc.ele('ProxyEndpoint', { name: 'default' });
  const pre = root.ele('PreFlow', { name: 'PreFlow' });
  pre.ele('Request');
  pre.ele('Response');
  const list = root.ele('Flows');
  for (const flow of flows) {
    const element = list.ele('Flow', { name: flow.name });
    if (flow.condition) element.ele('Condition').txt(flow.condition);
    steps(element.ele('Request'), flow.request);
    element.ele('Response');
  }
  root.ele('HTTPProxyConnection').ele('BasePath').txt(basePath);
  // No TargetEndpoint: the token endpoint's answer is the OAuthV2 policy's generated response.
  root.ele('RouteRule', { name: 'no-target' });
  return render(doc);
}

/** `sharedflowbundle/sharedflows/default.xml`. */
export function sharedFlowXml(list: StepSpec[]): string {
  const doc = document();
  steps(doc.ele('SharedFlow', { name: 'default' }), list);
  return render(doc);
}
