/**
 * Reads AM's answers: the agent login and the policy evaluation.
 * Pure; any unexpected shape is an error, so that the caller fails closed.
 */

export interface Outcome<T> {
  ok: boolean;
  value?: T;
  error?: string;
}

export function readSsoToken(status: number, body: string): Outcome<string> {
  if (status !== 200) return { ok: false, error: 'agent authentication answered HTTP ' + status };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: 'agent authentication answered something that is not JSON' };
  }
  const tokenId = parsed && typeof parsed === 'object' ? (parsed as { tokenId?: unknown }).tokenId : undefined;
  if (typeof tokenId !== 'string' || tokenId.length === 0) return { ok: false, error: 'agent authentication answered without a tokenId' };
  return { ok: true, value: tokenId };
}

/** The session cookie name from a serverinfo answer, or an error (the caller then gives up on the logout). */
export function readCookieName(status: number, body: string): Outcome<string> {
  if (status !== 200) return { ok: false, error: 'server information answered HTTP ' + status };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: 'server information answered something that is not JSON' };
  }
  const name = parsed && typeof parsed === 'object' ? (parsed as { cookieName?: unknown }).cookieName : undefined;
  if (typeof name !== 'string' || name.length === 0) return { ok: false, error: 'server information named no cookie' };
  return { ok: true, value: name };
}

/**
 * The static response attribute every audience-scope policy carries: the exact audience scope it
 * decides. AM matches resources case-insensitively (and a foreign policy may use wildcards), so a
 * GRANT alone could come from another scope's policy; the attribute says which policy applied.
 */
export const AUDIENCE_SCOPE_ATTRIBUTE = 'aicApiToApiScope';

function carriesScope(attributes: unknown, raw: string): boolean {
  if (!attributes || typeof attributes !== 'object') return false;
  const values = (attributes as Record<string, unknown>)[AUDIENCE_SCOPE_ATTRIBUTE];
  if (!Array.isArray(values)) return false;
  for (let i = 0; i < values.length; i++) if (values[i] === raw) return true;
  return false;
}

/**
 * The scopes (without the api://P/ prefix) granted by the evaluation. Only rows for resources that
 * were requested count, matched exactly; a scope is granted only when `actions.GRANT === true` and
 * the applying policies' attributes name exactly that scope (case included).
 */
export function grantedScopes(status: number, body: string, requested: { raw: string; scope: string }[]): Outcome<string[]> {
  if (status !== 200) return { ok: false, error: 'policy evaluation answered HTTP ' + status };
  let rows: unknown;
  try {
    rows = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: 'policy evaluation answered something that is not JSON' };
  }
  return grantedFromDecisions(rows, requested);
}

/**
 * The same reading for decisions already parsed (the next-generation `policy` binding answers them
 * as data): an array of {resource, actions, attributes}; any other shape is an error.
 */
export function grantedFromDecisions(rows: unknown, requested: { raw: string; scope: string }[]): Outcome<string[]> {
  if (!Array.isArray(rows)) return { ok: false, error: 'policy evaluation answered JSON that is not an array of decisions' };
  const granted: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as { resource?: unknown; actions?: unknown; attributes?: unknown } | null;
    if (!row || typeof row !== 'object' || typeof row.resource !== 'string' || !row.actions || typeof row.actions !== 'object') {
      return { ok: false, error: 'policy evaluation answered a decision without resource and actions' };
    }
    for (let j = 0; j < requested.length; j++) {
      const exact = requested[j].raw === row.resource && carriesScope(row.attributes, requested[j].raw);
      if (exact && (row.actions as { GRANT?: unknown }).GRANT === true && granted.indexOf(requested[j].scope) < 0) {
        granted.push(requested[j].scope);
      }
    }
  }
  return { ok: true, value: granted };
}
