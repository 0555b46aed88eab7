/**
 * Where the members of the local promotion group live: `--env dev|staging|prod` names a tier; each
 * member keeps its state in `<root>/<name>` (root: `.local-tenant` by default) and listens on the
 * base port plus its place in the chain (8780, 8781, 8782 by default; port 0 stays "any free
 * port"). The one place that layout is decided: `npm run tenant -- --env …` and the deploy tool's
 * `--env …` both use it, so they find each other. Owns no state.
 */
import path from 'node:path';
import type { EnvironmentOptions, Tier } from '../types.js';

export const GROUP_ENVIRONMENTS = { dev: 'development', staging: 'staging', prod: 'production' } as const satisfies Record<string, Tier>;
export type GroupEnvironmentName = keyof typeof GROUP_ENVIRONMENTS;

const ORDER: GroupEnvironmentName[] = ['dev', 'staging', 'prod'];

export const isGroupEnvironment = (name: string | undefined): name is GroupEnvironmentName => name !== undefined && Object.prototype.hasOwnProperty.call(GROUP_ENVIRONMENTS, name);

export interface GroupMember {
  name: GroupEnvironmentName;
  tier: Tier;
  stateDir: string;
  port: number;
  /** The tenant options placing it in the chain (its lower and upper members by folder). */
  environment: EnvironmentOptions;
}

/** The member `name` of the group kept under `root`, listening on `basePort` + its place. */
export function groupMember(root: string, name: GroupEnvironmentName, basePort: number): GroupMember {
  const at = ORDER.indexOf(name);
  const folder = (member: GroupEnvironmentName | undefined) => (member ? { stateDir: path.join(root, member) } : undefined);
  const lower = folder(ORDER[at - 1]);
  const upper = folder(ORDER[at + 1]);
  return {
    name,
    tier: GROUP_ENVIRONMENTS[name],
    stateDir: path.join(root, name),
    port: basePort === 0 ? 0 : basePort + at,
    environment: { tier: GROUP_ENVIRONMENTS[name], ...(lower ? { lower } : {}), ...(upper ? { upper } : {}) },
  };
}
