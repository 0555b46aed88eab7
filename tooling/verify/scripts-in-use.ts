/**
 * Which scripts the probe client runs, read with the tool's administrative access: its override
 * block and the tool's scripts by name. Tells the report which engine was verified. Owns only that
 * read; it changes nothing.
 */
import type { AmHttp } from '../rest/http.js';
import { getClient } from '../rest/oauth2-clients.js';
import { queryScriptsByName } from '../rest/scripts.js';
import { SCRIPTS, type ScriptEngine } from '../engine/desired/names.js';

export interface ScriptInUse {
  /** The client's override for this plugin. */
  plugin: 'accessTokenModification' | 'validateScope';
  /** The script's name, when it is one of the tool's. */
  name?: string;
  engine?: ScriptEngine;
  evaluatorVersion?: string;
  /** What the client's override holds when it is not one of the tool's scripts. */
  other?: string;
}

export interface ScriptsInUse {
  /** The engine both of the client's scripts belong to; undefined when they are not both the tool's of one engine. */
  engine?: ScriptEngine;
  scripts: ScriptInUse[];
}

export async function scriptsInUse(http: AmHttp, realm: string, clientId: string): Promise<ScriptsInUse> {
  const [client, ours] = await Promise.all([getClient(http, realm, clientId), queryScriptsByName(http, realm, Object.values(SCRIPTS).map((s) => s.name))]);
  const overrides = (client?.overrideOAuth2ClientConfig ?? {}) as Record<string, unknown>;
  const unwrap = (value: unknown) => (value && typeof value === 'object' && 'value' in value ? (value as { value: unknown }).value : value);
  const scripted = overrides.providerOverridesEnabled === true || unwrap(overrides.providerOverridesEnabled) === true;
  const plugins = [
    { plugin: 'accessTokenModification' as const, type: unwrap(overrides.accessTokenModificationPluginType), id: unwrap(overrides.accessTokenModificationScript) },
    { plugin: 'validateScope' as const, type: unwrap(overrides.validateScopePluginType), id: unwrap(overrides.validateScopeScript) },
  ];
  const scripts = plugins.map(({ plugin, type, id }): ScriptInUse => {
    if (!client) return { plugin, other: `no client ${clientId} in realm ${realm}` };
    if (!scripted || type !== 'SCRIPTED') return { plugin, other: `not scripted (${scripted ? `plugin type ${String(type ?? 'unset')}` : 'providerOverridesEnabled is not true'})` };
    const script = ours.find((s) => s._id === id);
    if (!script) return { plugin, other: `script ${String(id)}, not one of this tool's` };
    const engine = (Object.values(SCRIPTS) as readonly { name: string; engine: ScriptEngine }[]).find((s) => s.name === script.name)!.engine;
    return { plugin, name: script.name, engine, evaluatorVersion: script.evaluatorVersion };
  });
  const engines = new Set(scripts.map((s) => s.engine));
  return { engine: engines.size === 1 && !engines.has(undefined) ? scripts[0].engine : undefined, scripts };
}
