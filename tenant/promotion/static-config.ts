/**
 * Static configuration (AM-FACTS §5): what only development may change and what promotion copies
 * — per realm, scripts, journeys (trees and nodes) and the OAuth2 provider service (`oauth-oidc`).
 * Themes and email templates are static too but the local tenant holds none. Dynamic
 * configuration (ESVs, clients, agents, policy engine objects, users) is never read or written here.
 * Owns: taking and restoring snapshots, comparing two environments, AIC's report shape, and the
 * ESV placeholders and encrypted values a promotion checks for. Pure functions over state.
 */
import { clone } from '../http-util.js';
import type { JsonObject, JsonValue, RealmState, StaticObject, StaticSnapshot, TenantState } from '../types.js';

const OAUTH2_PROVIDER = 'oauth-oidc';

/** The static configuration of every realm of a state, copied. */
export function snapshotStatic(state: TenantState): StaticSnapshot {
  const snapshot: StaticSnapshot = Object.create(null);
  for (const [name, realm] of Object.entries(state.realms)) {
    const provider = realm.services?.[OAUTH2_PROVIDER];
    snapshot[name] = clone({ scripts: realm.scripts ?? {}, trees: realm.trees ?? {}, nodes: realm.nodes ?? {}, ...(provider ? { oauth2Provider: provider } : {}) });
  }
  return snapshot;
}

/** Every static object of a snapshot, in a stable order. */
export function staticObjects(snapshot: StaticSnapshot): StaticObject[] {
  const objects: StaticObject[] = [];
  for (const realm of Object.keys(snapshot).sort()) {
    const part = snapshot[realm];
    for (const [id, body] of Object.entries(part.scripts)) objects.push({ item: 'Scripts', realm, id, name: String(body.name ?? id), body });
    for (const [id, body] of Object.entries(part.trees)) objects.push({ item: 'Journeys', realm, id, name: id, body });
    for (const [id, node] of Object.entries(part.nodes)) objects.push({ item: 'Journey nodes', realm, id, name: String((node.body as JsonObject).displayName ?? `${node.type} ${id}`), body: node as unknown as JsonValue });
    if (part.oauth2Provider) objects.push({ item: 'OAuth2 Provider', realm, id: OAUTH2_PROVIDER, name: 'OAuth2 Provider', body: part.oauth2Provider });
  }
  return objects.sort((a, b) => a.realm.localeCompare(b.realm) || a.item.localeCompare(b.item) || a.id.localeCompare(b.id));
}

const keyOf = (o: StaticObject) => `${o.realm}\u0000${o.item}\u0000${o.id}`;

export interface StaticDiff {
  added: StaticObject[];
  modified: StaticObject[];
  /** Objects of `from` the source no longer has: a whole-environment promotion removes them. */
  deleted: StaticObject[];
}

/** What turning `current` into `target` changes, object by object (bodies compared as stored). */
export function diffStatic(current: StaticSnapshot, target: StaticSnapshot): StaticDiff {
  const before = new Map(staticObjects(current).map((o) => [keyOf(o), o]));
  const after = new Map(staticObjects(target).map((o) => [keyOf(o), o]));
  const diff: StaticDiff = { added: [], modified: [], deleted: [] };
  for (const [key, object] of after) {
    const old = before.get(key);
    if (!old) diff.added.push(object);
    else if (JSON.stringify(old.body) !== JSON.stringify(object.body)) diff.modified.push(object);
  }
  for (const [key, object] of before) if (!after.has(key)) diff.deleted.push(object);
  return diff;
}

export const changeCount = (diff: StaticDiff) => diff.added.length + diff.modified.length + diff.deleted.length;

function realmOf(state: TenantState, name: string): RealmState {
  if (!Object.prototype.hasOwnProperty.call(state.realms, name)) {
    // A realm the lower environment has and this one lacks: its static part arrives, nothing else.
    state.realms[name] = { scripts: Object.create(null), trees: Object.create(null), nodes: Object.create(null), oauth2Clients: Object.create(null), igAgents: Object.create(null), resourceTypes: Object.create(null), policySets: Object.create(null), policies: Object.create(null), users: Object.create(null) };
  }
  return state.realms[name];
}

/** Writes one object of a diff into a state (added or modified: the target's body; deleted: removed). */
export function applyStaticChange(state: TenantState, object: StaticObject, deleted: boolean): void {
  const realm = realmOf(state, object.realm);
  const body = clone(object.body);
  switch (object.item) {
    case 'Scripts':
      if (deleted) delete realm.scripts[object.id];
      else realm.scripts[object.id] = body as JsonObject;
      return;
    case 'Journeys':
      if (deleted) delete realm.trees[object.id];
      else realm.trees[object.id] = body as JsonObject;
      return;
    case 'Journey nodes':
      if (deleted) delete realm.nodes[object.id];
      else realm.nodes[object.id] = body as unknown as RealmState['nodes'][string];
      return;
    case 'OAuth2 Provider':
      realm.services ??= Object.create(null) as Record<string, JsonObject>;
      if (deleted) delete realm.services[OAUTH2_PROVIDER];
      else realm.services[OAUTH2_PROVIDER] = body as JsonObject;
      return;
  }
}

/** The changes in the order a promotion writes them: additions and modifications first, removals last. */
export function orderedChanges(diff: StaticDiff): { object: StaticObject; deleted: boolean }[] {
  return [...diff.added.map((object) => ({ object, deleted: false })), ...diff.modified.map((object) => ({ object, deleted: false })), ...diff.deleted.map((object) => ({ object, deleted: true }))];
}

/** Makes a state's static configuration exactly a snapshot's (rollback, aborted direct configuration). */
export function restoreStatic(state: TenantState, snapshot: StaticSnapshot): void {
  for (const { object, deleted } of orderedChanges(diffStatic(snapshotStatic(state), snapshot))) applyStaticChange(state, object, deleted);
}

/**
 * AM's configuration DN of an object, as AIC's report `uid` shows it (the spec's example:
 * `ou=<uuid>,ou=scriptConfigurations,ou=default,ou=OrganizationConfig,ou=1.0,ou=ScriptingService,ou=services,o=alpha,ou=services,ou=am-config`).
 * The script form is the spec's; the others follow AM's layout of the same services (modelled).
 */
export function configUid(object: StaticObject): string {
  const realm = object.realm ? `o=${object.realm},ou=services,` : '';
  switch (object.item) {
    case 'Scripts':
      return `ou=${object.id},ou=scriptConfigurations,ou=default,ou=OrganizationConfig,ou=1.0,ou=ScriptingService,ou=services,${realm}ou=am-config`;
    case 'Journeys':
      return `ou=${object.id},ou=trees,ou=default,ou=OrganizationConfig,ou=1.0,ou=authenticationTreesService,ou=services,${realm}ou=am-config`;
    case 'Journey nodes':
      return `ou=${object.id},ou=default,ou=OrganizationConfig,ou=1.0,ou=${String((object.body as JsonObject).type ?? 'node')},ou=authentication,ou=services,${realm}ou=am-config`;
    case 'OAuth2 Provider':
      return `ou=default,ou=OrganizationConfig,ou=1.0,ou=OAuth2Provider,ou=services,${realm}ou=am-config`;
  }
}

/** AIC's report body: AM configuration items with their added, modified and deleted objects. */
export function reportBody(diff: StaticDiff): JsonObject {
  const items = new Map<string, { added: JsonObject[]; modified: JsonObject[]; deleted: JsonObject[] }>();
  const entry = (o: StaticObject) => ({ uid: configUid(o), name: o.name, realm: `/${o.realm}` });
  for (const kind of ['added', 'modified', 'deleted'] as const) {
    for (const object of diff[kind]) {
      const item = items.get(object.item) ?? { added: [], modified: [], deleted: [] };
      item[kind].push(entry(object));
      items.set(object.item, item);
    }
  }
  const AMConfig = [...items.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([configItem, configChange]) => ({ configItem, configChange }));
  return { AMConfig, IDMConfig: [] };
}

const PLACEHOLDER = /&\{(esv\.[a-z0-9._-]+)(?:\|[^}]*)?\}/g;

/** Texts of an object to search: its JSON, and a script's decoded source (stricter than the JSON alone). */
function searchable(object: StaticObject): string {
  const json = JSON.stringify(object.body);
  if (object.item !== 'Scripts') return json;
  const source = (object.body as JsonObject).script;
  return typeof source === 'string' ? `${json}\n${Buffer.from(source, 'base64').toString('utf8')}` : json;
}

/**
 * The ESVs static configuration references through placeholders (`&{esv.a.b}` → `esv-a-b`): what
 * a promotion needs in the upper environment. A script's `systemEnv.getProperty(...)` reads are
 * resolved at run time and may be optional (the scripts here read some that may be absent), so
 * only placeholders count — what AIC documents promotion to check.
 */
export function referencedEsvs(snapshot: StaticSnapshot): string[] {
  const ids = new Set<string>();
  for (const object of staticObjects(snapshot)) for (const match of searchable(object).matchAll(PLACEHOLDER)) ids.add(match[1].replace(/\./g, '-'));
  return [...ids].sort();
}

/** Values stored encrypted (keys ending in `-encrypted`): AIC cannot carry them and asks to ignore them explicitly. */
export function encryptedValues(snapshot: StaticSnapshot): string[] {
  const found: string[] = [];
  const walk = (value: unknown, where: string) => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${where}[${i}]`));
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key.endsWith('-encrypted')) found.push(`${where}.${key}`);
        else walk(inner, `${where}.${key}`);
      }
    }
  };
  for (const object of staticObjects(snapshot)) walk(object.body, `${object.realm || '/'}:${object.item}:${object.name}`);
  return found.sort();
}
