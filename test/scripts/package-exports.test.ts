/**
 * `aic-api-to-api/amkit` and `aic-api-to-api/rhino` from another repository: a consumer project in
 * a temporary folder outside this one depends on this repository through a node_modules link (what
 * npm makes of a `file:` dependency), and unit-tests its own AM script with tsx, with vitest, and
 * type-checks against the exported types with tsc.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rhinoAvailable } from '../../rhino/run.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

/** The consumer's own legacy token modification script: adds a claim from an identity attribute. */
const MY_SCRIPT = `
var groups = identity.getAttribute("isMemberOf");
accessToken.setField("team", groups.isEmpty() ? "none" : String(groups.iterator().next()));
`;

const CONSUMER_RUN = `
import { runScript, type ScriptOutcome } from 'aic-api-to-api/amkit';
import { rhinoAvailable, runInRhino, stopRhinoServer } from 'aic-api-to-api/rhino';
import { readFileSync } from 'node:fs';

const source = readFileSync(new URL('./my-script.js', import.meta.url), 'utf8');
const input = { realm: '/alpha', env: {}, accessToken: { scope: ['read'], clientId: 'web', resourceOwnerId: 'u1', grantType: 'authorization_code' }, identity: { attributes: { isMemberOf: ['cn=blue'] } } };
const sandbox: ScriptOutcome = runScript(source, 'OAUTH2_ACCESS_TOKEN_MODIFICATION', input);
const real = rhinoAvailable().ok ? (await runInRhino([{ source, context: 'OAUTH2_ACCESS_TOKEN_MODIFICATION', input }]))[0] : null;
await stopRhinoServer();
process.stdout.write(JSON.stringify({ sandbox: sandbox.accessToken, real: real ? real.accessToken : null }));
`;

const CONSUMER_TEST = `
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { runScript } from 'aic-api-to-api/amkit';

test('my token modification script adds the team claim', () => {
  const source = readFileSync(new URL('./my-script.js', import.meta.url), 'utf8');
  const outcome = runScript(source, 'OAUTH2_ACCESS_TOKEN_MODIFICATION', {
    realm: '/alpha', env: {},
    accessToken: { scope: ['read'], clientId: 'web', resourceOwnerId: 'u1', grantType: 'authorization_code' },
    identity: { attributes: { isMemberOf: ['cn=green'] } },
  });
  expect(outcome.ok).toBe(true);
  expect(outcome.accessToken?.fields).toEqual({ team: 'cn=green' });
});
`;

describe('the kit from another repository (package subpath exports)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'amkit-consumer-'));
    expect(path.relative(ROOT, dir).startsWith('..')).toBe(true);
    await mkdir(path.join(dir, 'node_modules', '@types'), { recursive: true });
    // npm turns a file: dependency into this link; vitest and the Node types are the consumer's own dev dependencies.
    await symlink(ROOT, path.join(dir, 'node_modules', 'aic-api-to-api'), 'dir');
    await symlink(path.join(ROOT, 'node_modules', 'vitest'), path.join(dir, 'node_modules', 'vitest'), 'dir');
    await symlink(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(dir, 'node_modules', '@types', 'node'), 'dir');
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'my-am-scripts', private: true, type: 'module', dependencies: { 'aic-api-to-api': `file:${ROOT}` } }, null, 2));
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, include: ['*.ts'] }, null, 2),
    );
    await writeFile(path.join(dir, 'my-script.js'), MY_SCRIPT);
    await writeFile(path.join(dir, 'run.ts'), CONSUMER_RUN);
    await writeFile(path.join(dir, 'my-script.test.ts'), CONSUMER_TEST);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs a script case with tsx through aic-api-to-api/amkit and aic-api-to-api/rhino', async () => {
    const { stdout } = await run(bin('tsx'), ['run.ts'], { cwd: dir });
    const result = JSON.parse(stdout);
    expect(result.sandbox).toEqual({ scope: ['read'], fields: { team: 'cn=blue' } });
    if (rhinoAvailable().ok || process.env.CI === 'true') expect(result.real).toEqual(result.sandbox);
  }, 60_000);

  it('runs the consumer’s own vitest test importing aic-api-to-api/amkit', async () => {
    const { stdout } = await run(bin('vitest'), ['run', '--root', dir], { cwd: dir, env: { ...process.env, CI: 'true', FORCE_COLOR: '0' } });
    expect(stdout).toMatch(/1 passed/);
  }, 120_000);

  it('type-checks the consumer against the exported types', async () => {
    await run(bin('tsc'), ['-p', path.join(dir, 'tsconfig.json')], { cwd: dir });
  }, 120_000);
});
