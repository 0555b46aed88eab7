/**
 * A test interpreter of an Apigee organization: requests are routed by base path to the proxies
 * deployed in an environment, and their flows run the policy kinds the generated bundles use —
 * Javascript (ES5 only, as Rhino), RaiseFault, AssignMessage, ServiceCallout (real HTTP),
 * FlowCallout (the deployed shared flow), OAuthV2 GenerateAccessToken (external token),
 * VerifyAccessToken (API product, environment, proxy, operation and scope checks),
 * InvalidateToken, GetOAuthV2Info — then the target server, with fault handling as Apigee does it:
 * a policy failure sets fault.name and the policy's `.failed` variable, ProxyEndpoint FaultRules
 * are evaluated from the last to the first and only the first whose condition holds runs, else the
 * DefaultFaultRule. It reads the bundles' XML (never the generator's specs) and the organization's
 * products, apps and target servers (ApigeeOrgState). Anything it does not model is refused loudly.
 *
 * Modelled after Apigee's documentation for the elements generated; in particular
 * GenerateAccessToken keeps only the requested scopes that the credential's approved products list.
 */
import vm from 'node:vm';
import { parse } from 'acorn';
import type { Element } from '@xmldom/xmldom';
import { child, children, compileCondition, matchesPath, parseXml, resolveTemplate, stepsOf, text, type Step } from './flow-lang.js';
import type { ApigeeOrgState, OrgProduct } from './org.js';

export { parseXml, child, children, text, compileCondition, stepsOf } from './flow-lang.js';
export type { Step } from './flow-lang.js';

export interface Bundle {
  files: Map<string, string>;
}

export interface StoredToken {
  token: string;
  clientId: string;
  scope: string;
  products: string[];
  issuedAt: number;
  expiresAt: number;
}

export interface ApigeeRequest {
  verb: string;
  /** Full path: base path + suffix. */
  path: string;
  formParams?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface Message {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
}

export interface RunResult extends Message {
  proxy?: string;
  /** The policy whose failure started fault handling. */
  fault?: { policy: string; name: string };
  executed: string[];
  variables: Map<string, string>;
  /** What the target server received, when the request got that far. */
  forwarded?: { url: string; method: string; headers: Record<string, string> };
}

/** The root folder of a bundle: apiproxy/ or sharedflowbundle/. */
export function rootOf(bundle: Bundle): string {
  return [...bundle.files.keys()].some((f) => f.startsWith('apiproxy/')) ? 'apiproxy' : 'sharedflowbundle';
}

export function policyDocument(bundle: Bundle, name: string): Element {
  const file = `${rootOf(bundle)}/policies/${name}.xml`;
  const source = bundle.files.get(file);
  if (source === undefined) throw new Error(`step names policy ${name}, but ${file} does not exist`);
  const root = parseXml(source, file).documentElement!;
  if (root.getAttribute('name') !== name) throw new Error(`${file}: policy name ${root.getAttribute('name')} differs from its file name`);
  return root;
}

class PolicyFault extends Error {
  constructor(readonly faultName: string, readonly response: Message) {
    super(`fault ${faultName} ${response.status}`);
  }
}

const apigeeFault = (status: number, reason: string, name: string, family: string, faultstring: string) =>
  new PolicyFault(name, { status, reason, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fault: { faultstring, detail: { errorcode: `${family}.${name}` } } }) });

/** One request's flow variables and messages. */
class Context {
  readonly variables = new Map<string, string>();
  response: Message = { status: 200, reason: 'OK', headers: {}, body: '' };
  readonly executed: string[] = [];
  forwarded?: RunResult['forwarded'];
  constructor(readonly request: ApigeeRequest & { headers: Record<string, string> }) {}
  get = (name: string): string | null => {
    const lower = name.toLowerCase();
    if (lower.startsWith('request.header.')) return this.request.headers[lower.slice('request.header.'.length)] ?? null;
    return this.variables.get(name) ?? null;
  };
  set = (name: string, value: string) => void this.variables.set(name, value);
}

export class ApigeeSimulator {
  readonly tokens = new Map<string, StoredToken>();
  readonly callouts: { url: string; form: Record<string, string> }[] = [];
  now = () => Date.now();

  constructor(readonly org: ApigeeOrgState, readonly environment: string) {}

  /** Routes the request to the deployed proxy with the longest matching base path. */
  async call(request: ApigeeRequest): Promise<RunResult> {
    let best: { name: string; basePath: string; bundle: Bundle } | undefined;
    for (const [key, deployed] of this.org.deployments) {
      const revision = deployed.get(this.environment);
      if (!key.startsWith('apis/') || revision === undefined) continue;
      const bundle = this.org.bundles.get(key)!.revisions.find((r) => r.revision === revision)!;
      const endpoint = parseXml(bundle.files.get('apiproxy/proxies/default.xml')!).documentElement!;
      const basePath = text(child(child(endpoint, 'HTTPProxyConnection'), 'BasePath'))!;
      if ((request.path === basePath || request.path.startsWith(basePath + '/')) && (!best || basePath.length > best.basePath.length)) best = { name: key.slice(5), basePath, bundle };
    }
    if (!best) return { status: 404, reason: 'Not Found', headers: {}, body: JSON.stringify({ fault: { faultstring: 'Unable to identify proxy for host and url', detail: { errorcode: 'messaging.adaptors.http.flow.ApplicationNotFound' } } }), executed: [], variables: new Map() };
    return this.runProxy(best.bundle, best.name, best.basePath, request);
  }

  private async runProxy(bundle: Bundle, proxyName: string, basePath: string, request: ApigeeRequest): Promise<RunResult> {
    const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const ctx = new Context({ ...request, headers });
    ctx.set('request.verb', request.verb);
    ctx.set('proxy.basepath', basePath);
    ctx.set('proxy.pathsuffix', request.path.slice(basePath.length));
    ctx.set('apiproxy.name', proxyName);
    ctx.set('environment.name', this.environment);
    for (const [name, value] of Object.entries(request.formParams ?? {})) ctx.set(`request.formparam.${name}`, value);
    const endpoint = parseXml(bundle.files.get('apiproxy/proxies/default.xml')!, 'proxies/default.xml').documentElement!;
    const flow = children(child(endpoint, 'Flows')!, 'Flow').find((f) => {
      const condition = text(child(f, 'Condition'));
      return !condition || compileCondition(condition).test(ctx.get);
    });
    const steps = [...stepsOf(child(child(endpoint, 'PreFlow'), 'Request')), ...stepsOf(child(flow, 'Request')), ...stepsOf(child(child(endpoint, 'PostFlow'), 'Request'))];
    let fault: RunResult['fault'];
    try {
      await this.runSteps(bundle, steps, ctx);
      const route = children(endpoint, 'RouteRule').find((r) => {
        const condition = text(child(r, 'Condition'));
        return !condition || compileCondition(condition).test(ctx.get);
      });
      const target = text(child(route, 'TargetEndpoint'));
      if (target) await this.runTarget(bundle, target, ctx);
    } catch (error) {
      if (!(error instanceof PolicyFault)) throw error;
      fault = { policy: ctx.executed.at(-1)!, name: error.faultName };
      ctx.response = error.response;
      await this.handleFault(bundle, endpoint, ctx);
    }
    return { ...ctx.response, proxy: proxyName, fault, executed: ctx.executed, variables: ctx.variables, forwarded: ctx.forwarded };
  }

  private async handleFault(bundle: Bundle, endpoint: Element, ctx: Context): Promise<void> {
    // ProxyEndpoint: from the last FaultRule to the first; the first whose condition holds runs.
    const faultRules = child(endpoint, 'FaultRules');
    const rules = faultRules ? children(faultRules, 'FaultRule').reverse() : [];
    const matched = rules.find((rule) => {
      const condition = text(child(rule, 'Condition'));
      if (!condition) throw new Error(`FaultRule ${rule.getAttribute('name')} has no condition: the test interpreter refuses it`);
      return compileCondition(condition).test(ctx.get);
    });
    const steps = matched ? stepsOf(matched) : stepsOf(child(endpoint, 'DefaultFaultRule'));
    try {
      await this.runSteps(bundle, steps, ctx);
    } catch (error) {
      if (!(error instanceof PolicyFault)) throw error;
      // A failure inside fault handling: Apigee answers with that failure.
      ctx.response = error.response;
    }
  }

  private async runSteps(bundle: Bundle, steps: Step[], ctx: Context): Promise<void> {
    for (const step of steps) {
      if (step.condition && !compileCondition(step.condition).test(ctx.get)) continue;
      ctx.executed.push(step.policy);
      const policy = policyDocument(bundle, step.policy);
      if (policy.getAttribute('enabled') === 'false') continue;
      try {
        await this.execute(bundle, policy, ctx);
      } catch (error) {
        if (!(error instanceof PolicyFault)) throw error;
        ctx.set('fault.name', error.faultName);
        const family = policy.nodeName === 'OAuthV2' || policy.nodeName === 'GetOAuthV2Info' ? 'oauthV2' : policy.nodeName.toLowerCase();
        ctx.set(`${family}.${step.policy}.failed`, 'true');
        if (family === 'oauthV2') ctx.set('oauthV2.failed', 'true');
        if (policy.getAttribute('continueOnError') === 'true') continue;
        throw error;
      }
    }
  }

  private templateOf(element: Element | undefined, ctx: Context, strict: boolean, what: string): string {
    const prefix = element?.getAttribute('variablePrefix') || '{';
    const suffix = element?.getAttribute('variableSuffix') || '}';
    const { value, unresolved } = resolveTemplate(element?.textContent ?? '', ctx.get, prefix, suffix);
    if (unresolved.length && strict) throw apigeeFault(500, 'Internal Server Error', 'UnresolvedVariable', 'steps', `${what}: unresolved variable ${unresolved[0]}`);
    return value;
  }

  private setMessage(set: Element | undefined, message: Message, ctx: Context, strict: boolean, what: string): void {
    if (!set) return;
    for (const header of children(child(set, 'Headers') ?? set, 'Header')) message.headers[header.getAttribute('name')!.toLowerCase()] = this.templateOf(header, ctx, strict, what);
    const payload = child(set, 'Payload');
    if (payload) {
      message.body = this.templateOf(payload, ctx, strict, what);
      message.headers['content-type'] = payload.getAttribute('contentType') ?? 'text/plain';
    }
    const status = text(child(set, 'StatusCode'));
    if (status) message.status = Number(status);
    const reason = text(child(set, 'ReasonPhrase'));
    if (reason) message.reason = reason;
  }

  private async execute(bundle: Bundle, policy: Element, ctx: Context): Promise<void> {
    const name = policy.getAttribute('name')!;
    const strict = text(child(policy, 'IgnoreUnresolvedVariables')) !== 'true';
    switch (policy.nodeName) {
      case 'RaiseFault': {
        const response: Message = { status: 500, reason: 'Internal Server Error', headers: {}, body: '' };
        this.setMessage(child(child(policy, 'FaultResponse'), 'Set'), response, ctx, strict, name);
        throw new PolicyFault('RaiseFault', response);
      }
      case 'AssignMessage': {
        for (const assign of children(policy, 'AssignVariable')) {
          const ref = text(child(assign, 'Ref'));
          const value = ref ? ctx.get(ref) : text(child(assign, 'Value'));
          if (value !== null && value !== undefined) ctx.set(text(child(assign, 'Name'))!, value);
        }
        const set = child(policy, 'Set');
        if (set) {
          const assignTo = child(policy, 'AssignTo');
          if (text(assignTo) !== 'response') throw new Error(`${name}: the test interpreter only sets the response (AssignTo response)`);
          this.setMessage(set, ctx.response, ctx, strict, name);
        }
        return;
      }
      case 'Javascript':
        return this.javascript(bundle, policy, ctx);
      case 'ServiceCallout':
        return this.serviceCallout(policy, ctx);
      case 'FlowCallout': {
        for (const parameter of children(child(policy, 'Parameters')!, 'Parameter')) ctx.set(parameter.getAttribute('name')!, parameter.textContent ?? '');
        const flowName = text(child(policy, 'SharedFlowBundle'))!;
        const shared = this.org.deployedRevision('sharedflows', flowName, this.environment);
        if (!shared) throw apigeeFault(500, 'Internal Server Error', 'SharedFlowNotFound', 'flow', `shared flow ${flowName} is not deployed in ${this.environment}`);
        const flow = parseXml(shared.files.get('sharedflowbundle/sharedflows/default.xml')!).documentElement!;
        return this.runSteps({ files: shared.files }, stepsOf(flow), ctx);
      }
      case 'OAuthV2':
        return this.oauth(policy, ctx);
      case 'GetOAuthV2Info': {
        const ref = child(policy, 'AccessToken')?.getAttribute('ref');
        const stored = ref ? this.tokens.get(ctx.get(ref) ?? '') : undefined;
        if (!stored) throw apigeeFault(401, 'Unauthorized', 'invalid_access_token', 'steps.oauth.v2', 'Invalid Access Token');
        if (stored.expiresAt <= this.now()) throw apigeeFault(401, 'Unauthorized', 'access_token_expired', 'steps.oauth.v2', 'Access Token expired');
        ctx.set(`oauthv2accesstoken.${name}.client_id`, stored.clientId);
        ctx.set(`oauthv2accesstoken.${name}.scope`, stored.scope);
        return;
      }
      default:
        throw new Error(`${name}: policy kind ${policy.nodeName} is not supported by the test interpreter`);
    }
  }

  private async javascript(bundle: Bundle, policy: Element, ctx: Context): Promise<void> {
    const name = policy.getAttribute('name')!;
    const resource = text(child(policy, 'ResourceURL'))!.replace(/^jsc:\/\//, '');
    const source = bundle.files.get(`${rootOf(bundle)}/resources/jsc/${resource}`);
    if (source === undefined) throw new Error(`${name}: resource ${resource} is missing`);
    // Apigee runs it in Rhino: anything beyond ES5 would fail there.
    parse(source, { ecmaVersion: 5 });
    const properties: Record<string, string> = {};
    for (const property of children(child(policy, 'Properties') ?? policy, 'Property')) properties[property.getAttribute('name')!] = property.textContent ?? '';
    const context = { getVariable: (n: string) => ctx.get(n), setVariable: (n: string, v: unknown) => ctx.set(n, String(v)) };
    try {
      // timeLimit is Apigee's budget on its own CPU; on a shared test machine wall-clock time is
      // noisier, so the bound here only catches a script that never ends.
      vm.runInNewContext(source, { context, properties }, { timeout: 10 * Number(policy.getAttribute('timeLimit') ?? 200) });
    } catch (error) {
      throw apigeeFault(500, 'Internal Server Error', 'ScriptExecutionFailed', 'steps.javascript', `${name}: ${(error as Error).message}`);
    }
  }

  private async serviceCallout(policy: Element, ctx: Context): Promise<void> {
    const name = policy.getAttribute('name')!;
    const requestElement = child(policy, 'Request')!;
    const strict = text(child(requestElement, 'IgnoreUnresolvedVariables')) !== 'true';
    const set = child(requestElement, 'Set')!;
    const form: Record<string, string> = {};
    for (const param of children(child(set, 'FormParams')!, 'FormParam')) form[param.getAttribute('name')!] = this.templateOf(param, ctx, strict, name);
    const headers: Record<string, string> = {};
    for (const header of children(child(set, 'Headers') ?? set, 'Header')) headers[header.getAttribute('name')!] = this.templateOf(header, ctx, strict, name);
    const connection = child(policy, 'HTTPTargetConnection')!;
    const url = text(child(connection, 'URL'))!;
    this.callouts.push({ url, form });
    const responseVariable = text(child(policy, 'Response'))!;
    let answer: Response;
    try {
      answer = await fetch(url, { method: text(child(set, 'Verb')) ?? 'POST', headers, body: new URLSearchParams(form).toString(), signal: AbortSignal.timeout(Number(text(child(policy, 'Timeout')) ?? 55_000)) });
    } catch {
      throw apigeeFault(500, 'Internal Server Error', 'ExecutionFailed', 'steps.servicecallout', `Execution of ServiceCallout ${name} failed. Reason: connection failed`);
    }
    const content = await answer.text();
    ctx.set(responseVariable, `[message ${answer.status}]`);
    ctx.set(`${responseVariable}.content`, content);
    ctx.set(`${responseVariable}.status.code`, String(answer.status));
    answer.headers.forEach((value, header) => ctx.set(`${responseVariable}.header.${header}`, value));
    // success.codes default to 1xx, 2xx, 3xx: anything else raises ExecutionFailed.
    if (answer.status >= 400) throw apigeeFault(500, 'Internal Server Error', 'ExecutionFailed', 'steps.servicecallout', `Execution of ServiceCallout ${name} failed. Reason: ResponseCode ${answer.status} is treated as error`);
  }

  private async runTarget(bundle: Bundle, target: string, ctx: Context): Promise<void> {
    const endpoint = parseXml(bundle.files.get(`apiproxy/targets/${target}.xml`)!).documentElement!;
    const connection = child(endpoint, 'HTTPTargetConnection')!;
    const serverName = child(child(connection, 'LoadBalancer'), 'Server')?.getAttribute('name');
    if (!serverName) throw new Error(`target ${target}: only a LoadBalancer with one Server is supported by the test interpreter`);
    const server = this.org.targetServers.get(this.environment)?.get(serverName);
    if (!server || server.isEnabled === false) throw apigeeFault(503, 'Service Unavailable', 'NoActiveTargets', 'messaging.adaptors.http.flow', `target server ${serverName} is not available`);
    const url = `${server.sSLInfo?.enabled ? 'https' : 'http'}://${server.host}:${server.port}${text(child(connection, 'Path')) ?? ''}${ctx.get('proxy.pathsuffix') ?? ''}`;
    const headers = { ...ctx.request.headers };
    ctx.forwarded = { url, method: ctx.request.verb, headers };
    const answer = await fetch(url, { method: ctx.request.verb, headers });
    const responseHeaders: Record<string, string> = {};
    answer.headers.forEach((value, header) => (responseHeaders[header] = value));
    ctx.response = { status: answer.status, reason: answer.statusText, headers: responseHeaders, body: await answer.text() };
  }

  /** The credential's approved products available in this environment. */
  private productsOf(clientId: string): OrgProduct[] {
    const found = this.org.credential(clientId);
    if (!found) return [];
    return found.credential.apiProducts
      .filter((p) => p.status === 'approved')
      .map((p) => this.org.products.get(p.apiproduct))
      .filter((p): p is OrgProduct => Boolean(p) && (p!.environments ?? []).includes(this.environment));
  }

  private oauth(policy: Element, ctx: Context): void {
    const name = policy.getAttribute('name')!;
    const operation = text(child(policy, 'Operation'));
    const fail = (status: number, reason: string, fault: string, message: string): never => {
      throw apigeeFault(status, reason, fault, 'steps.oauth.v2', message);
    };
    if (operation === 'GenerateAccessToken') {
      const grantType = ctx.get(text(child(policy, 'GrantType')) ?? 'request.formparam.grant_type');
      const supported = children(child(policy, 'SupportedGrantTypes')!, 'GrantType').map((g) => text(g));
      if (grantType === null || !supported.includes(grantType)) fail(400, 'Bad Request', 'UnSupportedGrantType', 'Unsupported grant type');
      const clientId = ctx.get('request.formparam.client_id') ?? '';
      const found = this.org.credential(clientId);
      // Even with external authorization the client id must be a known, approved app credential.
      if (!found || found.credential.status !== 'approved' || found.app.status !== 'approved') fail(401, 'Unauthorized', 'invalid_client', 'Invalid client identifier');
      const external = text(child(policy, 'ExternalAuthorization')) === 'true' && ctx.get('oauth_external_authorization_status') === 'true';
      if (!external && ctx.get('request.formparam.client_secret') !== found!.credential.consumerSecret) fail(401, 'Unauthorized', 'invalid_client', 'Invalid client identifier');
      const externalElement = child(policy, 'ExternalAccessToken');
      const token = externalElement ? ctx.get(text(externalElement)!) : `apigee-${Math.random().toString(36).slice(2)}`;
      if (!token) fail(500, 'Internal Server Error', 'FailedToResolveAccessToken', 'external access token is not set');
      const expires = child(policy, 'ExpiresIn');
      const ref = expires?.getAttribute('ref');
      const expiresInMs = Number((ref ? ctx.get(ref) : null) ?? text(expires) ?? 3_600_000);
      const products = this.productsOf(clientId);
      const allowed = new Set(products.flatMap((p) => p.scopes ?? []));
      const requested = (ctx.get(text(child(policy, 'Scope')) ?? 'request.formparam.scope') ?? '').split(/\s+/).filter(Boolean);
      // The token keeps only the requested scopes that the app's products list.
      const scope = requested.filter((s) => allowed.has(s)).join(' ');
      const issuedAt = this.now();
      const stored: StoredToken = { token: token!, clientId, scope, products: products.map((p) => p.name), issuedAt, expiresAt: issuedAt + expiresInMs };
      if (text(child(policy, 'StoreToken')) !== 'false') this.tokens.set(token!, stored);
      ctx.set(`oauthv2accesstoken.${name}.access_token`, token!);
      ctx.set(`oauthv2accesstoken.${name}.scope`, scope);
      ctx.set(`oauthv2accesstoken.${name}.expires_in`, String(Math.floor(expiresInMs / 1000)));
      if (child(policy, 'GenerateResponse')?.getAttribute('enabled') === 'true') throw new Error(`${name}: GenerateResponse is not modelled (the generated proxy builds its own answer)`);
      return;
    }
    if (operation === 'VerifyAccessToken') {
      const header = ctx.get('request.header.authorization') ?? '';
      const match = /^Bearer (\S+)$/.exec(header);
      if (!match) fail(401, 'Unauthorized', 'InvalidAccessToken', 'Invalid access token');
      const stored = this.tokens.get(match![1]);
      if (!stored) fail(401, 'Unauthorized', 'invalid_access_token', 'Invalid Access Token');
      if (stored!.expiresAt <= this.now()) fail(401, 'Unauthorized', 'access_token_expired', 'Access Token expired');
      const found = this.org.credential(stored!.clientId);
      if (!found || found.credential.status !== 'approved' || found.app.status !== 'approved') fail(401, 'Unauthorized', 'access_token_not_approved', 'Access Token not approved');
      // A product the token was issued with, still approved on the credential, must cover this
      // environment, this proxy and this operation.
      const proxy = ctx.get('apiproxy.name');
      const suffix = ctx.get('proxy.pathsuffix') ?? '';
      const verb = ctx.get('request.verb') ?? '';
      const current = new Set(this.productsOf(stored!.clientId).map((p) => p.name));
      const covering = stored!.products
        .filter((p) => current.has(p))
        .map((p) => this.org.products.get(p)!)
        .find((p) => (p.operationGroup?.operationConfigs ?? []).some((c) => c.apiSource === proxy && (c.operations ?? []).some((o) => matchesPath(suffix, o.resource) && (!o.methods?.length || o.methods.includes(verb)))));
      if (!covering) fail(401, 'Unauthorized', 'InvalidAPICallAsNoApiProductMatchFound', 'Invalid API call as no apiproduct match found');
      const required = (text(child(policy, 'Scope')) ?? '').split(/\s+/).filter(Boolean);
      const held = stored!.scope.split(/\s+/).filter(Boolean);
      // Apigee: the policy passes when the token holds at least one of the listed scopes.
      if (required.length && !required.some((s) => held.includes(s))) fail(403, 'Forbidden', 'InsufficientScope', 'Required scope(s) : ' + required.join(' '));
      ctx.set('scope', stored!.scope);
      ctx.set('client_id', stored!.clientId);
      ctx.set('apiproduct.name', covering!.name);
      ctx.set('expires_in', String(Math.floor((stored!.expiresAt - this.now()) / 1000)));
      return;
    }
    if (operation === 'InvalidateToken') {
      for (const token of children(child(policy, 'Tokens')!, 'Token')) {
        if (token.getAttribute('type') !== 'accesstoken') throw new Error(`${name}: only access tokens are modelled`);
        this.tokens.delete(ctx.get(text(token)!) ?? '');
      }
      return;
    }
    throw new Error(`OAuthV2 operation ${operation} is not supported by the test interpreter`);
  }
}
