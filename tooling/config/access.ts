/**
 * The access configuration: which consumers may call which providers' scopes, and under which
 * identity conditions. Owns loading a file or a directory of files and merging them; the types are
 * in access-model.ts, validation in access-validate.ts (and its parts). Knows nothing of AM objects
 * (see engine/desired/).
 */
import path from 'node:path';
import { decodeUtf8, JsonSyntaxError, parseJsonStrict } from './json-source.js';
import { AccessFileError, DEFAULT_SCOPES_POLICY_SET, LIMITS, type AccessConfig, type AccessProblem, type ScopePoliciesConfig, type ScriptEngine } from './access-model.js';
import { isObject } from './access-checks.js';
import { filesOf, readAccessFile } from './access-files.js';
import { validateDocument } from './access-validate.js';

export * from './access-model.js';
export { DEFAULT_LOCALE_KEY, USER_ID_RULE } from './access-checks.js';
export { validateAccessConfig } from './access-validate.js';

type Document = { file: string; raw: Record<string, unknown> };

/** Reads and parses every file; syntax, encoding and key problems are collected, not thrown. */
async function readDocuments(target: string | string[], problems: AccessProblem[]): Promise<Document[]> {
  const files = (await Promise.all((Array.isArray(target) ? target : [target]).map((one) => filesOf(one, problems)))).flat();
  const documents: Document[] = [];
  for (const file of files) {
    const shown = path.relative(process.cwd(), file) || file;
    try {
      const { value, problems: keyProblems } = parseJsonStrict(decodeUtf8(await readAccessFile(file)));
      problems.push(...keyProblems.map((d) => ({ file: shown, ...d })));
      documents.push({ file: shown, raw: value as Record<string, unknown> });
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      problems.push({ file: shown, path: '', message: error.message });
    }
  }
  return documents;
}

/**
 * Merges the documents: providers and consumers each defined in exactly one file (and never two
 * spellings that differ only by case), identity claims united, scopePolicies and scriptEngine in at
 * most one file. Returns where each section came from.
 */
function mergeDocuments(documents: Document[], problems: AccessProblem[]): { merged: AccessConfig; definedIn: Map<string, string> } {
  const merged: AccessConfig = { consumers: {}, identityClaims: [], providers: {} };
  const definedIn = new Map<string, string>();
  /** Case-folded provider and consumer ids → where the first of that spelling is defined. */
  const foldedIn = new Map<string, { id: string; file: string }>();
  for (const { file, raw } of documents) {
    if (!isObject(raw)) continue;
    for (const section of ['consumers', 'providers'] as const) {
      if (!isObject(raw[section])) continue;
      for (const [id, value] of Object.entries(raw[section] as Record<string, unknown>)) {
        const key = `${section}.${id}`;
        const what = section === 'providers' ? 'provider' : 'consumer';
        const folded = foldedIn.get(`${section}.${id.toLowerCase()}`);
        if (definedIn.has(key)) problems.push({ file, path: key, message: `duplicate ${what} "${id}": already defined in ${definedIn.get(key)}` });
        else if (folded && folded.file === file) continue; // reported by validateDocument
        else if (folded) problems.push({ file, path: key, message: `${what} "${id}" differs from ${what} "${folded.id}" (${folded.file}: ${section}.${folded.id}) only by case; AM matches resources case-insensitively, so one's policies would match the other's: rename one` });
        else {
          foldedIn.set(`${section}.${id.toLowerCase()}`, { id, file });
          definedIn.set(key, file);
          (merged[section] as Record<string, unknown>)[id] = value;
        }
      }
    }
    if (Array.isArray(raw.identityClaims)) for (const name of raw.identityClaims) if (typeof name === 'string' && !merged.identityClaims.includes(name)) merged.identityClaims.push(name);
    // One policy set and one list of clients; one engine for the whole configuration.
    for (const single of ['scopePolicies', 'scriptEngine']) {
      if (!(single in raw)) continue;
      if (definedIn.has(single)) problems.push({ file, path: single, message: `duplicate "${single}": already defined in ${definedIn.get(single)}` });
      else definedIn.set(single, file);
    }
  }
  return { merged, definedIn };
}

/** Loads and validates a file or a directory of files; throws AccessFileError listing every problem. */
export async function loadAccessConfig(target: string | string[]): Promise<AccessConfig> {
  const problems: AccessProblem[] = [];
  const documents = await readDocuments(target, problems);
  const { merged, definedIn } = mergeDocuments(documents, problems);
  const known = { consumers: new Set(Object.keys(merged.consumers)), claims: new Set(merged.identityClaims), providers: new Set(Object.keys(merged.providers)) };
  for (const { file, raw } of documents) problems.push(...validateDocument(raw, file, known));
  if (problems.length) throw new AccessFileError(problems.slice(0, LIMITS.problems));
  merged.identityClaims.sort();
  const from = (single: string) => documents.find(({ file }) => definedIn.get(single) === file)?.raw[single];
  const section = from('scopePolicies') as (Partial<ScopePoliciesConfig> & { description?: string }) | undefined;
  if (section) merged.scopePolicies = { ...(section.description ? { description: section.description } : {}), policySet: section.policySet ?? DEFAULT_SCOPES_POLICY_SET, clients: section.clients ?? [], rules: section.rules ?? [], ...(section.consent ? { consent: section.consent } : {}) };
  const engine = from('scriptEngine') as ScriptEngine | undefined;
  if (engine) merged.scriptEngine = engine;
  return merged;
}
