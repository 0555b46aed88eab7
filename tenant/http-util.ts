/**
 * Small helpers every handler uses: AM-shaped errors, JSON and form bodies, repeated parameters,
 * own-property lookups, realm lookup. List queries live in query.ts.
 */
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
    // AIC's text (recorded: frodo-lib JourneyOps importJourney of a body with trailing data).
    return { error: amError(400, 'The request could not be processed because the provided content is not valid JSON') };
  }
}

/** The form body's parameters (last one wins; see repeatedParameter for refusing repeats). */
export function formBody(req: TenantRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(req.body));
}

function firstRepeat(params: URLSearchParams, seen: Set<string>): string | undefined {
  for (const name of params.keys()) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/**
 * The first parameter sent more than once, in the form body and (with `includeQuery`) the query
 * string together. RFC 6749 §3.1: parameters MUST NOT be included more than once; AM refuses them
 * with 400 invalid_request (DuplicateRequestParameterValidator). Last-one-wins parsing would let a
 * second `scope` or `client_id` silently override the first.
 */
export function repeatedParameter(req: TenantRequest, includeQuery: boolean): string | undefined {
  const seen = new Set<string>();
  const inQuery = includeQuery ? firstRepeat(new URLSearchParams(req.rawQuery ?? ''), seen) : undefined;
  return inQuery ?? firstRepeat(new URLSearchParams(req.body), seen);
}

/** `record[key]` only when it is the record's own entry: `__proto__`, `constructor`, `toString` are never found by accident. */
export function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** A realm by its (already decoded) path name; unknown names, including prototype names, are undefined. */
export function realmOf(tenant: TenantContext, name: string): RealmState | undefined {
  // '' is the root realm's key and is never a path segment: only root routes may pass it.
  return own(tenant.state.realms, name);
}

export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function nowIso(): string {
  return new Date().toISOString();
}

export function revision(object: JsonValue): string {
  let hash = 0;
  const text = JSON.stringify(object);
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) | 0;
  return String(hash);
}

/** AM's version string ("8.1.0", "7.3.0-SNAPSHOT") is at least major.minor. */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
  return a > major || (a === major && b >= minor);
}
