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

/**
 * The scopes (without the api://P/ prefix) granted by the evaluation. Only rows for resources that
 * were requested count, matched exactly; only `actions.GRANT === true` grants.
 */
export function grantedScopes(status: number, body: string, requested: { raw: string; scope: string }[]): Outcome<string[]> {
  if (status !== 200) return { ok: false, error: 'policy evaluation answered HTTP ' + status };
  let rows: unknown;
  try {
    rows = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: 'policy evaluation answered something that is not JSON' };
  }
  if (!Array.isArray(rows)) return { ok: false, error: 'policy evaluation answered JSON that is not an array of decisions' };
  const granted: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as { resource?: unknown; actions?: unknown } | null;
    if (!row || typeof row !== 'object' || typeof row.resource !== 'string' || !row.actions || typeof row.actions !== 'object') {
      return { ok: false, error: 'policy evaluation answered a decision without resource and actions' };
    }
    for (let j = 0; j < requested.length; j++) {
      if (requested[j].raw === row.resource && (row.actions as { GRANT?: unknown }).GRANT === true && granted.indexOf(requested[j].scope) < 0) {
        granted.push(requested[j].scope);
      }
    }
  }
  return { ok: true, value: granted };
}
