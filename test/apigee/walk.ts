/**
 * Static data-flow check of a bundle: walks each flow's steps in execution order (and each fault
 * rule's, after any flow) and reports every step whose policy file is missing, every variable a
 * policy needs before an earlier step (or the request) has surely set it, and every variable a
 * script or condition reads that nothing sets at all (a typo deciding silently). Reads and writes
 * come from the policy XML and, for JavaScript, from the script's syntax tree — not from the
 * generator's specs.
 */
import { parse } from 'acorn';
import { simple } from 'acorn-walk';
import type { Element } from '@xmldom/xmldom';
import { child, children, compileCondition, parseXml, stepsOf, templateReads, text, type Step } from './flow-lang.js';
import { policyDocument, rootOf, type Bundle } from './interpreter.js';

export interface Effects {
  /** Must be surely set by an earlier step (an unresolved reference fails the policy). */
  reads: string[];
  /** May be unset (the reader handles null), but something must set them. */
  tolerantReads?: string[];
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
  return { reads: [], tolerantReads: reads, writes };
}

const templates = (elements: (Element | undefined)[]) =>
  elements.filter((e): e is Element => Boolean(e)).flatMap((e) => templateReads(e.textContent ?? '', e.getAttribute('variablePrefix') || '{', e.getAttribute('variableSuffix') || '}'));

function messageSet(set: Element | undefined): Element[] {
  if (!set) return [];
  return [...children(child(set, 'Headers') ?? set, 'Header'), ...children(set, 'Payload'), ...children(set, 'StatusCode')];
}

export function policyEffects(bundle: Bundle, policy: Element): Effects {
  const name = policy.getAttribute('name');
  switch (policy.nodeName) {
    case 'RaiseFault':
      return { reads: templates(messageSet(child(child(policy, 'FaultResponse'), 'Set'))), writes: [], ends: true };
    case 'ServiceCallout': {
      const set = child(child(policy, 'Request')!, 'Set')!;
      const reads = templates([...children(child(set, 'FormParams')!, 'FormParam'), ...children(child(set, 'Headers') ?? set, 'Header')]);
      const response = text(child(policy, 'Response'))!;
      return { reads, writes: [response, `${response}.content`, `${response}.status.code`] };
    }
    case 'Javascript': {
      const resource = text(child(policy, 'ResourceURL'))!.replace(/^jsc:\/\//, '');
      const source = bundle.files.get(`${rootOf(bundle)}/resources/jsc/${resource}`);
      if (source === undefined) throw new Error(`${name}: resource ${resource} is missing`);
      return scriptEffects(source);
    }
    case 'AssignMessage':
      return {
        reads: [...children(policy, 'AssignVariable').map((a) => text(child(a, 'Ref'))).filter((r): r is string => Boolean(r)), ...templates(messageSet(child(policy, 'Set')))],
        writes: children(policy, 'AssignVariable').map((a) => text(child(a, 'Name'))!),
      };
    case 'FlowCallout':
      return { reads: [], writes: children(child(policy, 'Parameters')!, 'Parameter').map((p) => p.getAttribute('name')!) };
    case 'GetOAuthV2Info': {
      const ref = child(policy, 'AccessToken')?.getAttribute('ref');
      return { reads: ref ? [ref] : [], writes: [`oauthv2accesstoken.${name}.client_id`, `oauthv2accesstoken.${name}.scope`] };
    }
    case 'OAuthV2': {
      const operation = text(child(policy, 'Operation'));
      if (operation === 'VerifyAccessToken') return { reads: ['request.header.authorization'], writes: ['scope', 'client_id', 'apiproduct.name', 'expires_in'] };
      if (operation === 'InvalidateToken') return { reads: children(child(policy, 'Tokens')!, 'Token').map((t) => text(t)!), writes: [] };
      if (operation !== 'GenerateAccessToken') throw new Error(`${name}: operation ${operation} unknown to the walker`);
      const reads = [text(child(policy, 'GrantType')) ?? 'request.formparam.grant_type', text(child(policy, 'Scope')) ?? 'request.formparam.scope', 'request.formparam.client_id'];
      for (const element of ['ExternalAccessToken', 'ExternalRefreshToken', 'ExternalAuthorizationCode']) {
        const value = text(child(policy, element));
        if (value) reads.push(value);
      }
      const expiresRef = child(policy, 'ExpiresIn')?.getAttribute('ref');
      if (expiresRef) reads.push(expiresRef);
      // Apigee reads this variable to skip its own client-secret check.
      if (text(child(policy, 'ExternalAuthorization')) === 'true') reads.push('oauth_external_authorization_status');
      return { reads, writes: [`oauthv2accesstoken.${name}.access_token`, `oauthv2accesstoken.${name}.scope`, `oauthv2accesstoken.${name}.expires_in`] };
    }
    default:
      throw new Error(`${name}: policy kind ${policy.nodeName} unknown to the walker`);
  }
}

export interface WalkOptions {
  /** Variables the caller provides (beyond request.*, proxy.* and the like). */
  inputs?: string[];
}

/** Every flow of the bundle as ordered step lists (proxy: PreFlow + each conditional flow + PostFlow). */
export function flowsOf(bundle: Bundle): { name: string; condition?: string; steps: Step[] }[] {
  if (rootOf(bundle) === 'sharedflowbundle') {
    const root = parseXml(bundle.files.get('sharedflowbundle/sharedflows/default.xml')!).documentElement!;
    return [{ name: 'default', steps: stepsOf(root) }];
  }
  const endpoint = parseXml(bundle.files.get('apiproxy/proxies/default.xml')!).documentElement!;
  const pre = stepsOf(child(child(endpoint, 'PreFlow'), 'Request'));
  const post = stepsOf(child(child(endpoint, 'PostFlow'), 'Request'));
  return children(child(endpoint, 'Flows')!, 'Flow').map((flow) => ({ name: flow.getAttribute('name')!, condition: text(child(flow, 'Condition')), steps: [...pre, ...stepsOf(child(flow, 'Request')), ...post] }));
}

export function faultRulesOf(bundle: Bundle): { name: string; condition?: string; steps: Step[] }[] {
  if (rootOf(bundle) === 'sharedflowbundle') return [];
  const endpoint = parseXml(bundle.files.get('apiproxy/proxies/default.xml')!).documentElement!;
  const rules = children(child(endpoint, 'FaultRules') ?? endpoint, 'FaultRule').map((rule) => ({ name: `fault rule ${rule.getAttribute('name')}`, condition: text(child(rule, 'Condition')), steps: stepsOf(rule) }));
  const fallback = child(endpoint, 'DefaultFaultRule');
  return fallback ? [...rules, { name: 'default fault rule', steps: stepsOf(fallback) }] : rules;
}

const SYSTEM = /^(request\.|proxy\.|apiproxy\.|environment\.)/;

export function walkBundle(bundle: Bundle, options: WalkOptions = {}): string[] {
  const problems: string[] = [];
  const isInput = (variable: string) => SYSTEM.test(variable) || (options.inputs ?? []).includes(variable);
  const everWritten = new Set<string>();
  const effectsOf = new Map<string, Effects>();
  const lookup = (flow: string, step: Step): Effects | undefined => {
    if (effectsOf.has(step.policy)) return effectsOf.get(step.policy);
    try {
      const effects = policyEffects(bundle, policyDocument(bundle, step.policy));
      effectsOf.set(step.policy, effects);
      return effects;
    } catch (error) {
      problems.push(`flow ${flow}: ${/step names policy/.test((error as Error).message) ? '' : `step ${step.policy}: `}${(error as Error).message}`);
      return undefined;
    }
  };
  const flows = flowsOf(bundle);
  const faultRules = faultRulesOf(bundle);
  for (const flow of [...flows, ...faultRules]) for (const step of flow.steps) for (const w of lookup(flow.name, step)?.writes ?? []) everWritten.add(w);

  const walk = (flow: { name: string; condition?: string; steps: Step[] }, known: Set<string>, maybe: Set<string>) => {
    const prefix = flow.name.startsWith('fault') || flow.name.startsWith('default') ? flow.name : `flow ${flow.name}`;
    if (flow.condition) for (const variable of compileCondition(flow.condition).variables) if (!isInput(variable) && !maybe.has(variable)) problems.push(`${prefix}: condition reads ${variable}, which is not a request variable`);
    const definite = new Set(known);
    const possible = new Set(maybe);
    for (const step of flow.steps) {
      // A condition may test a variable only possibly set (an unset variable is null there), but
      // never one that no earlier step sets at all: that would be a typo deciding silently.
      for (const variable of step.condition ? compileCondition(step.condition).variables : []) {
        if (!isInput(variable) && !definite.has(variable) && !possible.has(variable)) problems.push(`${prefix}: step ${step.policy}: condition reads ${variable}, which no earlier step sets`);
      }
      const effects = effectsOf.get(step.policy);
      if (!effects) continue;
      for (const variable of effects.reads) if (!isInput(variable) && !definite.has(variable)) problems.push(`${prefix}: step ${step.policy} reads ${variable} before any earlier step sets it`);
      for (const variable of effects.tolerantReads ?? []) if (!isInput(variable) && !definite.has(variable) && !possible.has(variable)) problems.push(`${prefix}: step ${step.policy} reads ${variable}, which no earlier step sets`);
      if (effects.ends && !step.condition) break;
      for (const variable of effects.writes) (step.condition ? possible : definite).add(variable);
    }
  };
  for (const flow of flows) walk(flow, new Set(), new Set());
  // A fault can happen after any step: what a flow writes is only possibly set in a fault rule,
  // and so are the failure variables Apigee sets.
  const failures = new Set(['fault.name', 'oauthV2.failed']);
  for (const step of new Set([...flows, ...faultRules].flatMap((f) => f.steps.map((s) => s.policy)))) {
    for (const family of ['servicecallout', 'oauthV2', 'javascript', 'raisefault', 'assignmessage', 'flowcallout']) failures.add(`${family}.${step}.failed`);
  }
  for (const rule of faultRules) walk(rule, new Set(), new Set([...everWritten, ...failures]));
  return problems;
}
