/**
 * Writes the managed objects as they are in a tenant to files, deterministically (sorted keys,
 * volatile fields removed), so that two environments can be compared with `diff -r`. Each kind says
 * how its object reads (kinds/*.ts export()); this module owns the layout. Never writes secret
 * values (the tenant never returns them anyway).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stableStringify } from '../util/stable-json.js';
import { handlerFor } from './kinds/index.js';
import { changeKey, isManagedDescription, type DesiredState, type ObservedState } from './model.js';

/** Fields that differ between environments or runs without meaning a configuration difference. */
const VOLATILE_FIELDS = new Set(['_rev', 'lastModifiedDate', 'lastModifiedBy', 'creationDate', 'createdBy', 'lastChangeDate', 'lastChangedBy', 'loaded', 'loadedVersion', 'activeVersion', 'createDate']);

function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (!VOLATILE_FIELDS.has(key) && !key.endsWith('-encrypted')) out[key] = withoutVolatile(inner);
    return out;
  }
  return value;
}

function fileNameFor(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, (ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0')}`) + '.json';
}

/** Objects the configuration names, and those the tool created (marked) that it no longer names. */
export async function exportObserved(observed: ObservedState, desired: DesiredState, outDir: string): Promise<number> {
  const desiredKeys = new Set(desired.objects.map(changeKey));
  await rm(outDir, { recursive: true, force: true });
  let written = 0;
  for (const object of observed.objects) {
    const description = (object.state as { description?: unknown }).description;
    if (!desiredKeys.has(changeKey(object)) && !isManagedDescription(description)) continue;
    const dir = path.join(outDir, object.kind);
    await mkdir(dir, { recursive: true });
    const readable = handlerFor(object.kind).export(object.state as never);
    await writeFile(path.join(dir, fileNameFor(object.id)), stableStringify(withoutVolatile(readable), 2) + '\n');
    written += 1;
  }
  return written;
}
