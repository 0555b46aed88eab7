/**
 * Runs the real Apigee linter (apigeelint, a devDependency) over a generated bundle, profile
 * apigeex, with no rc file and outside the repository (so its default ESLint rules apply, as they
 * would for anyone linting the zip). Owns: writing the bundle to a temporary folder, running the
 * linter and reading its JSON report.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ApigeeBundle } from '../../tooling/apigee/bundle.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const CLI = path.join(path.dirname(require.resolve('apigeelint/package.json')), 'cli.js');

export interface LintMessage {
  file: string;
  line?: number;
  ruleId: string;
  severity: number;
  message: string;
}

export async function lintBundle(bundle: Pick<ApigeeBundle, 'name' | 'kind' | 'files'>): Promise<LintMessage[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'apigeelint-'));
  try {
    for (const [file, content] of bundle.files) {
      const target = path.join(dir, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    const root = path.join(dir, bundle.kind === 'apis' ? 'apiproxy' : 'sharedflowbundle');
    const { stdout } = await run(process.execPath, [CLI, '-s', root, '-f', 'json.js', '--profile', 'apigeex', '--norc'], { cwd: dir, maxBuffer: 32 * 1024 * 1024 }).catch((error: { stdout?: string; stderr?: string }) => {
      // apigeelint exits non-zero when it finds errors; the report is still on stdout.
      if (error.stdout) return { stdout: error.stdout };
      throw new Error(`apigeelint did not run: ${error.stderr ?? String(error)}`);
    });
    const report = JSON.parse(stdout) as { filePath: string; messages: { line?: number; ruleId: string; severity: number; message: string }[] }[];
    return report.flatMap((entry) => entry.messages.map((m) => ({ file: path.relative(dir, entry.filePath), line: m.line, ruleId: m.ruleId, severity: m.severity, message: m.message })));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
