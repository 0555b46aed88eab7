/** Small helpers every handler uses: AM-shaped errors, JSON bodies, realm lookup, query filters, paging. */
import type { JsonObject, JsonValue, RealmState, TenantContext, TenantRequest, TenantResponse } from './types.js';

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

export function amError(status: number, message: string, detail?: JsonObject): TenantResponse {
  const body: JsonObject = { code: status, reason: REASONS[status] ?? 'Error', message };
  if (detail) body.detail = detail;
  return { status, body };
}

export function ok(body: JsonValue, status = 200): TenantResponse {
  return { status, body };
}

/** The request's JSON object body, or the 400 to answer. */
export function jsonBody(req: TenantRequest): { body: JsonObject; error?: undefined } | { body?: undefined; error: TenantResponse } {
  if (!req.body) return { body: {} };
  try {
    const parsed = JSON.parse(req.body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { body: parsed as JsonObject };
    return { error: amError(400, 'The request body must be a JSON object') };
  } catch {
    return { error: amError(400, 'The request could not be parsed as JSON') };
  }
}

export function formBody(req: TenantRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(req.body));
}

export function realmOf(tenant: TenantContext, name: string): RealmState | undefined {
  return tenant.state.realms[decodeURIComponent(name)];
}

export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** `_queryFilter` support: true, <field> eq "<value>" joined by or/and; a value with regex syntax matches as an anchored regex. */
export function matchesFilter(filter: string | undefined, object: JsonObject): boolean {
  if (!filter || filter.trim() === 'true') return true;
  const orParts = filter.split(/\s+or\s+/);
  return orParts.some((part) =>
    part.split(/\s+and\s+/).every((clause) => {
      const match = /^\s*\(?\s*([\w.]+)\s+(eq|sw|co)\s+"((?:[^"\\]|\\.)*)"\s*\)?\s*$/.exec(clause);
      if (!match) return clause.trim() === 'true';
      const [, field, op, raw] = match;
      const expected = raw.replace(/\\(.)/g, '$1');
      const actual = String(object[field] ?? '');
      if (op === 'sw') return actual.startsWith(expected);
      if (op === 'co') return actual.includes(expected);
      if (/[\^$*()[\]?]/.test(expected)) {
        try {
          return new RegExp(`^(?:${expected})$`).test(actual);
        } catch {
          return actual === expected;
        }
      }
      return actual === expected;
    }),
  );
}

/** CREST paging: _pageSize with _pagedResultsOffset or _pagedResultsCookie (the cookie is the next offset). */
export function page(req: TenantRequest, rows: JsonObject[]): TenantResponse {
  const size = Number(req.query._pageSize ?? 0);
  const offset = Number(req.query._pagedResultsCookie ?? req.query._pagedResultsOffset ?? 0) || 0;
  const slice = size > 0 ? rows.slice(offset, offset + size) : rows.slice(offset);
  const next = size > 0 && offset + size < rows.length ? String(offset + size) : null;
  return ok({ result: slice, resultCount: slice.length, pagedResultsCookie: next, totalPagedResultsPolicy: 'NONE', totalPagedResults: -1, remainingPagedResults: -1 });
}

export function nowIso(): string {
  return new Date().toISOString();
}

export function revision(object: JsonValue): string {
  let hash = 0;
  const text = JSON.stringify(object);
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) | 0;
  return String(hash);
}
