/**
 * Environment secrets and variables: values pending (loaded:false) until a restart, secrets never
 * readable, variables whose expression type cannot change, and the restart status.
 */
import { requireAdmin } from '../auth-guard.js';
import { amError, jsonBody, nowIso, ok } from '../http-util.js';
import { listAnswer } from '../query.js';
import type { EsvSecretState, EsvVariableState, Handler, JsonObject, Route, TenantContext, TenantRequest, TenantResponse } from '../types.js';

const ESV_ID = /^esv-[a-z0-9_-]{1,124}$/;
const EXPRESSION_TYPES = new Set(['string', 'list', 'array', 'object', 'bool', 'int', 'number', 'base64encodedinlined', 'keyvaluelist']);
const ENCODINGS = new Set(['generic', 'pem', 'base64hmac', 'base64aes']);
const CHANGED_BY = 'local-deployer';

function guarded(handler: (req: TenantRequest, params: Record<string, string>, tenant: TenantContext, body: JsonObject) => TenantResponse): Handler {
  return (req, params, tenant) => {
    const denied = requireAdmin(req, tenant);
    if (denied) return denied;
    settleRestart(tenant);
    const parsed = jsonBody(req);
    if (parsed.error) return parsed.error;
    return handler(req, params, tenant, parsed.body);
  };
}

/** A running restart completes after its time: then every pending value is loaded. */
function settleRestart(tenant: TenantContext): void {
  const esv = tenant.state.esv;
  if (esv.restartStatus !== 'restarting' || (esv.restartReadyAt ?? 0) > Date.now()) return;
  esv.restartStatus = 'ready';
  esv.restartReadyAt = undefined;
  for (const variable of Object.values(esv.variables)) variable.loaded = true;
  for (const secret of Object.values(esv.secrets)) {
    secret.loaded = true;
    secret.loadedVersion = secret.activeVersion;
    for (const version of secret.versions) version.loaded = version.version === secret.activeVersion;
  }
  tenant.changed();
}

const base64ok = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value);

function variableView(v: EsvVariableState): JsonObject {
  return { _id: v._id, description: v.description, expressionType: v.expressionType, lastChangeDate: v.lastChangeDate, lastChangedBy: CHANGED_BY, loaded: v.loaded, valueBase64: v.valueBase64 };
}

function secretView(s: EsvSecretState): JsonObject {
  return { _id: s._id, activeVersion: s.activeVersion, description: s.description, encoding: s.encoding, lastChangeDate: s.lastChangeDate, lastChangedBy: CHANGED_BY, loaded: s.loaded, loadedVersion: s.loadedVersion, useInPlaceholders: s.useInPlaceholders };
}

const byId = (a: JsonObject, b: JsonObject) => String(a._id).localeCompare(String(b._id));

// The environment API's 404 bodies carry no `reason` (as recorded from AIC).
const missingVariable = (): TenantResponse => ({ status: 404, body: { code: 404, message: 'The variable does not exist' } });
const missingSecret = (): TenantResponse => ({ status: 404, body: { code: 404, message: 'The secret does not exist or does not have a version' } });

const putVariable = guarded((_req, { id }, tenant, body) => {
  if (!ESV_ID.test(id)) return amError(400, `Invalid ESV id ${id}: expected ^esv-[a-z0-9_-]{1,124}$`);
  if (tenant.state.esv.secrets[id]) return amError(409, `A secret named ${id} already exists`);
  if (!base64ok(body.valueBase64)) return amError(400, 'valueBase64 must be base64');
  const existing = tenant.state.esv.variables[id];
  const expressionType = String(body.expressionType ?? existing?.expressionType ?? 'string');
  if (!EXPRESSION_TYPES.has(expressionType)) return amError(400, `Invalid expressionType ${expressionType}`);
  if (existing && existing.expressionType !== expressionType) return amError(400, `The expression type of ${id} cannot be changed (it is ${existing.expressionType})`);
  const variable: EsvVariableState = { _id: id, valueBase64: body.valueBase64, description: String(body.description ?? ''), expressionType, lastChangeDate: nowIso(), loaded: false };
  tenant.state.esv.variables[id] = variable;
  tenant.changed();
  // AIC answers 200 for both create and update (recorded).
  return ok(variableView(variable));
});
const getVariable = guarded((_req, { id }, tenant) => (tenant.state.esv.variables[id] ? ok(variableView(tenant.state.esv.variables[id])) : missingVariable()));
const deleteVariable = guarded((_req, { id }, tenant) => {
  const variable = tenant.state.esv.variables[id];
  if (!variable) return missingVariable();
  delete tenant.state.esv.variables[id];
  tenant.changed();
  return ok(variableView(variable));
});
const listVariables = guarded((req, _p, tenant) => listAnswer(req, Object.values(tenant.state.esv.variables).map(variableView).sort(byId)));

const putSecret = guarded((_req, { id }, tenant, body) => {
  if (!ESV_ID.test(id)) return amError(400, `Invalid ESV id ${id}: expected ^esv-[a-z0-9_-]{1,124}$`);
  if (tenant.state.esv.secrets[id]) return amError(400, `Secret ${id} already exists; create a new version instead`);
  if (tenant.state.esv.variables[id]) return amError(409, `A variable named ${id} already exists`);
  if (!base64ok(body.valueBase64) || !body.valueBase64) return amError(400, 'valueBase64 must be non-empty base64');
  const encoding = String(body.encoding ?? 'generic');
  if (!ENCODINGS.has(encoding)) return amError(400, `Invalid encoding ${encoding}`);
  const now = nowIso();
  const secret: EsvSecretState = { _id: id, description: String(body.description ?? ''), encoding, useInPlaceholders: body.useInPlaceholders !== false, lastChangeDate: now, loaded: false, activeVersion: '1', loadedVersion: '', versions: [{ version: '1', valueBase64: body.valueBase64, createDate: now, status: 'ENABLED', loaded: false }] };
  tenant.state.esv.secrets[id] = secret;
  tenant.changed();
  return ok(secretView(secret));
});
const getSecret = guarded((_req, { id }, tenant) => (tenant.state.esv.secrets[id] ? ok(secretView(tenant.state.esv.secrets[id])) : missingSecret()));
const listSecrets = guarded((req, _p, tenant) => listAnswer(req, Object.values(tenant.state.esv.secrets).map(secretView).sort(byId)));
const deleteSecret = guarded((_req, { id }, tenant) => {
  const secret = tenant.state.esv.secrets[id];
  if (!secret) return missingSecret();
  delete tenant.state.esv.secrets[id];
  tenant.changed();
  return ok(secretView(secret));
});
const secretAction = guarded((req, { id }, tenant, body) => {
  const secret = tenant.state.esv.secrets[id];
  if (!secret) return missingSecret();
  if (req.query._action !== 'setDescription') return amError(400, `Unknown action ${String(req.query._action)}`);
  secret.description = String(body.description ?? '');
  tenant.changed();
  return ok({});
});
const listVersions = guarded((_req, { id }, tenant) => {
  const secret = tenant.state.esv.secrets[id];
  if (!secret) return missingSecret();
  return ok([...secret.versions].reverse().map((v) => ({ createDate: v.createDate, loaded: v.loaded, status: v.status, version: v.version })));
});
const createVersion = guarded((req, { id }, tenant, body) => {
  const secret = tenant.state.esv.secrets[id];
  if (!secret) return missingSecret();
  if (req.query._action !== 'create') return amError(400, `Unknown action ${String(req.query._action)}`);
  if (!base64ok(body.valueBase64) || !body.valueBase64) return amError(400, 'valueBase64 must be non-empty base64');
  const version = String(secret.versions.length + 1);
  const now = nowIso();
  secret.versions.push({ version, valueBase64: body.valueBase64, createDate: now, status: 'ENABLED', loaded: false });
  secret.activeVersion = version;
  secret.loaded = false;
  secret.lastChangeDate = now;
  tenant.changed();
  return ok({ createDate: now, loaded: false, status: 'ENABLED', version });
});

const startup = guarded((_req, _p, tenant) => ok({ restartStatus: tenant.state.esv.restartStatus }));
const restart = guarded((req, _p, tenant) => {
  if (req.query._action !== 'restart') return amError(400, `Unknown action ${String(req.query._action)}`);
  const seconds = tenant.options.restartSeconds ?? 2;
  tenant.state.esv.restartStatus = 'restarting';
  tenant.state.esv.restartReadyAt = Date.now() + seconds * 1000;
  tenant.changed();
  tenant.log({ source: 'tenant', level: 'info', text: `restart requested: ready in ${seconds} s` });
  return ok({ restartStatus: 'restarting' });
});

/** Kept here too because the runtime imported it from this module first. */
export { esvProperties } from '../esv-properties.js';

const re = (pattern: string) => new RegExp(`^${pattern}$`);
export const esvRoutes: Route[] = [
  { method: 'GET', pattern: re('/environment/variables'), handle: listVariables },
  { method: 'GET', pattern: re('/environment/variables/(?<id>[^/]+)'), handle: getVariable },
  { method: 'PUT', pattern: re('/environment/variables/(?<id>[^/]+)'), handle: putVariable },
  { method: 'DELETE', pattern: re('/environment/variables/(?<id>[^/]+)'), handle: deleteVariable },
  { method: 'GET', pattern: re('/environment/secrets'), handle: listSecrets },
  { method: 'GET', pattern: re('/environment/secrets/(?<id>[^/]+)'), handle: getSecret },
  { method: 'PUT', pattern: re('/environment/secrets/(?<id>[^/]+)'), handle: putSecret },
  { method: 'POST', pattern: re('/environment/secrets/(?<id>[^/]+)'), handle: secretAction },
  { method: 'DELETE', pattern: re('/environment/secrets/(?<id>[^/]+)'), handle: deleteSecret },
  { method: 'GET', pattern: re('/environment/secrets/(?<id>[^/]+)/versions'), handle: listVersions },
  { method: 'POST', pattern: re('/environment/secrets/(?<id>[^/]+)/versions'), handle: createVersion },
  { method: 'GET', pattern: re('/environment/startup'), handle: startup },
  { method: 'POST', pattern: re('/environment/startup'), handle: restart },
];
