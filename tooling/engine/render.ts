/**
 * Renders a plan for people (Terraform-like) and for machines (JSON). Owns the wording and layout of
 * plan output; diagnostics are rendered by the CLI (cli/output.ts). Secret values never reach here:
 * sensitive fields carry no values, and long strings (script bodies) are shown as a size and a hash.
 */
import { createHash } from 'node:crypto';
import type { AnyChange, ChangeAction, FieldChange, JsonValue, Plan } from './model.js';
import { summarize } from './plan.js';

const SYMBOL: Record<ChangeAction, string> = { create: '+', update: '~', replace: '-/+', delete: '-', promote: '>', noop: ' ' };

function shortValue(value: JsonValue | undefined): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value);
  if (text.length <= 80) return text;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  return `<${text.length} chars sha256:${hash}>`;
}

function renderField(field: FieldChange): string {
  if (field.sensitive) return `      ${field.path}: (sensitive value changes)`;
  return `      ${field.path}: ${shortValue(field.before)} -> ${shortValue(field.after)}`;
}

export interface RenderOptions {
  /** Also list unchanged objects (one line each). */
  showUnchanged?: boolean;
  /** Maximum field lines per object; the rest are counted. */
  maxFieldsPerObject?: number;
}

function renderChange(change: AnyChange, maxFields: number): string[] {
  const lines = [`  ${SYMBOL[change.action].padStart(3)} ${change.action.padEnd(7)} ${change.kind.padEnd(14)} ${change.id}`];
  if (change.reason) lines.push(`      because ${change.reason}`);
  // A create shows only its secret fields (its whole body is new); updates and replaces show the diff.
  const fields = change.action === 'create' ? change.diff.filter((d) => d.sensitive) : change.action === 'delete' || change.action === 'promote' ? [] : change.diff;
  for (const field of fields.slice(0, maxFields)) lines.push(renderField(field));
  if (fields.length > maxFields) lines.push(`      … ${fields.length - maxFields} more fields`);
  return lines;
}

export function renderPlan(plan: Plan, options: RenderOptions = {}): string {
  const lines: string[] = [];
  const maxFields = options.maxFieldsPerObject ?? 20;
  for (const change of plan.changes) if (change.action !== 'noop' || options.showUnchanged) lines.push(...renderChange(change, maxFields));
  if (plan.restart) {
    const earlier = plan.restart.pendingFromEarlier.length ? ` (pending from an earlier run: ${plan.restart.pendingFromEarlier.join(', ')})` : '';
    lines.push(`    ~ restart tenant         loads ${plan.restart.loads.join(', ')}${earlier}`);
  }
  if (lines.length === 0) lines.push('  No changes. The tenant matches the access configuration.');
  const counts = summarize(plan);
  lines.push('');
  lines.push(
    `Plan: ${counts.create} to create, ${counts.update} to update, ${counts.replace ? `${counts.replace} to replace, ` : ''}${counts.delete} to delete, ${counts.promote ? `${counts.promote} to promote, ` : ''}${counts.noop} unchanged.` +
      (plan.restart ? ' ESV changes are pending: the tenant will be restarted once they are written.' : ''),
  );
  return lines.join('\n');
}

/** JSON form of a plan: no bodies, no secret values (there are none in a plan). */
export function planToJson(plan: Plan): Record<string, unknown> {
  return {
    realm: plan.realm,
    amVersion: plan.amVersion,
    environment: plan.environment,
    restart: plan.restart ?? null,
    summary: summarize(plan),
    changes: plan.changes
      .filter((c) => c.action !== 'noop')
      .map((c) => ({
        action: c.action,
        kind: c.kind,
        id: c.id,
        ...(c.reason ? { reason: c.reason } : {}),
        dependsOn: c.dependsOn,
        diff: c.diff.map((d) => (d.sensitive ? { path: d.path, sensitive: true } : d)),
      })),
  };
}
