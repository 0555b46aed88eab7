/**
 * The recorded AIC exchanges in test/fixtures/am-recordings (copied into the repository so the tests
 * stand on their own; sources in that folder's README), the ground truth for payload shapes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './local-tenant.js';

export interface Exchange {
  request: { method: string; path: string; headers: Record<string, string>; body: unknown };
  response: { status: number; contentType?: string; body: unknown };
}

export const RECORDINGS_DIR = path.join(ROOT, 'test', 'fixtures', 'am-recordings');

export function recording(name: string): Exchange[] {
  return JSON.parse(readFileSync(path.join(RECORDINGS_DIR, `${name}.json`), 'utf8'));
}

export function recordingNames(): string[] {
  return readdirSync(RECORDINGS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
}

/** Deep equality that treats "<redacted>" in the recording as "any value". */
export function matchesRecorded(actual: unknown, recorded: unknown): boolean {
  if (recorded === '<redacted>') return true;
  if (Array.isArray(recorded)) return Array.isArray(actual) && actual.length === recorded.length && recorded.every((item, i) => matchesRecorded(actual[i], item));
  if (recorded && typeof recorded === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const keys = new Set([...Object.keys(recorded), ...Object.keys(actual)]);
    return [...keys].every((key) => matchesRecorded((actual as Record<string, unknown>)[key], (recorded as Record<string, unknown>)[key]));
  }
  return actual === recorded;
}
