/**
 * AIC's promotion report as a person reads it before approving a promotion — one line per
 * object, grouped by configuration item, like a plan (`+` added, `~` modified, `-` deleted) —
 * and as JSON for CI; and the scripts a report deletes (read from AM's configuration DNs), which
 * must not be ones a client still points at. Pure.
 */
import type { ConfigItemChange, PromotionReport } from '../rest/promotion.js';

const SYMBOL = { added: '+', modified: '~', deleted: '-' } as const;
type ChangeKind = keyof typeof SYMBOL;

export interface ReportSummary {
  added: number;
  modified: number;
  deleted: number;
}

export interface ReportLine {
  change: ChangeKind;
  section: 'AMConfig' | 'IDMConfig';
  configItem: string;
  name: string;
  realm?: string;
  uid: string;
}

/** Every object the report lists, in the report's order. */
export function reportLines(report: PromotionReport): ReportLine[] {
  const lines: ReportLine[] = [];
  for (const section of ['AMConfig', 'IDMConfig'] as const) {
    for (const item of report.report?.[section] ?? []) {
      for (const change of ['added', 'modified', 'deleted'] as const) {
        for (const object of (item.configChange?.[change] ?? []) as ConfigItemChange[]) lines.push({ change, section, configItem: item.configItem, name: object.name, realm: object.realm, uid: object.uid });
      }
    }
  }
  return lines;
}

export function summarizeReport(report: PromotionReport): ReportSummary {
  const summary: ReportSummary = { added: 0, modified: 0, deleted: 0 };
  for (const line of reportLines(report)) summary[line.change] += 1;
  return summary;
}

/** The report as text: a heading, one line per object under its configuration item, a summary. */
export function renderReport(report: PromotionReport, heading: string): string {
  const lines = [heading];
  let item = '';
  for (const line of reportLines(report)) {
    const label = `${line.section === 'IDMConfig' ? 'IDM: ' : ''}${line.configItem}`;
    if (label !== item) lines.push(`  ${label}`);
    item = label;
    lines.push(`    ${SYMBOL[line.change]} ${line.change.padEnd(8)} ${line.name}${line.realm ? `  (${line.realm})` : ''}`);
  }
  const summary = summarizeReport(report);
  if (summary.added + summary.modified + summary.deleted === 0) lines.push('  (no static configuration changes)');
  if (report.missingESVs?.length) lines.push(`  missing ESVs in this environment: ${report.missingESVs.join(', ')}`);
  lines.push(`Report ${report.reportId}: ${summary.added} to add, ${summary.modified} to modify, ${summary.deleted} to delete.`);
  return lines.join('\n');
}

export function reportToJson(report: PromotionReport): Record<string, unknown> {
  return { reportId: report.reportId, promotionId: report.promotionId, type: report.type, dryRun: report.dryRun, createdDate: report.createdDate, missingESVs: report.missingESVs ?? [], summary: summarizeReport(report), changes: reportLines(report) };
}

const SCRIPT_UID = /^ou=([^,]+),ou=scriptConfigurations,/i;

/** The script ids (uuids) a report deletes: AM's DN of a script is `ou=<uuid>,ou=scriptConfigurations,…`. */
export function deletedScriptIds(report: PromotionReport): string[] {
  return reportLines(report)
    .filter((line) => line.change === 'deleted')
    .map((line) => SCRIPT_UID.exec(line.uid)?.[1])
    .filter((id): id is string => id !== undefined);
}
