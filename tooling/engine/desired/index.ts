/**
 * The desired state: what the tenant must hold for an access configuration. A pure function,
 * composed by access-file section: the scripts' machinery, providers, dynamic scopes, clients.
 */
import type { AccessConfig } from '../../config/access.js';
import type { DesiredState } from '../model.js';
import { clientObjects } from './clients.js';
import { machineryState, type MachineryInput } from './machinery.js';
import { providerObjects } from './providers.js';
import { scopePolicyObjects } from './scope-policies.js';

export type { BundleSource } from './machinery.js';
export { bundleSource, engineOf } from './machinery.js';
export { compileCondition } from './conditions.js';
export { generateAccessConfig } from './generate.js';
export * from './names.js';

export interface DesiredInput extends MachineryInput {
  access: AccessConfig;
}

export function desiredState(input: DesiredInput): DesiredState {
  const { access } = input;
  // The chosen script engine's machinery; the other engine's objects are retired (deleted when the tool's).
  const machinery = machineryState(access, input);
  return {
    realm: input.realm,
    objects: [...machinery.objects, ...providerObjects(access), ...(access.scopePolicies ? scopePolicyObjects(access.scopePolicies, { realm: input.realm, scripts: input.scripts }) : []), ...clientObjects(access)],
    retired: machinery.retired,
  };
}
