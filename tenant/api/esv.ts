/**
 * Environment secrets and variables: values pending (loaded:false) until a restart, secrets never
 * readable, variables whose expression type cannot change, and the restart: it takes its time
 * (`restarting` → `ready`, with AIC's stale `ready` right after the POST), a second restart or an
 * ESV write while one runs is refused, and values load when it ends (esv-properties.ts).
 */
import { requireAdmin } from '../auth-guard.js';
import { loadedVariableValue, restarting, settleRestart } from '../esv-properties.js';
import { amError, jsonBody, nowIso, ok, own } from '../http-util.js';
import { listAnswer } from '../query.js';
import type { EsvSecretState, EsvVariableState, Handler, JsonObject, Route, TenantContext, TenantRequest, TenantResponse } from '../types.js';

const ESV_ID = /^esv-[a-z0-9_-]{1,124}$/;
const EXPRESSION_TYPES = new Set(['string', 'list', 'array', 'object', 'bool', 'int', 'number', 'base64encodedinlined', 'keyvaluelist']);
const ENCODINGS = new Set(['generic', 'pem', 'base64hmac', 'base64aes']);
const CHANGED_BY = 'local-deployer';

type EsvHandler = (req: TenantRequest, params: Record<string, string>, tenant: TenantContext, body: JsonObject) => TenantResponse;

function guarded(handler: EsvHandler): Handler {
  return (req, params, tenant) => {
    const denied = requireAdmin(req, tenant);
    if (denied) return denied;
    if (settleRestart(tenant.state)) tenant.changed();
    const parsed = jsonBody(req);
    if (parsed.error) return parsed.error;
    return handler(req, params, tenant, parsed.body);
  };
}

/**
 * While a restart runs, AIC takes no ESV changes ("you will not be able to make further updates"
 * until it ends: frodo-lib StartupOps.applyUpdates). The status code is not recorded; 409 is the
 * stricter choice: a client's retry logic (429/503) does not hide a write made mid-restart.
 */
const RESTART_CONFLICT = 'The environment is restarting: ESV changes and restarts are refused until /environment/startup reports ready';
function writing(handler: EsvHandler): Handler {
  return guarded((req, params, tenant, body) => (restarting(tenant.state) ? amError(409, RESTART_CONFLICT) : handler(req, params, tenant, body)));
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
const variableOf = (tenant: TenantContext, id: string) => own(tenant.state.esv.variables, id);
const secretOf = (tenant: TenantContext, id: string) => own(tenant.state.esv.secrets, id);

const putVariable = writing((_req, { id }, tenant, body) => {
  if (!ESV_ID.test(id)) return amError(400, `Invalid ESV id ${id}: expected ^esv-[a-z0-9_-]{1,124}$`);
  if (secretOf(tenant, id)) return amError(409, `A secret named ${id} already exists`);
  if (!base64ok(body.valueBase64)) return amError(400, 'valueBase64 must be base64');
  const existing = variableOf(tenant, id);
  // Recorded (frodo-lib VariablesApi): a new variable needs its type; no default.
  if (!existing && (body.expressionType === undefined || body.expressionType === '')) return { status: 400, body: { code: 400, message: 'Variable type required; expressionType cannot be empty when creating new variables' } };
  const expressionType = String(body.expressionType ?? existing?.expressionType);
  if (!EXPRESSION_TYPES.has(expressionType)) return amError(400, `Invalid expressionType ${expressionType}`);
  if (existing && existing.expressionType !== expressionType) return amError(400, `The expression type of ${id} cannot be changed (it is ${existing.expressionType})`);
  // Scripts keep reading the value the last restart loaded until the next restart loads this one.
  const previouslyLoaded = existing ? loadedVariableValue(existing) : undefined;
  const variable: EsvVariableState = { _id: id, valueBase64: body.valueBase64, description: String(body.description ?? ''), expressionType, lastChangeDate: nowIso(), loaded: false, ...(previouslyLoaded !== undefined ? { loadedValueBase64: previouslyLoaded } : {}) };
  tenant.state.esv.variables[id] = variable;
  tenant.changed();
  // AIC answers 200 for both create and update (recorded).
  return ok(variableView(variable));
});
const getVariable = guarded((_req, { id }, tenant) => {
  const variable = variableOf(tenant, id);
  return variable ? ok(variableView(variable)) : missingVariable();
});
const deleteVariable = writing((_req, { id }, tenant) => {
  const variable = variableOf(tenant, id);
  if (!variable) return missingVariable();
  delete tenant.state.esv.variables[id];
  tenant.changed();
  return ok(variableView(variable));
});
const listVariables = guarded((req, _p, tenant) => listAnswer(req, Object.values(tenant.state.esv.variables).map(variableView).sort(byId)));

const putSecret = writing((_req, { id }, tenant, body) => {
  if (!ESV_ID.test(id)) return amError(400, `Invalid ESV id ${id}: expected ^esv-[a-z0-9_-]{1,124}$`);
  // Recorded (frodo-lib SecretsApi): a PUT of an existing secret is 400 with this text (no `reason`).
  if (secretOf(tenant, id)) return { status: 400, body: { code: 400, message: 'Failed to create secret, the secret already exists' } };
  if (variableOf(tenant, id)) return amError(409, `A variable named ${id} already exists`);
  if (!base64ok(body.valueBase64) || !body.valueBase64) return amError(400, 'valueBase64 must be non-empty base64');
  const encoding = String(body.encoding ?? 'generic');
  if (!ENCODINGS.has(encoding)) return amError(400, `Invalid encoding ${encoding}`);
  if (body.useInPlaceholders !== undefined && typeof body.useInPlaceholders !== 'boolean') return amError(400, 'useInPlaceholders must be true or false');
  const now = nowIso();
  // Fixed at creation. Absent counts as false: AIC's default is not documented, and false (the
  // script cannot read it) is the stricter reading — a client that omits the flag finds out here.
  const secret: EsvSecretState = { _id: id, description: String(body.description ?? ''), encoding, useInPlaceholders: body.useInPlaceholders === true, lastChangeDate: now, loaded: false, activeVersion: '1', loadedVersion: '', versions: [{ version: '1', valueBase64: body.valueBase64, createDate: now, status: 'ENABLED', loaded: false }] };
  tenant.state.esv.secrets[id] = secret;
  tenant.changed();
  return ok(secretView(secret));
});
const getSecret = guarded((_req, { id }, tenant) => {
  const secret = secretOf(tenant, id);
  return secret ? ok(secretView(secret)) : missingSecret();
});
const listSecrets = guarded((req, _p, tenant) => listAnswer(req, Object.values(tenant.state.esv.secrets).map(secretView).sort(byId)));
const deleteSecret = writing((_req, { id }, tenant) => {
  const secret = secretOf(tenant, id);
  if (!secret) return missingSecret();
  delete tenant.state.esv.secrets[id];
  tenant.changed();
  return ok(secretView(secret));
});
const secretAction = writing((req, { id }, tenant, body) => {
  const secret = secretOf(tenant, id);
  if (!secret) return missingSecret();
  if (req.query._action !== 'setDescription') return amError(400, `Unknown action ${String(req.query._action)}`);
  secret.description = String(body.description ?? '');
  tenant.changed();
  return ok({});
});
const listVersions = guarded((_req, { id }, tenant) => {
  const secret = secretOf(tenant, id);
  if (!secret) return missingSecret();
  return ok([...secret.versions].reverse().map((v) => ({ createDate: v.createDate, loaded: v.loaded, status: v.status, version: v.version })));
});
const createVersion = writing((req, { id }, tenant, body) => {
  const secret = secretOf(tenant, id);
  // Recorded (frodo-lib SecretsApi createVersionOfSecret for a missing secret).
  if (!secret) return { status: 404, body: { code: 404, message: 'Failed to create secret version' } };
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

/**
 * GET /environment/startup. Right after a restart POST, AIC may still answer the old `ready` (a poll
 * right after the POST read it; frodo waits 5 s before its first poll — AM-FACTS §4): a client
 * that stops at the first `ready` it reads would go on before any value is loaded. Modelled for
 * `restartStaleSeconds`; a client must wait for `restarting` and then `ready`.
 */
const startup = guarded((_req, _p, tenant) => {
  const esv = tenant.state.esv;
  const stale = esv.restartStatus === 'restarting' && Date.now() < (esv.restartStaleUntil ?? 0);
  return ok({ restartStatus: stale ? 'ready' : esv.restartStatus });
});

/**
 * POST /environment/startup?_action=restart: only from `ready`. A restart while one runs is refused
 * (frodo-lib StartupApi.initiateRestart checks the status first and refuses "Not ready!"; AIC's own
 * answer is not recorded, so the stricter 409). Restarting with nothing pending is allowed.
 */
const restart = guarded((req, _p, tenant) => {
  if (req.query._action !== 'restart') return amError(400, `Unknown action ${String(req.query._action)}`);
  if (restarting(tenant.state)) return amError(409, RESTART_CONFLICT);
  const seconds = tenant.options.restartSeconds ?? 2;
  const staleSeconds = Math.min(tenant.options.restartStaleSeconds ?? Math.min(5, seconds / 4), seconds);
  const now = Date.now();
  tenant.state.esv.restartStatus = 'restarting';
  tenant.state.esv.restartReadyAt = now + seconds * 1000;
  tenant.state.esv.restartStaleUntil = now + staleSeconds * 1000;
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
