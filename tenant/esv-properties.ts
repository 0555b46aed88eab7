/**
 * What scripts read through systemEnv, and when a value becomes readable. Strict like AIC
 * (AM-FACTS §1 "ESVs", §2, §4): a script sees
 * - a variable's value only once a completed restart has loaded it: a written or changed value
 *   stays invisible (the previously loaded one, if any, is what scripts keep reading) until then;
 * - a secret only when it was created with `useInPlaceholders: true` (the flag AIC fixes at
 *   creation; `false` is for secret-label mappings such as signing keys, which placeholders and
 *   systemEnv do not resolve), and then the version the last restart loaded, not the newest one.
 * Keys are dotted (`esv-a-b` → `esv.a.b`), values decoded. A deleted ESV is gone at once (stricter
 * than keeping a loaded copy: a script never reads what the ESV API no longer shows).
 * Also owns the restart's completion (settleRestart), since loading is what a restart does.
 */
import type { EsvVariableState, TenantState } from './types.js';

const dottedKey = (esvId: string) => esvId.replace(/-/g, '.');
const decode = (valueBase64: string) => Buffer.from(valueBase64, 'base64').toString('utf8');

/** The base64 value scripts see for a variable, or undefined before its first load. */
export function loadedVariableValue(variable: EsvVariableState): string | undefined {
  if (variable.loadedValueBase64 !== undefined) return variable.loadedValueBase64;
  // States saved before loadedValueBase64 existed: a loaded variable's current value is the loaded one.
  return variable.loaded ? variable.valueBase64 : undefined;
}

/**
 * Completes a restart whose time has come (now ≥ restartReadyAt): status `ready`, and every
 * pending value loaded — variables' current values, secrets' active versions. Returns true when
 * it changed the state (the caller persists it).
 */
export function settleRestart(state: TenantState, now = Date.now()): boolean {
  const esv = state.esv;
  if (esv.restartStatus !== 'restarting' || (esv.restartReadyAt ?? 0) > now) return false;
  esv.restartStatus = 'ready';
  delete esv.restartReadyAt;
  delete esv.restartStaleUntil;
  for (const variable of Object.values(esv.variables)) {
    variable.loaded = true;
    variable.loadedValueBase64 = variable.valueBase64;
  }
  for (const secret of Object.values(esv.secrets)) {
    secret.loaded = true;
    secret.loadedVersion = secret.activeVersion;
    for (const version of secret.versions) version.loaded = version.version === secret.activeVersion;
  }
  return true;
}

/** A restart is running (also while GET /environment/startup still shows the stale `ready`). */
export function restarting(state: TenantState, now = Date.now()): boolean {
  settleRestart(state, now);
  return state.esv.restartStatus === 'restarting';
}

/** systemEnv's properties now: only loaded values, only secrets usable in placeholders. */
export function esvProperties(state: TenantState): Record<string, string> {
  settleRestart(state);
  const properties: Record<string, string> = {};
  for (const variable of Object.values(state.esv.variables)) {
    const value = loadedVariableValue(variable);
    if (value !== undefined) properties[dottedKey(variable._id)] = decode(value);
  }
  for (const secret of Object.values(state.esv.secrets)) {
    if (secret.useInPlaceholders !== true || !secret.loadedVersion) continue;
    const loaded = secret.versions.find((version) => version.version === secret.loadedVersion);
    if (loaded) properties[dottedKey(secret._id)] = decode(loaded.valueBase64);
  }
  return properties;
}
