/** Small helpers every handler uses: AM-shaped errors, JSON bodies, realm lookup. List queries live in query.ts. */
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

export function nowIso(): string {
  return new Date().toISOString();
}

export function revision(object: JsonValue): string {
  let hash = 0;
  const text = JSON.stringify(object);
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) | 0;
  return String(hash);
}
