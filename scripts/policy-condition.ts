/**
 * The deploy tool's Script condition of scope policies (context POLICY_CONDITION, legacy engine).
 * Thin layer: reads AM's condition bindings — `environment` (clientId of an OAuth2 scope decision)
 * and `identity` (the resource owner, bound only when the subject has a session) — and sets
 * `authorized`. The decision is in policy-condition-rule.ts.
 *
 * The bundle alone decides nothing: the tool deploys one script per compiled condition, this
 * bundle followed by `__policyCondition.evaluate(<rule as a JSON literal>);`. The rule is data,
 * never code, so no client id or attribute value can inject into the script.
 *
 * Fail closed: nothing is thrown out of the script (AM fails the whole decision on an exception);
 * an error takes the rule's failure outcome (a grant condition does not hold, a deny one does),
 * and one logger.warning line says why (never an attribute value).
 */
import { decide, failureOutcome } from './policy-condition-rule';
import { setToArray } from './lib/java';

// AM binds `environment` always and `identity` only with a session: a missing one is not declared at all.
declare const environment: JavaMap<string, JavaSet> | null | undefined;
declare let authorized: boolean;

const LOG_PREFIX = '[aic-api-to-api scope condition] ';

function clientIds(): string[] | null {
  if (typeof environment === 'undefined' || environment === null) return null;
  const values = environment.get('clientId') as JavaSet | null;
  return values === null || values === undefined ? null : setToArray(values);
}

function attribute(name: string): string[] | null {
  if (typeof identity === 'undefined' || identity === null) return null;
  return setToArray(identity.getAttribute(name));
}

export function evaluate(rule: unknown): void {
  let holds = failureOutcome(rule);
  try {
    const outcome = decide(rule, { clientIds: clientIds(), attribute });
    holds = outcome.holds;
    if (outcome.reason) logger.warning(LOG_PREFIX + outcome.reason + (holds ? ': the deny applies' : ': the grant does not apply'));
  } catch (thrown) {
    logger.warning(LOG_PREFIX + 'could not be evaluated (' + String(thrown) + ')' + (holds ? ': the deny applies' : ': the grant does not apply'));
  }
  authorized = holds === true;
}
