/**
 * Apigee policy documents (`policies/<name>.xml`) from plain specifications, one writer per policy
 * kind the bundles use. Owns: each policy's element names, nesting and fixed settings; which
 * policies exist and in which order they run is decided in bundle.ts.
 *
 * Built with xmlbuilder2 (xml.ts), so every value is escaped by the library. Each policy's display
 * name is its name (apigeelint PO008: file name, name and display name agree).
 */
import { document, render, type XMLBuilder } from './xml.js';

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

type Spec<K extends PolicySpec['kind']> = Extract<PolicySpec, { kind: K }>;

/** One writer per kind; every case returns, so a kind added without its writer does not compile. */
export function policyXml(spec: PolicySpec): string {
  const doc = document();
  switch (spec.kind) {
    case 'ServiceCallout':
      serviceCallout(doc, spec);
      return render(doc);
    case 'JavaScript':
      javaScript(doc, spec);
      return render(doc);
    case 'AssignMessage':
      assignMessage(doc, spec);
      return render(doc);
    case 'RaiseFault':
      raiseFault(doc, spec);
      return render(doc);
    case 'GenerateAccessToken':
      generateAccessToken(doc, spec);
      return render(doc);
    case 'VerifyAccessToken':
      verifyAccessToken(doc, spec);
      return render(doc);
    case 'InvalidateToken':
      invalidateToken(doc, spec);
      return render(doc);
    case 'GetOAuthV2Info':
      getOAuthV2Info(doc, spec);
      return render(doc);
    case 'FlowCallout':
      flowCallout(doc, spec);
      return render(doc);
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

function serviceCallout(doc: XMLBuilder, spec: Spec<'ServiceCallout'>): void {
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
}

function javaScript(doc: XMLBuilder, spec: Spec<'JavaScript'>): void {
  const root = doc.ele('Javascript', { name: spec.name, timeLimit: String(spec.timeLimitMs), continueOnError: 'false', enabled: 'true' });
  root.ele('DisplayName').txt(spec.name);
  if (spec.properties && Object.keys(spec.properties).length) {
    const properties = root.ele('Properties');
    for (const [name, value] of Object.entries(spec.properties)) properties.ele('Property', { name }).txt(value);
  }
  root.ele('ResourceURL').txt(`jsc://${spec.resource}`);
}

function assignMessage(doc: XMLBuilder, spec: Spec<'AssignMessage'>): void {
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
}

function raiseFault(doc: XMLBuilder, spec: Spec<'RaiseFault'>): void {
  const root = policyRoot(doc, 'RaiseFault', spec.name);
  responseSet(root.ele('FaultResponse').ele('Set'), spec);
  root.ele('IgnoreUnresolvedVariables').txt('false');
}

function generateAccessToken(doc: XMLBuilder, spec: Spec<'GenerateAccessToken'>): void {
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
}

function verifyAccessToken(doc: XMLBuilder, spec: Spec<'VerifyAccessToken'>): void {
  const root = policyRoot(doc, 'OAuthV2', spec.name);
  root.ele('Operation').txt('VerifyAccessToken');
  root.ele('Scope').txt(spec.scope);
}

function invalidateToken(doc: XMLBuilder, spec: Spec<'InvalidateToken'>): void {
  const root = policyRoot(doc, 'OAuthV2', spec.name);
  root.ele('Operation').txt('InvalidateToken');
  root.ele('Tokens').ele('Token', { type: 'accesstoken', cascade: 'true' }).txt(spec.tokenRef);
}

function getOAuthV2Info(doc: XMLBuilder, spec: Spec<'GetOAuthV2Info'>): void {
  // An unknown or expired token is not an error of the revocation request (RFC 7009 §2.2):
  // continue, and the variables it would set stay unset.
  const root = policyRoot(doc, 'GetOAuthV2Info', spec.name, true);
  root.ele('AccessToken', { ref: spec.accessTokenRef });
}

function flowCallout(doc: XMLBuilder, spec: Spec<'FlowCallout'>): void {
  const root = policyRoot(doc, 'FlowCallout', spec.name);
  const parameters = root.ele('Parameters');
  for (const [name, value] of Object.entries(spec.parameters)) parameters.ele('Parameter', { name }).txt(value);
  root.ele('SharedFlowBundle').txt(spec.sharedFlow);
}
