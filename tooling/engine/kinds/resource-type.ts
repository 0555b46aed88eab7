/**
 * Resource types: one per provider (pattern api://<provider>/*, action GRANT), and AM's built-in
 * "OAuth2 Scope" type, looked up by name and never written. Dynamic configuration. A new one gets
 * a uuid derived from realm and name, so an interrupted create never leaves a duplicate.
 */
import { createResourceType, deleteResourceType, listResourceTypes, updateResourceType } from '../../rest/resource-types.js';
import { creation, differences } from '../diff.js';
import type { KindHandler } from '../handler.js';
import { deterministicUuid } from '../ids.js';
import { changeKey, isManagedDescription, type JsonObject, type JsonValue } from '../model.js';

export interface ResourceTypeSpec {
  name: string;
  description: string;
  patterns: string[];
  actions: Record<string, boolean>;
}

export type ResourceTypePayload = { uuid: string; body: ResourceTypeSpec } | { uuid: string; delete: true };

declare module '../model.js' {
  interface KindModel {
    'resource-type': { spec: ResourceTypeSpec; observed: JsonObject & { uuid: string }; payload: ResourceTypePayload };
  }
}

export const resourceTypeHandler: KindHandler<'resource-type'> = {
  kind: 'resource-type',
  configuration: 'dynamic',
  async read(ctx) {
    const types = await listResourceTypes(ctx.http, ctx.realm);
    return types.map((type) => ({ kind: 'resource-type' as const, id: String(type.name), state: type as JsonObject & { uuid: string } }));
  },
  identity: (change, observed): Record<string, string> => {
    const uuid = change?.payload.uuid ?? observed?.uuid;
    return uuid ? { uuid: String(uuid) } : {};
  },
  plan(id, spec, observed, ctx) {
    if (!spec) {
      if (!observed || !isManagedDescription(observed.description)) return [];
      return [{ kind: 'resource-type', id, action: 'delete', diff: [], payload: { uuid: String(observed.uuid), delete: true }, dependsOn: [] }];
    }
    const uuid = observed?.uuid ? String(observed.uuid) : deterministicUuid(`resource-type:${ctx.realm}:${id}`);
    const diff = observed ? differences(observed, spec) : creation(spec);
    return [{ kind: 'resource-type', id, action: observed ? (diff.length ? 'update' : 'noop') : 'create', diff, payload: { uuid, body: spec }, dependsOn: [] }];
  },
  // Deleted only after the policy sets that use it.
  dependencies(change, all) {
    if (change.action !== 'delete') return [];
    const uuid = change.payload.uuid;
    return all.filter((c) => c.kind === 'policy-set' && c.action === 'delete' && 'resourceTypeUuids' in c.payload && c.payload.resourceTypeUuids.includes(uuid)).map(changeKey);
  },
  async apply(change, ctx) {
    const { payload } = change;
    if ('delete' in payload) return deleteResourceType(ctx.http, ctx.realm, payload.uuid);
    const body = { ...payload.body, uuid: payload.uuid } as unknown as Record<string, JsonValue>;
    if (change.action === 'create' && !(await createResourceType(ctx.http, ctx.realm, body)).exists) return;
    await updateResourceType(ctx.http, ctx.realm, payload.uuid, body);
  },
  export: (observed) => observed,
};
