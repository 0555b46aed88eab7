/**
 * What scripts read through systemEnv: every ESV by its dotted key (`esv-a-b` → `esv.a.b`) with its
 * decoded current value (a variable's value, a secret's active version). Reads state only; the
 * runtime's script bindings call it on every execution so a deployed value is seen at once.
 */
import type { TenantState } from './types.js';

const dottedKey = (esvId: string) => esvId.replace(/-/g, '.');
const decode = (valueBase64: string) => Buffer.from(valueBase64, 'base64').toString('utf8');

export function esvProperties(state: TenantState): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const variable of Object.values(state.esv.variables)) properties[dottedKey(variable._id)] = decode(variable.valueBase64);
  for (const secret of Object.values(state.esv.secrets)) {
    const active = secret.versions.find((version) => version.version === secret.activeVersion);
    if (active) properties[dottedKey(secret._id)] = decode(active.valueBase64);
  }
  return properties;
}
