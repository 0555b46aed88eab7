/**
 * Renders a plan for people (Terraform-like) and for machines (JSON).
 * Owns: wording and layout of plan output. Secret values never reach here: sensitive fields carry
 * no values, and long strings (script bodies) are shown as a size and a short hash.
 */
import { createHash } from 'node:crypto';
import type { Change, FieldChange, Json, Plan } from './model.js';
import { summarize } from './plan.js';

const SYMBOL: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', noop: ' ' };

function shortValue(value: Json | undefined): string {
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

export function renderPlan(plan: Plan, options: RenderOptions = {}): string {
  const lines: string[] = [];
  const maxFields = options.maxFieldsPerObject ?? 20;
  for (const change of plan.changes) {
    if (change.action === 'noop' && !options.showUnchanged) continue;
    lines.push(`  ${SYMBOL[change.action]} ${change.action.padEnd(6)} ${change.kind.padEnd(13)} ${change.id}`);
    if (change.action === 'update' || (change.action === 'create' && change.diff.some((d) => d.sensitive))) {
      const fields = change.action === 'update' ? change.diff : change.diff.filter((d) => d.sensitive);
      for (const field of fields.slice(0, maxFields)) lines.push(renderField(field));
      if (fields.length > maxFields) lines.push(`      … ${fields.length - maxFields} more fields`);
    }
  }
  const counts = summarize(plan);
  if (lines.length === 0) lines.push('  No changes. The tenant matches the access configuration.');
  if (plan.warnings.length) {
    lines.push('');
    for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
  }
  lines.push('');
  lines.push(
    `Plan: ${counts.create} to create, ${counts.update} to update, ${counts.delete} to delete, ${counts.noop} unchanged.` +
      (plan.restartNeeded ? ' ESV changes are pending: the tenant will be restarted once at the end.' : ''),
  );
  return lines.join('\n');
}

/** JSON form of a plan: no bodies of unchanged objects, no secret values (there are none in a plan). */
export function planToJson(plan: Plan): unknown {
  return {
    realm: plan.realm,
    amVersion: plan.amVersion,
    restartNeeded: plan.restartNeeded,
    summary: summarize(plan),
    problems: plan.problems,
    warnings: plan.warnings,
    changes: plan.changes
      .filter((c) => c.action !== 'noop')
      .map((c) => ({
        action: c.action,
        kind: c.kind,
        id: c.id,
        diff: c.diff.map((d) => (d.sensitive ? { path: d.path, sensitive: true } : d)),
      })),
  };
}
