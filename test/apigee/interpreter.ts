/**
 * A small test interpreter for the Apigee policy kinds the generated bundles use — RaiseFault,
 * ServiceCallout, ExtractVariables, Javascript, AssignMessage, OAuthV2 GenerateAccessToken (with an
 * external token) and VerifyAccessToken — reading the bundle's XML (not the TypeScript specs that
 * produced it), with an in-memory token store and developer-app registry. Semantics follow Apigee's
 * documentation for the elements generated; anything else is refused loudly so an unsupported
 * construct cannot pass silently.
 */
import vm from 'node:vm';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

type El = Element;

export function parseXml(text: string, file = 'xml'): Document {
  return new DOMParser({
    onError: (level: string, message: string) => {
      if (level !== 'warning') throw new Error(`${file}: ${message}`);
    },
  }).parseFromString(text, 'text/xml');
}

export function children(element: El, name?: string): El[] {
  const out: El[] = [];
  for (let node = element.firstChild; node; node = node.nextSibling) if (node.nodeType === 1 && (!name || node.nodeName === name)) out.push(node as El);
  return out;
}

export function child(element: El, name: string): El | undefined {
  return children(element, name)[0];
}

export function text(element: El | undefined): string | undefined {
  return element ? (element.textContent ?? '').trim() : undefined;
}

export interface Step {
  policy: string;
  condition?: string;
}

export interface Fault {
  policy: string;
  status: number;
  body: string;
}

export interface StoredToken {
  token: string;
  clientId: string;
  scope: string;
  issuedAt: number;
  expiresAt: number;
  attributes: Record<string, string>;
}

export interface Bundle {
  files: Map<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Conditions: (var = "lit"), (var != "lit"), (var MatchesPath "/p/*"), combined with and / or.

type Token = { kind: 'open' | 'close' | 'and' | 'or' | 'op' | 'ident' | 'string'; value: string };

function tokenize(condition: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\()|(\))|("(?:[^"\\]|\\.)*")|(!=|=|MatchesPath\b)|(and\b|or\b)|([A-Za-z_][A-Za-z0-9_.-]*))/y;
  let index = 0;
  while (index < condition.length) {
    if (/^\s*$/.test(condition.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(condition);
    if (!match) throw new Error(`condition: cannot read ${JSON.stringify(condition.slice(index))}`);
    index = pattern.lastIndex;
    if (match[1]) tokens.push({ kind: 'open', value: '(' });
    else if (match[2]) tokens.push({ kind: 'close', value: ')' });
    else if (match[3]) tokens.push({ kind: 'string', value: JSON.parse(match[3]) });
    else if (match[4]) tokens.push({ kind: 'op', value: match[4] });
    else if (match[5]) tokens.push({ kind: match[5] as 'and' | 'or', value: match[5] });
    else tokens.push({ kind: 'ident', value: match[6] });
  }
  return tokens;
}

function matchesPath(value: string, pattern: string): boolean {
  const regex = pattern.split('/').map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${regex}$`).test(value);
}

/** Parses a condition into the variables it reads and a function deciding it. */
export function compileCondition(condition: string): { variables: string[]; test: (get: (name: string) => string | null) => boolean } {
  const tokens = tokenize(condition);
  const variables: string[] = [];
  let position = 0;
  const expect = (kind: Token['kind']) => {
    const token = tokens[position++];
    if (token?.kind !== kind) throw new Error(`condition ${condition}: expected ${kind}, got ${token?.value ?? 'end'}`);
    return token;
  };
  type Node = (get: (name: string) => string | null) => boolean;
  const primary = (): Node => {
    if (tokens[position]?.kind === 'open') {
      position++;
      const inner = expression();
      expect('close');
      return inner;
    }
    const variable = expect('ident').value;
    const operator = expect('op').value;
    const literal = expect('string').value;
    variables.push(variable);
    return (get) => {
      const value = get(variable);
      if (operator === '=') return value === literal;
      if (operator === '!=') return value !== literal;
      return value !== null && matchesPath(value, literal);
    };
  };
  const expression = (): Node => {
    let left = primary();
    while (tokens[position]?.kind === 'and' || tokens[position]?.kind === 'or') {
      const operator = tokens[position++].kind;
      const right = primary();
      const l = left;
      left = operator === 'and' ? (get) => l(get) && right(get) : (get) => l(get) || right(get);
    }
    return left;
  };
  const test = expression();
  if (position !== tokens.length) throw new Error(`condition ${condition}: trailing ${tokens[position].value}`);
  return { variables, test };
}

// ---------------------------------------------------------------------------------------------

export function stepsOf(parent: El | undefined): Step[] {
  if (!parent) return [];
  return children(parent, 'Step').map((step) => ({ policy: text(child(step, 'Name'))!, condition: text(child(step, 'Condition')) }));
}

/** The bundle's root folder: apiproxy/ or sharedflowbundle/. */
export function rootOf(bundle: Bundle): string {
  return [...bundle.files.keys()].some((f) => f.startsWith('apiproxy/')) ? 'apiproxy' : 'sharedflowbundle';
}

export function policyDocument(bundle: Bundle, name: string): El {
  const file = `${rootOf(bundle)}/policies/${name}.xml`;
  const source = bundle.files.get(file);
  if (source === undefined) throw new Error(`step names policy ${name}, but ${file} does not exist`);
  const root = parseXml(source, file).documentElement!;
  if (root.getAttribute('name') !== name) throw new Error(`${file}: policy name ${root.getAttribute('name')} differs from its file name`);
  return root;
}

/** Replaces `{var}` references (message templates); unresolved -> null when strict. */
function template(value: string, get: (name: string) => string | null, strict: boolean): string | null {
  let unresolved = false;
  const out = value.replace(/\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g, (_, name: string) => {
    const v = get(name);
    if (v === null) unresolved = true;
    return v ?? '';
  });
  return unresolved && strict ? null : out;
}

function jsonPath(document: unknown, path: string): unknown {
  if (!/^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) throw new Error(`JSONPath ${path}: only $.a.b paths are supported by the test interpreter`);
  let value: unknown = document;
  for (const part of path.split('.').slice(1)) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

export interface ApigeeRequest {
  verb: string;
  pathSuffix: string;
  formParams?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface RunResult {
  status: number;
  body: string;
  fault?: Fault;
  executed: string[];
  variables: Map<string, string>;
}

export class ApigeeSimulator {
  /** Developer-app credentials: consumer key -> consumer secret. */
  readonly apps = new Map<string, string>();
  readonly tokens = new Map<string, StoredToken>();
  readonly callouts: { url: string; form: Record<string, string> }[] = [];
  now = () => Date.now();

  /** Runs the API proxy's default ProxyEndpoint for a request. */
  async runProxy(bundle: Bundle, request: ApigeeRequest): Promise<RunResult> {
    const endpoint = parseXml(bundle.files.get('apiproxy/proxies/default.xml')!, 'proxies/default.xml').documentElement!;
    const variables = this.requestVariables(request);
    const get = (name: string) => variables.get(name.toLowerCase()) ?? variables.get(name) ?? null;
    const steps = [...stepsOf(child(child(endpoint, 'PreFlow')!, 'Request'))];
    const flow = children(child(endpoint, 'Flows')!, 'Flow').find((f) => {
      const condition = text(child(f, 'Condition'));
      return !condition || compileCondition(condition).test(get);
    });
    if (flow) steps.push(...stepsOf(child(flow, 'Request')));
    return this.runSteps(bundle, steps, variables);
  }

  /** Runs a shared flow with the caller's variables (request + what the calling proxy set). */
  async runSharedFlow(bundle: Bundle, request: ApigeeRequest, inputs: Record<string, string> = {}): Promise<RunResult> {
    const flow = parseXml(bundle.files.get('sharedflowbundle/sharedflows/default.xml')!, 'sharedflows/default.xml').documentElement!;
    const variables = this.requestVariables(request);
    for (const [name, value] of Object.entries(inputs)) variables.set(name, value);
    return this.runSteps(bundle, stepsOf(flow), variables);
  }

  private requestVariables(request: ApigeeRequest): Map<string, string> {
    const variables = new Map<string, string>();
    variables.set('request.verb', request.verb);
    variables.set('proxy.pathsuffix', request.pathSuffix);
    for (const [name, value] of Object.entries(request.formParams ?? {})) variables.set(`request.formparam.${name}`, value);
    // Header names are case-insensitive in Apigee's flow variables.
    for (const [name, value] of Object.entries(request.headers ?? {})) variables.set(`request.header.${name.toLowerCase()}`, value);
    return variables;
  }

  private async runSteps(bundle: Bundle, steps: Step[], variables: Map<string, string>): Promise<RunResult> {
    const executed: string[] = [];
    const get = (name: string): string | null => {
      const lower = name.toLowerCase();
      return lower.startsWith('request.header.') ? variables.get(lower) ?? null : variables.get(name) ?? null;
    };
    const set = (name: string, value: string) => variables.set(name, value);
    let response: { status: number; body: string } = { status: 200, body: '' };
    for (const step of steps) {
      if (step.condition && !compileCondition(step.condition).test(get)) continue;
      executed.push(step.policy);
      const policy = policyDocument(bundle, step.policy);
      try {
        const answer = await this.execute(bundle, policy, get, set);
        if (answer) response = answer;
      } catch (error) {
        if (error instanceof PolicyFault) {
          const fault = { policy: step.policy, status: error.status, body: error.body };
          return { status: fault.status, body: fault.body, fault, executed, variables };
        }
        throw error;
      }
    }
    return { ...response, executed, variables };
  }

  private async execute(bundle: Bundle, policy: El, get: (name: string) => string | null, set: (name: string, value: string) => void): Promise<{ status: number; body: string } | void> {
    const kind = policy.nodeName;
    const name = policy.getAttribute('name')!;
    if (policy.getAttribute('enabled') === 'false') return;
    if (policy.getAttribute('continueOnError') === 'true') throw new Error(`${name}: continueOnError is not supported by the test interpreter`);
    switch (kind) {
      case 'RaiseFault': {
        const setElement = child(child(policy, 'FaultResponse')!, 'Set')!;
        const payload = child(setElement, 'Payload');
        const prefix = payload?.getAttribute('variablePrefix') || '{';
        const suffix = payload?.getAttribute('variableSuffix') || '}';
        const body = (text(payload) ?? '').replace(new RegExp(`${escape(prefix)}([A-Za-z_][A-Za-z0-9_.]*)${escape(suffix)}`, 'g'), (_, v: string) => get(v) ?? '');
        throw new PolicyFault(Number(text(child(setElement, 'StatusCode'))), body);
      }
      case 'ServiceCallout': {
        const requestElement = child(policy, 'Request')!;
        const strict = text(child(requestElement, 'IgnoreUnresolvedVariables')) !== 'true';
        const setElement = child(requestElement, 'Set')!;
        const form: Record<string, string> = {};
        for (const param of children(child(setElement, 'FormParams')!, 'FormParam')) {
          const value = template(param.textContent ?? '', get, strict);
          if (value === null) throw new PolicyFault(500, JSON.stringify({ fault: `${name}: unresolved variable in FormParam ${param.getAttribute('name')}` }));
          form[param.getAttribute('name')!] = value;
        }
        const headers: Record<string, string> = {};
        for (const header of children(child(setElement, 'Headers') ?? policy, 'Header')) headers[header.getAttribute('name')!] = header.textContent ?? '';
        const url = text(child(child(policy, 'HTTPTargetConnection')!, 'URL'))!;
        this.callouts.push({ url, form });
        const answer = await fetch(url, { method: text(child(setElement, 'Verb')) ?? 'POST', headers, body: new URLSearchParams(form).toString(), signal: AbortSignal.timeout(Number(text(child(policy, 'Timeout')) ?? 55_000)) });
        const content = await answer.text();
        const responseVariable = text(child(policy, 'Response'))!;
        set(responseVariable, `[message ${answer.status}]`);
        set(`${responseVariable}.content`, content);
        set(`${responseVariable}.status.code`, String(answer.status));
        // Apigee's ServiceCallout raises a fault for any non-2xx status (success.codes default).
        if (answer.status < 200 || answer.status > 299) throw new PolicyFault(500, JSON.stringify({ fault: `${name}: ExecutionFailed, response status ${answer.status}` }));
        return;
      }
      case 'ExtractVariables': {
        const source = text(child(policy, 'Source'))!;
        const prefix = text(child(policy, 'VariablePrefix'));
        const content = get(`${source}.content`);
        if (content === null) throw new PolicyFault(500, JSON.stringify({ fault: `${name}: source ${source} is not set` }));
        let document: unknown;
        try {
          document = JSON.parse(content);
        } catch {
          throw new PolicyFault(500, JSON.stringify({ fault: `${name}: source is not JSON` }));
        }
        for (const variable of children(child(policy, 'JSONPayload')!, 'Variable')) {
          const value = jsonPath(document, text(child(variable, 'JSONPath'))!);
          if (value === undefined || value === null) continue;
          set(`${prefix ? prefix + '.' : ''}${variable.getAttribute('name')}`, typeof value === 'object' ? JSON.stringify(value) : String(value));
        }
        return;
      }
      case 'Javascript': {
        const resource = text(child(policy, 'ResourceURL'))!.replace(/^jsc:\/\//, '');
        const source = bundle.files.get(`${rootOf(bundle)}/resources/jsc/${resource}`);
        if (source === undefined) throw new Error(`${name}: resource ${resource} is missing`);
        const context = { getVariable: (n: string) => get(n), setVariable: (n: string, v: unknown) => set(n, String(v)) };
        try {
          vm.runInNewContext(source, { context }, { timeout: Number(policy.getAttribute('timeLimit') ?? 200) });
        } catch (error) {
          throw new PolicyFault(500, JSON.stringify({ fault: `${name}: ScriptExecutionFailed ${(error as Error).message}` }));
        }
        return;
      }
      case 'AssignMessage': {
        for (const assign of children(policy, 'AssignVariable')) {
          const ref = text(child(assign, 'Ref'));
          const value = ref ? get(ref) : text(child(assign, 'Value'));
          if (value !== null && value !== undefined) set(text(child(assign, 'Name'))!, value);
        }
        return;
      }
      case 'OAuthV2':
        return this.oauth(policy, get, set);
      default:
        throw new Error(`${name}: policy kind ${kind} is not supported by the test interpreter`);
    }
  }

  private oauth(policy: El, get: (name: string) => string | null, set: (name: string, value: string) => void): { status: number; body: string } | void {
    const operation = text(child(policy, 'Operation'));
    const fail = (status: number, error: string): never => {
      throw new PolicyFault(status, JSON.stringify({ error }));
    };
    if (operation === 'GenerateAccessToken') {
      const grantType = get(text(child(policy, 'GrantType')) ?? 'request.formparam.grant_type');
      const supported = children(child(policy, 'SupportedGrantTypes')!, 'GrantType').map((g) => text(g));
      if (grantType === null || !supported.includes(grantType)) fail(400, 'unsupported_grant_type');
      const clientId = get('request.formparam.client_id');
      // Even with external authorization, the client id must be a known, approved app credential.
      if (clientId === null || !this.apps.has(clientId)) fail(401, 'invalid_client');
      const external = text(child(policy, 'ExternalAuthorization')) === 'true' && get('oauth_external_authorization_status') === 'true';
      if (!external && get('request.formparam.client_secret') !== this.apps.get(clientId!)) fail(401, 'invalid_client');
      const externalElement = child(policy, 'ExternalAccessToken');
      const token = externalElement ? get(text(externalElement)!) : `apigee-${Math.random().toString(36).slice(2)}`;
      if (!token) fail(500, 'external access token is not set');
      const expiresElement = child(policy, 'ExpiresIn');
      const ref = expiresElement?.getAttribute('ref');
      const expiresInMs = Number((ref ? get(ref) : null) ?? text(expiresElement) ?? 3_600_000);
      const scopeElement = child(policy, 'Scope');
      const scope = get(text(scopeElement) ?? 'request.formparam.scope') ?? '';
      const attributes: Record<string, string> = {};
      for (const attribute of children(child(policy, 'Attributes') ?? policy, 'Attribute')) {
        const attributeRef = attribute.getAttribute('ref');
        const value = attributeRef ? get(attributeRef) : attribute.textContent;
        if (value !== null && value !== undefined) attributes[attribute.getAttribute('name')!] = value;
      }
      const issuedAt = this.now();
      if (text(child(policy, 'StoreToken')) !== 'false') this.tokens.set(token!, { token: token!, clientId: clientId!, scope, issuedAt, expiresAt: issuedAt + expiresInMs, attributes });
      if (child(policy, 'GenerateResponse')?.getAttribute('enabled') === 'true') {
        return { status: 200, body: JSON.stringify({ access_token: token, token_type: 'BearerToken', client_id: clientId, scope, expires_in: String(Math.floor(expiresInMs / 1000)), issued_at: String(issuedAt), status: 'approved', ...attributes }) };
      }
      return;
    }
    if (operation === 'VerifyAccessToken') {
      const header = get('request.header.authorization') ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const stored = match ? this.tokens.get(match[1]) : undefined;
      if (!stored) fail(401, 'invalid_access_token');
      if (stored!.expiresAt <= this.now()) fail(401, 'access_token_expired');
      if (!this.apps.has(stored!.clientId)) fail(401, 'invalid_client');
      const required = (text(child(policy, 'Scope')) ?? '').split(/\s+/).filter(Boolean);
      const held = stored!.scope.split(/\s+/).filter(Boolean);
      // Apigee: the policy succeeds when the token holds at least one of the listed scopes.
      if (required.length && !required.some((s) => held.includes(s))) fail(403, 'insufficient_scope');
      set('scope', stored!.scope);
      set('client_id', stored!.clientId);
      set('expires_in', String(Math.floor((stored!.expiresAt - this.now()) / 1000)));
      for (const [attribute, value] of Object.entries(stored!.attributes)) set(`accesstoken.${attribute}`, value);
      return;
    }
    throw new Error(`OAuthV2 operation ${operation} is not supported by the test interpreter`);
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

class PolicyFault extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`fault ${status}`);
  }
}
