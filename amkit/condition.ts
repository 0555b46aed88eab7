/**
 * AM's scripted policy condition (context POLICY_CONDITION, legacy): the bindings a condition
 * script reads (environment, identity, username, resourceURI, requestParamsMap) and the decision
 * it leaves behind (authorized, advice, responseAttributes, ttl), read back after the run.
 */
import { createIdentity } from './bindings.js';
import { JavaList, JavaMap, JavaSet, javaString } from './java.js';
import type { BindingInput, ConditionOutcome } from './types.js';

/** The condition-specific globals; `authorized` starts false, so a script that never decides denies. */
export function createConditionBindings(input: BindingInput): Record<string, unknown> {
  const environment = new JavaMap();
  for (const [name, values] of Object.entries(input.environment ?? {})) environment.put(name, new JavaSet(values));
  const params = new JavaMap();
  for (const [name, values] of Object.entries(input.requestParamsMap ?? {})) params.put(name, new JavaList(values.map(javaString)));
  return {
    environment,
    identity: input.identity ? createIdentity(input.identity.attributes) : null,
    // Globals bound directly are JS strings in Rhino; only strings returned by Java methods are objects.
    username: input.username ?? null,
    resourceURI: input.resourceURI ?? null,
    requestParamsMap: params,
    session: null,
    authorized: false,
    advice: new JavaMap(),
    responseAttributes: new JavaMap(),
  };
}

function values(value: unknown): string[] {
  if (value instanceof JavaSet || value instanceof JavaList) return value.values();
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

/** A map the script filled (a java.util.Map, or an object it assigned instead): name → values. */
function readMap(value: unknown): Record<string, string[]> {
  const entries = value instanceof JavaMap ? Object.entries(value.toObject()) : value && typeof value === 'object' ? Object.entries(value) : [];
  return Object.fromEntries(entries.map(([name, inner]) => [name, values(inner)]));
}

export function readCondition(scope: Record<string, unknown>): ConditionOutcome {
  const authorized = scope.authorized;
  return {
    authorized: authorized === true || (authorized instanceof Boolean && authorized.valueOf() === true),
    advice: readMap(scope.advice),
    responseAttributes: readMap(scope.responseAttributes),
    ttl: typeof scope.ttl === 'number' ? scope.ttl : null,
  };
}
