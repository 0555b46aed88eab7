/**
 * The Apigee plan for people (text) and machines (JSON). Owns: presentation only. A plan holds no
 * secret (credential secrets are made at apply time), so nothing here needs masking; the CLI's
 * redactor still runs over what it prints.
 */
import type { ApigeeChange, ApigeePlan } from './model.js';

const short = (hash: string) => `sha256 ${hash.slice(0, 12)}`;
const list = (items: string[] | undefined) => (items?.length ? items.join(', ') : 'none');

function diffList(label: string, before: string[] | undefined, after: string[] | undefined): string | undefined {
  const b = new Set(before ?? []);
  const a = new Set(after ?? []);
  const added = [...a].filter((x) => !b.has(x)).sort();
  const removed = [...b].filter((x) => !a.has(x)).sort();
  if (!added.length && !removed.length) return undefined;
  return `${label} ${[...added.map((x) => `+${x}`), ...removed.map((x) => `-${x}`)].join(' ')}`;
}

export function describeChange(change: ApigeeChange): string {
  switch (change.kind) {
    case 'developer':
      return `+ developer ${change.name}`;
    case 'target-server': {
      if (change.action === 'delete') return `- target server ${change.name}`;
      const { after } = change;
      const where = `${after.sSLInfo?.enabled ? 'https' : 'http'}://${after.host}:${after.port}${after.sSLInfo?.enforce ? ' (TLS enforced)' : ''}`;
      return `${change.action === 'create' ? '+' : '~'} target server ${change.name}: ${where}`;
    }
    case 'bundle': {
      const label = `${change.bundleKind}/${change.name}`;
      if (change.action === 'remove') return `- ${label}: ${[change.undeploy.length ? `undeploy revision ${change.undeploy.join(', ')}` : '', change.deleteEntity ? 'delete' : ''].filter(Boolean).join(', then ')}`;
      if (change.action === 'deploy-revision') return `~ ${label}: deploy revision ${change.revision} (already imported, ${short(change.hash)})`;
      return `${change.reason === 'missing' ? '+' : '~'} ${label}: import and deploy a new revision (${short(change.hash)}${change.deployedRevision ? `; replaces revision ${change.deployedRevision}` : ''})`;
    }
    case 'revision':
      return `- ${change.bundleKind}/${change.name} revision ${change.revision} (older than the kept revisions)`;
    case 'product': {
      if (change.action === 'delete') return `- product ${change.name}`;
      if (change.action === 'create') return `+ product ${change.name}: scopes ${list(change.after.scopes)}; proxy ${list(change.after.operationGroup?.operationConfigs?.map((c) => c.apiSource))}`;
      const details = [
        diffList('scopes', change.before?.scopes, change.after.scopes),
        diffList('environments', change.before?.environments, change.after.environments),
        JSON.stringify(change.before?.operationGroup ?? null) !== JSON.stringify(change.after.operationGroup ?? null) ? 'operations' : undefined,
      ].filter(Boolean);
      return `~ product ${change.name}${details.length ? `: ${details.join('; ')}` : ''}`;
    }
    case 'app':
      return change.action === 'create' ? `+ app ${change.name} (consumer ${change.consumer})` : `- app ${change.name}`;
    case 'credential':
      return change.action === 'create' ? `+ credential ${change.consumerKey} in app ${change.app} (secret random, never shown)` : `- credential ${change.consumerKey} in app ${change.app} (not the AIC client id)`;
    case 'credential-product':
      return `${change.action === 'add' ? '+' : '-'} product ${change.product} on credential ${change.consumerKey}`;
  }
}

export function summarizeApigee(plan: ApigeePlan): { create: number; update: number; delete: number } {
  const counts = { create: 0, update: 0, delete: 0 };
  for (const change of plan.changes) {
    const action = change.action;
    if (action === 'delete' || action === 'remove') counts.delete += 1;
    else if (action === 'update' || action === 'deploy-revision' || (change.kind === 'bundle' && change.action === 'import-and-deploy' && change.reason === 'content-changed')) counts.update += 1;
    else counts.create += 1;
  }
  return counts;
}

export function renderApigeePlan(plan: ApigeePlan): string {
  const lines = [`Apigee ${plan.organization}/${plan.environment} (developer ${plan.developer}):`];
  for (const problem of plan.problems) lines.push(`  error: ${problem}`);
  for (const warning of plan.warnings) lines.push(`  warning: ${warning}`);
  if (plan.problems.length) {
    lines.push('  Nothing will be sent to Apigee until these errors are fixed.');
    return lines.join('\n');
  }
  for (const change of plan.changes) lines.push(`  ${describeChange(change)}`);
  const counts = summarizeApigee(plan);
  lines.push(plan.changes.length ? `  Apigee: ${counts.create} to create, ${counts.update} to update, ${counts.delete} to delete.` : '  Apigee: no changes.');
  return lines.join('\n');
}

/** A stable, serialisable form: the changes as typed above, without bundle contents. */
export function apigeePlanToJson(plan: ApigeePlan): Record<string, unknown> {
  return {
    organization: plan.organization,
    environment: plan.environment,
    developer: plan.developer,
    ok: plan.problems.length === 0,
    problems: plan.problems,
    warnings: plan.warnings,
    summary: summarizeApigee(plan),
    changes: plan.changes.map((change) => ({ ...change, description: describeChange(change) })),
    bundles: plan.bundleStates,
  };
}
