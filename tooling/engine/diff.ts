/**
 * Comparing what the tool wants with what the tenant holds: field-level diffs, with arrays of plain
 * values compared as sets (AM does not keep their order), and projection of the tenant's object onto
 * the fields the tool manages, so that what AM adds on its own (defaults, audit fields, nodeVersion
 * inside a page node's children) never shows as a change. The one place such defaults are ignored.
 */
import type { FieldChange, JsonObject, JsonValue } from './model.js';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    const allPrimitive = items.every((item) => item === null || typeof item !== 'object');
    return allPrimitive ? [...items].sort((a, b) => String(a).localeCompare(String(b))) : items;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = canonical(value[key]);
    return out;
  }
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * The tenant's value reduced to the shape of the desired one: object keys the tool does not manage
 * are dropped at every depth, also inside arrays of objects of the same length (element by element).
 */
export function project(observed: unknown, desired: unknown): JsonValue | undefined {
  if (isPlainObject(desired) && isPlainObject(observed)) {
    const out: JsonObject = {};
    for (const key of Object.keys(desired)) {
      const value = project(observed[key], desired[key]);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  if (Array.isArray(desired) && Array.isArray(observed) && desired.length === observed.length && desired.some(isPlainObject)) {
    return observed.map((item, index) => project(item, desired[index]) ?? null);
  }
  return observed as JsonValue | undefined;
}

function diffFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isPlainObject(after) && isPlainObject(before)) {
    const changes: FieldChange[] = [];
    for (const key of Object.keys(after).sort()) changes.push(...diffFields(before[key], after[key], path ? `${path}.${key}` : key));
    return changes;
  }
  if (sameValue(before, after)) return [];
  return [{ path: path || '(value)', before: before as JsonValue | undefined, after: after as JsonValue | undefined }];
}

/** What a create shows: every managed field, from nothing. */
export const creation = (after: unknown): FieldChange[] => diffFields({}, after);

/** The managed fields that differ between the tenant's object and the desired one. */
export const differences = (observed: unknown, desired: unknown): FieldChange[] => diffFields(project(observed, desired), desired);
