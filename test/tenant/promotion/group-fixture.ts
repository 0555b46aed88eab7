/**
 * Test helper: a local promotion group (development, staging, production) in one temporary folder,
 * laid out as `npm run tenant -- --env …` lays it out, each member on a free port; and a small
 * client per member that logs in as its service account with the promotion scope.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serviceAccountAuth } from '../../../tooling/rest/auth.js';
import { startTenant, type LocalTenant, type LocalTenantOptions } from '../../../tenant/server.js';
import { groupMember, type GroupEnvironmentName } from '../../../tenant/promotion/layout.js';
import type { EnvironmentOptions } from '../../../tenant/types.js';

export const REALM = '/am/json/realms/root/realms/alpha';
export const API = 'protocol=1.0,resource=1.0';
export const SCOPES = 'fr:am:* fr:idc:esv:* fr:idc:promotion:*';

export interface Answer {
  status: number;
  body: any;
}

export class Member {
  private auth;
  constructor(readonly tenant: LocalTenant, scope = SCOPES) {
    this.auth = serviceAccountAuth({ tokenUrl: `${tenant.url}/am/oauth2/access_token`, accountId: tenant.serviceAccount.id, jwk: tenant.serviceAccount.privateJwk, scope });
  }

  get state() {
    return this.tenant.context.state;
  }

  async send(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`${this.tenant.url}${pathname}`, {
      method,
      headers: { authorization: await this.auth.header(), 'accept-api-version': API, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: response.status, body: parsed };
  }

  get = (pathname: string, headers?: Record<string, string>) => this.send('GET', pathname, undefined, headers);
}

export interface Group {
  root: string;
  dev: Member;
  staging: Member;
  prod: Member;
  close(): Promise<void>;
}

/** Seconds are short: the state machines still have to be waited for. */
export const FAST: Partial<EnvironmentOptions> = { lockSeconds: 0.15, promotionSeconds: 0.15, sessionSeconds: 0.15 };

export async function startGroup(options: { environment?: Partial<EnvironmentOptions>; tenant?: Partial<Record<GroupEnvironmentName, LocalTenantOptions>> } = {}): Promise<Group> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'promotion-group-'));
  const start = async (name: GroupEnvironmentName) => {
    const member = groupMember(root, name, 0);
    const tenant = await startTenant({ port: 0, restartSeconds: 0.05, stateDir: member.stateDir, engine: 'node', ...options.tenant?.[name], environment: { ...member.environment, ...FAST, ...options.environment } });
    return new Member(tenant);
  };
  const dev = await start('dev');
  const staging = await start('staging');
  const prod = await start('prod');
  return {
    root,
    dev,
    staging,
    prod,
    async close() {
      await Promise.all([dev.tenant.close(), staging.tenant.close(), prod.tenant.close()]);
      await rm(root, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds (or fails the test after `timeoutMs`). */
export async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await sleep(40);
  }
}

/** A legacy script body as the deploy tool sends it. */
export function scriptBody(name: string, source: string) {
  return { name, description: 'test', script: Buffer.from(source, 'utf8').toString('base64'), language: 'JAVASCRIPT', context: 'OAUTH2_VALIDATE_SCOPE', evaluatorVersion: '1.0', default: false };
}

/** Locks `member` for a promotion from its lower environment and waits until locked; returns the promotion id. */
export async function lockAndWait(member: Member): Promise<string> {
  const started = await member.send('POST', '/environment/promotion/lock');
  if (started.status !== 202) throw new Error(`lock answered ${started.status} ${JSON.stringify(started.body)}`);
  await until(() => member.get('/environment/promotion/lock/state'), (a) => a.body.result === 'locked');
  return started.body.promotionId;
}

/** Starts a promotion and waits until it is no longer RUNNING; returns the final progress answer. */
export async function promoteAndWait(member: Member, body: Record<string, unknown>): Promise<Answer> {
  const started = await member.send('POST', '/environment/promotion/promote', body);
  if (started.status !== 202) throw new Error(`promote answered ${started.status} ${JSON.stringify(started.body)}`);
  return until(() => member.get('/environment/promotion/promote'), (a) => a.body.status !== 'RUNNING');
}
