/**
 * Choosing the script engine: `scriptEngine` in the access configuration (in at most one file,
 * validated like the rest, in the schema too) or SCRIPT_ENGINE in the environment, which wins;
 * legacy when neither says. Also the verify probe's settings, whose secret is never enumerable.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessFileError, loadAccessConfig } from '../../../tooling/config/access.js';
import { EnvError, loadEnvironment } from '../../../tooling/config/env.js';
import { effectiveScriptEngine } from '../../../tooling/cli/inputs.js';

const created: string[] = [];
afterAll(() => Promise.all(created.map((d) => rm(d, { recursive: true, force: true }))));
async function folder(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'engine-'));
  created.push(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}
const consumers = { consumers: { webApp: {} } };
const problemsOf = async (dir: string) => {
  try {
    await loadAccessConfig(dir);
    return [];
  } catch (thrown) {
    if (!(thrown instanceof AccessFileError)) throw thrown;
    return thrown.problems.map((p) => `${path.basename(p.file)}: ${p.path}: ${p.message}`);
  }
};

describe('scriptEngine in the access configuration', () => {
  it('is read from the one file that sets it; absent means not set (legacy by default)', async () => {
    expect((await loadAccessConfig(await folder({ 'a.json': { ...consumers, scriptEngine: 'next-gen' }, 'b.json': { providers: {} } }))).scriptEngine).toBe('next-gen');
    expect((await loadAccessConfig(await folder({ 'a.json': consumers }))).scriptEngine).toBeUndefined();
  });

  it('refuses another value, naming file, path and what is expected', async () => {
    expect(await problemsOf(await folder({ 'a.json': { ...consumers, scriptEngine: 'nextgen' } }))).toEqual(['a.json: scriptEngine: expected "legacy" or "next-gen", got string "nextgen"']);
    expect(await problemsOf(await folder({ 'a.json': { ...consumers, scriptEngine: 2 } }))).toEqual(['a.json: scriptEngine: expected "legacy" or "next-gen", got number 2']);
  });

  it('may be set in at most one file (even with the same value)', async () => {
    const problems = await problemsOf(await folder({ 'a.json': { ...consumers, scriptEngine: 'legacy' }, 'b.json': { scriptEngine: 'legacy' } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^b\.json: scriptEngine: duplicate "scriptEngine": already defined in .*a\.json$/);
  });

  it('is in the schema, with the same two values', () => {
    const schema = JSON.parse(readFileSync(new URL('../../../access.schema.json', import.meta.url), 'utf8'));
    expect(schema.properties.scriptEngine.enum).toEqual(['legacy', 'next-gen']);
  });
});

describe('SCRIPT_ENGINE in the environment', () => {
  it('is read from .env files and the process, and refused when it is neither engine', async () => {
    const cwd = await folder({ '.env': 'SCRIPT_ENGINE=next-gen\n', '.env.prod': 'SCRIPT_ENGINE=legacy\n' });
    expect(loadEnvironment({ cwd, processEnv: {} }).scriptEngine).toBe('next-gen');
    expect(loadEnvironment({ cwd, envName: 'prod', processEnv: {} }).scriptEngine).toBe('legacy');
    expect(loadEnvironment({ cwd: await folder({}), processEnv: {} }).scriptEngine).toBeUndefined();
    expect(() => loadEnvironment({ cwd, processEnv: { SCRIPT_ENGINE: 'v2' } })).toThrow(EnvError);
    expect(() => loadEnvironment({ cwd, processEnv: { SCRIPT_ENGINE: 'v2' } })).toThrow(/SCRIPT_ENGINE: expected legacy or next-gen, got "v2"/);
  });

  it('wins over the access file, which wins over the default', () => {
    expect(effectiveScriptEngine({ scriptEngine: 'legacy' }, { scriptEngine: 'next-gen' })).toEqual({ engine: 'legacy', from: 'SCRIPT_ENGINE' });
    expect(effectiveScriptEngine({}, { scriptEngine: 'next-gen' })).toEqual({ engine: 'next-gen', from: 'access file' });
    expect(effectiveScriptEngine({}, {})).toEqual({ engine: 'legacy', from: 'default' });
  });
});

describe('the verify probe settings', () => {
  it('are read from the environment, the client secret never enumerable', async () => {
    const env = loadEnvironment({ cwd: await folder({}), processEnv: { VERIFY_CLIENT_ID: 'ordersApp', VERIFY_CLIENT_SECRET: 'probe-Secret-value-123', VERIFY_SCOPE: 'api://orders/read' } });
    expect(env.verify).toEqual({ clientId: 'ordersApp', scope: 'api://orders/read' });
    expect(env.verify.clientSecret).toBe('probe-Secret-value-123');
    expect(JSON.stringify(env) + inspect(env, { depth: 5 })).not.toContain('probe-Secret-value-123');
  });
});
