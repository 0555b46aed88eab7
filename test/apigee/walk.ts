/**
 * Static data-flow check of a bundle: walks each flow's steps in execution order and reports every
 * step whose policy file is missing, and every variable a policy reads before an earlier step (or
 * the request) has set it. Reads and writes are derived from the policy XML and, for JavaScript,
 * from the script's syntax tree — not from the generator's specs.
 */
import { parse } from 'acorn';
import { simple } from 'acorn-walk';
import type { Element } from '@xmldom/xmldom';
import { child, children, compileCondition, parseXml, policyDocument, rootOf, stepsOf, text, type Bundle, type Step } from './interpreter.js';

export interface Effects {
  reads: string[];
  writes: string[];
  /** RaiseFault: the flow ends here when the step runs. */
  ends?: boolean;
}

/** context.getVariable('x') / context.setVariable('x', …) with literal names; anything else is refused. */
export function scriptEffects(source: string): Effects {
  const reads: string[] = [];
  const writes: string[] = [];
  simple(parse(source, { ecmaVersion: 5 }), {
    CallExpression(node) {
      const call = node as unknown as { callee: { type: string; object?: { type: string; name?: string }; property?: { name?: string } }; arguments: { type: string; value?: unknown }[] };
      if (call.callee.type !== 'MemberExpression' || call.callee.object?.name !== 'context') return;
      const method = call.callee.property?.name;
      if (method !== 'getVariable' && method !== 'setVariable') return;
      const argument = call.arguments[0];
      if (argument?.type !== 'Literal' || typeof argument.value !== 'string') throw new Error(`context.${method} with a computed name cannot be checked`);
      (method === 'getVariable' ? reads : writes).push(argument.value);
    },
  });
  return { reads, writes };
}

export function policyEffects(bundle: Bundle, policy: Element, tokenAttributes: string[]): Effects {
  const name = policy.getAttribute('name');
  switch (policy.nodeName) {
    case 'RaiseFault':
      return { reads: [], writes: [], ends: true };
    case 'ServiceCallout': {
      const reads: string[] = [];
      const set = child(child(policy, 'Request')!, 'Set')!;
      for (const element of [...children(child(set, 'FormParams')!, 'FormParam'), ...children(child(set, 'Headers') ?? set, 'Header')]) {
        for (const match of (element.textContent ?? '').matchAll(/\{([^}]+)\}/g)) reads.push(match[1]);
      }
      const response = text(child(policy, 'Response'))!;
      return { reads, writes: [response, `${response}.content`, `${response}.status.code`] };
    }
    case 'ExtractVariables': {
      const prefix = text(child(policy, 'VariablePrefix'));
      const writes = children(child(policy, 'JSONPayload')!, 'Variable').map((v) => `${prefix ? prefix + '.' : ''}${v.getAttribute('name')}`);
      return { reads: [text(child(policy, 'Source'))!], writes };
    }
    case 'Javascript': {
      const resource = text(child(policy, 'ResourceURL'))!.replace(/^jsc:\/\//, '');
      const source = bundle.files.get(`${rootOf(bundle)}/resources/jsc/${resource}`);
      if (source === undefined) throw new Error(`${name}: resource ${resource} is missing`);
      return scriptEffects(source);
    }
    case 'AssignMessage':
      return {
        reads: children(policy, 'AssignVariable').map((a) => text(child(a, 'Ref'))).filter((r): r is string => Boolean(r)),
        writes: children(policy, 'AssignVariable').map((a) => text(child(a, 'Name'))!),
      };
    case 'OAuthV2': {
      const operation = text(child(policy, 'Operation'));
      if (operation === 'VerifyAccessToken') return { reads: ['request.header.authorization'], writes: ['scope', 'client_id', 'expires_in', ...tokenAttributes.map((a) => `accesstoken.${a}`)] };
      if (operation !== 'GenerateAccessToken') throw new Error(`${name}: operation ${operation} unknown to the walker`);
      const reads = [text(child(policy, 'GrantType')) ?? 'request.formparam.grant_type', text(child(policy, 'Scope')) ?? 'request.formparam.scope', 'request.formparam.client_id'];
      for (const element of ['ExternalAccessToken', 'ExternalRefreshToken', 'ExternalAuthorizationCode']) {
        const value = text(child(policy, element));
        if (value) reads.push(value);
      }
      const expiresRef = child(policy, 'ExpiresIn')?.getAttribute('ref');
      if (expiresRef) reads.push(expiresRef);
      for (const attribute of children(child(policy, 'Attributes') ?? policy, 'Attribute')) {
        const ref = attribute.getAttribute('ref');
        if (ref) reads.push(ref);
      }
      // Apigee reads this variable to skip its own client-secret check.
      if (text(child(policy, 'ExternalAuthorization')) === 'true') reads.push('oauth_external_authorization_status');
      return { reads, writes: [] };
    }
    default:
      throw new Error(`${name}: policy kind ${policy.nodeName} unknown to the walker`);
  }
}

export interface WalkOptions {
  /** Variables the caller provides (beyond request.* and proxy.pathsuffix). */
  inputs?: string[];
  /** Custom attributes tokens carry (accesstoken.<name> after VerifyAccessToken). */
  tokenAttributes?: string[];
}

/** Every flow of the bundle as ordered step lists (proxy: PreFlow + each conditional flow). */
export function flowsOf(bundle: Bundle): { name: string; condition?: string; steps: Step[] }[] {
  if (rootOf(bundle) === 'sharedflowbundle') {
    const root = parseXml(bundle.files.get('sharedflowbundle/sharedflows/default.xml')!).documentElement!;
    return [{ name: 'default', steps: stepsOf(root) }];
  }
  const endpoint = parseXml(bundle.files.get('apiproxy/proxies/default.xml')!).documentElement!;
  const pre = stepsOf(child(child(endpoint, 'PreFlow')!, 'Request'));
  return children(child(endpoint, 'Flows')!, 'Flow').map((flow) => ({ name: flow.getAttribute('name')!, condition: text(child(flow, 'Condition')), steps: [...pre, ...stepsOf(child(flow, 'Request'))] }));
}

export function walkBundle(bundle: Bundle, options: WalkOptions = {}): string[] {
  const problems: string[] = [];
  const isInput = (variable: string) => variable.startsWith('request.') || variable === 'proxy.pathsuffix' || (options.inputs ?? []).includes(variable);
  for (const flow of flowsOf(bundle)) {
    if (flow.condition) for (const variable of compileCondition(flow.condition).variables) if (!isInput(variable)) problems.push(`flow ${flow.name}: condition reads ${variable}, which is not a request variable`);
    const definite = new Set<string>();
    const maybe = new Set<string>();
    for (const step of flow.steps) {
      let policy: Element;
      try {
        policy = policyDocument(bundle, step.policy);
      } catch (error) {
        problems.push(`flow ${flow.name}: ${(error as Error).message}`);
        continue;
      }
      // A condition may test a variable only possibly set (an unset variable is null there), but
      // never one that no earlier step sets at all: that would be a typo deciding silently.
      for (const variable of step.condition ? compileCondition(step.condition).variables : []) {
        if (!isInput(variable) && !definite.has(variable) && !maybe.has(variable)) problems.push(`flow ${flow.name}: step ${step.policy}: condition reads ${variable}, which no earlier step sets`);
      }
      let effects: Effects;
      try {
        effects = policyEffects(bundle, policy, options.tokenAttributes ?? []);
      } catch (error) {
        problems.push(`flow ${flow.name}: step ${step.policy}: ${(error as Error).message}`);
        continue;
      }
      for (const variable of effects.reads) if (!isInput(variable) && !definite.has(variable)) problems.push(`flow ${flow.name}: step ${step.policy} reads ${variable} before any earlier step sets it`);
      if (effects.ends && !step.condition) break;
      for (const variable of effects.writes) (step.condition ? maybe : definite).add(variable);
    }
  }
  return problems;
}
