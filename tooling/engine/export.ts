/**
 * Writes the managed objects as they are in a tenant to files, deterministically (sorted keys,
 * volatile fields removed), so that two environments can be compared with `diff -r`.
 * Owns: the export layout. Never writes secret values (the tenant never returns them anyway).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stableStringify } from '../util/stable-json.js';
import { stripDigest } from './secret-digest.js';
import { MANAGED_MARKER, type JsonObject, type ObservedState } from './model.js';

/** Fields that differ between environments or runs without meaning a configuration difference. */
const VOLATILE_FIELDS = new Set([
  '_rev',
  'lastModifiedDate',
  'lastModifiedBy',
  'creationDate',
  'createdBy',
  'lastChangeDate',
  'lastChangedBy',
  'loaded',
  'loadedVersion',
  'activeVersion',
  'createDate',
]);

function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (!VOLATILE_FIELDS.has(key) && !key.endsWith('-encrypted')) out[key] = withoutVolatile(inner);
    }
    return out;
  }
  return value;
}

function fileNameFor(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, (ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0')}`) + '.json';
}

function readable(kind: string, body: JsonObject): unknown {
  if (kind === 'esv' && typeof body.description === 'string') {
    // The digest is salted per write: equal secrets have different digests.
    return { ...body, description: stripDigest(body.description) };
  }
  if (kind === 'script' && typeof body.script === 'string') {
    // Source as text lines diff far better than base64.
    const { script, ...rest } = body;
    return { ...rest, source: Buffer.from(script, 'base64').toString('utf8').split('\n') };
  }
  return body;
}

export interface ExportScope {
  /** `kind:id` keys the access configuration manages. */
  desiredKeys: Set<string>;
}

export async function exportObserved(observed: ObservedState, scope: ExportScope, outDir: string): Promise<number> {
  await rm(outDir, { recursive: true, force: true });
  let written = 0;
  for (const object of observed.objects) {
    const key = `${object.kind}:${object.id}`;
    const managed = scope.desiredKeys.has(key) || (typeof object.body.description === 'string' && object.body.description.includes(MANAGED_MARKER));
    if (!managed) continue;
    const body = object.kind === 'oauth2-client' ? { _id: object.body._id, overrideOAuth2ClientConfig: object.body.overrideOAuth2ClientConfig } : object.body;
    const dir = path.join(outDir, object.kind);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, fileNameFor(object.id)), stableStringify(withoutVolatile(readable(object.kind, body as JsonObject)), 2) + '\n');
    written += 1;
  }
  return written;
}
