/**
 * Compiles the Java side of the real engine (rhino/java: stubs of AM's classes, the engine and its
 * server) into .cache/rhino-classes/engine.jar with javac and jar, again only when the sources' hash
 * changes. A jar, not a class folder: Rhino resolves every `org.forgerock…` / `java.util…` path
 * in a script by trying to load classes that do not exist, and a miss in a jar is an index lookup
 * where a miss in a folder is a file-system call — per lookup, per execution.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JAVA_SOURCES = path.join(ROOT, 'rhino', 'java');
export const CLASSES = path.join(ROOT, '.cache', 'rhino-classes');

function javaFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? javaFiles(full) : full.endsWith('.java') ? [full] : [];
  });
}

let compiled: Promise<string> | undefined;

/** The classpath to run the engine with; compiles first when needed (once per process). */
export function ensureCompiled(jar: string): Promise<string> {
  compiled ??= (async () => {
    const files = javaFiles(JAVA_SOURCES).sort();
    const hash = createHash('sha256').update('engine.jar v1\n'); // the output's layout is part of the stamp
    for (const file of files) hash.update(path.relative(JAVA_SOURCES, file)).update(readFileSync(file));
    const digest = hash.digest('hex');
    const stamp = path.join(CLASSES, '.sources-sha256');
    if (!existsSync(stamp) || !existsSync(path.join(CLASSES, 'engine.jar')) || (await readFile(stamp, 'utf8')) !== digest) {
      // Compile beside, then swap: another process may be running the old classes right now.
      const fresh = `${CLASSES}.${process.pid}.${Date.now()}`;
      await mkdir(fresh, { recursive: true });
      try {
        const classes = path.join(fresh, 'classes');
        await run('javac', ['-nowarn', '-encoding', 'UTF-8', '-cp', jar, '-d', classes, ...files]);
        await run('jar', ['--create', '--file', path.join(fresh, 'engine.jar'), '-C', classes, '.']);
        await rm(classes, { recursive: true, force: true });
        await writeFile(path.join(fresh, '.sources-sha256'), digest);
        await rm(CLASSES, { recursive: true, force: true });
        await rename(fresh, CLASSES).catch(async (error: NodeJS.ErrnoException) => {
          // Another process swapped in the same sources first: theirs are as good as ours.
          if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
        });
      } finally {
        await rm(fresh, { recursive: true, force: true });
      }
    }
    return `${jar}${path.delimiter}${path.join(CLASSES, 'engine.jar')}`;
  })();
  compiled.catch(() => (compiled = undefined));
  return compiled;
}
