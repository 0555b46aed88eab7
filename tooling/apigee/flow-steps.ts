/**
 * Pieces every generated flow shares: step conditions, the no-store headers, the error responses
 * built from the body the fault-mapping script encodes, and the catch-all fault rule.
 */
import type { PolicySpec } from './policy-xml.js';
import type { StepSpec } from './xml.js';

export function condition(variable: string, operator: '=' | '!=', literal: string): string {
  return `(${variable} ${operator} ${JSON.stringify(literal)})`;
}

export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
export const ERROR_BODY = 'aic_api_to_api.error_body';

/** Error responses built from the script-encoded body, one per status the fault mapping produces. */
export function errorResponses(): PolicySpec[] {
  return [
    [400, 'Bad Request'],
    [500, 'Internal Server Error'],
    [502, 'Bad Gateway'],
    [503, 'Service Unavailable'],
  ].map(([status, reason]) => ({ kind: 'AssignMessage', name: `AM-Error-${status}`, response: { status: status as number, reason: reason as string, headers: NO_STORE, payload: { variable: ERROR_BODY } } }));
}

export const serverError = (name: string): PolicySpec => ({ kind: 'AssignMessage', name, response: { status: 500, reason: 'Internal Server Error', headers: NO_STORE, payload: { json: { error: 'server_error' } } } });
/** RaiseFault's own responses are kept; anything else the fault rules did not map becomes a bare 500. */
export const defaultFaultRule = (policy: string): StepSpec[] => [{ policy, condition: condition('fault.name', '!=', 'RaiseFault') }];
