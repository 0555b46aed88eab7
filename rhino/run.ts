/**
 * Runs bundles in the real engine: Mozilla Rhino 1.7.14 (Debian's rhino package) at language
 * version 0, through the Java harness in rhino/java. Owns: compiling the harness on first use and
 * talking to it. Many cases share one JVM per call, each in a fresh top-level scope.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { HttpAnswer, LegacyBindingInput, ScriptContext, ScriptOutcome } from '../amkit/types.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JAVA_SOURCES = path.join(ROOT, 'rhino', 'java');
const CLASSES = path.join(ROOT, '.cache', 'rhino-classes');
const RHINO_JARS = ['/usr/share/java/js.jar', '/usr/share/java/rhino.jar'];

export interface RhinoCase {
  /** Shown in error messages. */
  name?: string;
  source: string;
  context: ScriptContext;
  entryPoint?: string;
  input: Omit<LegacyBindingInput, 'http'> & { http?: (HttpAnswer | { throw: string })[] | { live: true } };
}

export function rhinoJar(): string | undefined {
  return RHINO_JARS.find((jar) => existsSync(jar));
}

export function rhinoAvailable(): { ok: true; jar: string } | { ok: false; reason: string } {
  const jar = rhinoJar();
  if (!jar) return { ok: false, reason: `Rhino is not installed (none of ${RHINO_JARS.join(', ')}): apt-get install rhino` };
  for (const tool of ['java', 'javac']) {
    const found = (process.env.PATH ?? '').split(path.delimiter).some((dir) => existsSync(path.join(dir, tool)));
    if (!found) return { ok: false, reason: `${tool} is not on PATH: install a JDK (e.g. openjdk-17-jdk-headless)` };
  }
  return { ok: true, jar };
}

function javaFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? javaFiles(full) : full.endsWith('.java') ? [full] : [];
  });
}

let compiled: Promise<void> | undefined;

/** Compiles the harness into .cache/rhino-classes, again only when its sources change. */
function ensureCompiled(jar: string): Promise<void> {
  compiled ??= (async () => {
    const files = javaFiles(JAVA_SOURCES).sort();
    const hash = createHash('sha256');
    for (const file of files) hash.update(file).update(readFileSync(file));
    const digest = hash.digest('hex');
    const stamp = path.join(CLASSES, '.sources-sha256');
    if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === digest) return;
    await rm(CLASSES, { recursive: true, force: true });
    await mkdir(CLASSES, { recursive: true });
    await run('javac', ['-nowarn', '-encoding', 'UTF-8', '-cp', jar, '-d', CLASSES, ...files]);
    await writeFile(stamp, digest);
  })();
  return compiled;
}

export async function runInRhino(cases: RhinoCase[]): Promise<ScriptOutcome[]> {
  const available = rhinoAvailable();
  if (!available.ok) throw new Error(available.reason);
  await ensureCompiled(available.jar);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rhino-cases-'));
  try {
    const file = path.join(dir, 'cases.json');
    await writeFile(file, JSON.stringify(cases));
    const { stdout } = await run('java', ['-Xss4m', '-cp', `${available.jar}${path.delimiter}${CLASSES}`, 'harness.Harness', file], { maxBuffer: 256 * 1024 * 1024 });
    return JSON.parse(stdout) as ScriptOutcome[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
