/**
 * The Script conditions of scope policies as AM scripts: the built policy-condition template
 * (scripts/policy-condition.ts) followed by one call that hands it the compiled rule as a JSON
 * literal. One script per distinct rule, named by a digest of it, so equal conditions share a
 * script, a changed condition is a new script (the policy moves to it; the old one is deleted once
 * unused), and every environment given the same access files computes the same names — what a
 * promotion of static configuration needs. Pure.
 */
import { createHash } from 'node:crypto';
import { checkEs5 } from '../../build/es5-gate.js';
import { ruleProblem, type ConditionRule } from '../../../scripts/policy-condition-rule.js';
import { MANAGED_MARKER, type DesiredObject } from '../model.js';
import type { BundleSource } from './machinery.js';
import { SCRIPTS } from './names.js';

/** The template's global (build-scripts.ts SCRIPT_SPECS globalName of 'policy-condition'). */
const TEMPLATE_GLOBAL = '__policyCondition';

/** Every condition script's name starts so: the script kind reads them all, to find those no policy needs any more. */
export const CONDITION_SCRIPT_PREFIX = `${SCRIPTS['policy-condition'].name} `;

/**
 * The rule as a JavaScript expression: JSON, with the two characters JSON allows in strings but
 * ES5 source does not (U+2028, U+2029) escaped. Nothing else of the value reaches the source.
 */
export function ruleLiteral(rule: ConditionRule): string {
  return JSON.stringify(rule).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export const conditionScriptName = (rule: ConditionRule): string => `${CONDITION_SCRIPT_PREFIX}${rule.effect} ${createHash('sha256').update(JSON.stringify(rule)).digest('hex').slice(0, 16)}`;

/** What the rule says, for the script's description (the admin console shows it beside the name). */
export function describeRule(rule: ConditionRule): string {
  const literal = (l: ConditionRule['anyOf'][number][number]) =>
    'client' in l ? `client ${l.not ? 'not ' : ''}in [${l.client.join(', ')}]` : `attribute ${l.attribute} ${l.not ? 'does not hold' : 'holds'} ${JSON.stringify(l.value)}`;
  const text = rule.anyOf.map((conjunction) => conjunction.map(literal).join(' and ')).join('; or ');
  const onFailure = rule.effect === 'deny' ? 'cannot be evaluated: holds (the deny applies)' : 'cannot be evaluated: does not hold';
  const bounded = text.length > 700 ? `${text.slice(0, 699)}…` : text;
  return `Scope policy condition (${rule.effect}): ${bounded}. When it ${onFailure}. Built from scripts/policy-condition.ts. ${MANAGED_MARKER}`;
}

/** The condition template among the built bundles; a clear error when the build left it out. */
export function conditionTemplate(scripts: readonly BundleSource[]): BundleSource {
  const template = scripts.find((bundle) => bundle.name === 'policy-condition');
  if (!template) throw new Error('scripts: no policy-condition bundle was built, but scopePolicies has client or claim rules, which need it (build the legacy bundles)');
  if (template.context !== 'POLICY_CONDITION') throw new Error(`scripts: the policy-condition bundle has context ${template.context}, expected POLICY_CONDITION`);
  return template;
}

/** The script of one compiled rule: the template, then the call. */
export function conditionScript(rule: ConditionRule, template: BundleSource): DesiredObject<'script'> {
  const problem = ruleProblem(rule);
  if (problem) throw new Error(`scopePolicies: compiled a condition the script would refuse (${problem}): this is a bug`);
  const name = conditionScriptName(rule);
  const source = `${template.source}\n${TEMPLATE_GLOBAL}.evaluate(${ruleLiteral(rule)});\n`;
  // The composed source goes through the same gate as the bundles: what AM's engine would refuse is never written.
  const problems = checkEs5(source, name);
  if (problems.length) throw new Error(problems.join('\n'));
  return { kind: 'script', id: name, spec: { name, description: describeRule(rule), source, language: 'JAVASCRIPT', context: 'POLICY_CONDITION', evaluatorVersion: SCRIPTS['policy-condition'].evaluatorVersion, default: false } };
}
