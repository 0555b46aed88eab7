/**
 * Test helpers for the promotion pipeline: the CLI run as CI runs it (a child process, a working
 * folder with no tenant configured, the local promotion group in a temporary folder on free
 * ports), each member's saved state, and the invariant every step must keep — no client points at
 * a script its environment lacks.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/local-tenant.js';
import type { JsonObject, TenantState } from '../../tenant/types.js';
import { LOCK_FILE } from '../../tenant/promotion/group.js';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A port p with p, p+1 and p+2 free: the group's base port. */
async function freeBasePort(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    if ((await free(base)) && (await free(base + 1)) && (await free(base + 2))) return base;
  }
  throw new Error('no three consecutive free ports');
}

export interface Workspace {
  dir: string;
  /** LOCAL_TENANT_DIR: holds dev/, staging/, prod/. */
  group: string;
  basePort: number;
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
  state(member: 'dev' | 'staging' | 'prod'): TenantState;
  locked(member: 'dev' | 'staging' | 'prod'): boolean;
  close(): Promise<void>;
}

export async function workspace(): Promise<Workspace> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'promotion-pipeline-'));
  const group = path.join(dir, '.local-tenant');
  const basePort = await freeBasePort();
  return {
    dir,
    group,
    basePort,
    async cli(args, env = {}) {
      const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOCAL_TENANT_DIR: group, LOCAL_TENANT_PORT: String(basePort), LOCAL_TENANT_ENGINE: 'node', AIC_ACCESS_FILE: path.join(ROOT, 'access'), ...env };
      try {
        const { stdout, stderr } = await run(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'tooling/cli/main.ts'), ...args], { cwd: dir, env: childEnv, maxBuffer: 64 * 1024 * 1024 });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    },
    state: (member) => JSON.parse(readFileSync(path.join(group, member, 'state.json'), 'utf8')) as TenantState,
    locked(member) {
      const file = path.join(group, member, LOCK_FILE);
      if (!existsSync(file)) return false;
      const record = JSON.parse(readFileSync(file, 'utf8')) as { state: string; settlesAt: number };
      return !(record.state === 'unlocking' && record.settlesAt <= Date.now());
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

const SCRIPT_FIELDS = ['accessTokenModificationScript', 'validateScopeScript'];

/** Every (client, script id) a client of the realm points at that the realm does not hold. */
export function danglingScripts(state: TenantState, realm = 'alpha'): string[] {
  const scripts = state.realms[realm]?.scripts ?? {};
  const dangling: string[] = [];
  for (const [id, client] of Object.entries(state.realms[realm]?.oauth2Clients ?? {})) {
    const overrides = ((client as JsonObject).overrideOAuth2ClientConfig ?? {}) as Record<string, unknown>;
    for (const field of SCRIPT_FIELDS) {
      const value = overrides[field];
      const script = value && typeof value === 'object' && 'value' in (value as object) ? (value as { value: unknown }).value : value;
      if (typeof script === 'string' && script !== '[Empty]' && !Object.prototype.hasOwnProperty.call(scripts, script)) dangling.push(`${id} -> ${script}`);
    }
  }
  return dangling;
}

/** Whether a client runs the tool's scripts (its overrides switched). */
export function switched(state: TenantState, clientId: string, realm = 'alpha'): boolean {
  const overrides = ((state.realms[realm]?.oauth2Clients[clientId] as JsonObject | undefined)?.overrideOAuth2ClientConfig ?? {}) as Record<string, unknown>;
  return overrides.accessTokenModificationPluginType === 'SCRIPTED' && overrides.validateScopePluginType === 'SCRIPTED';
}

/** The realm's scripts by id, bodies as stored. */
export const scriptsOf = (state: TenantState, realm = 'alpha') => state.realms[realm]?.scripts ?? {};
