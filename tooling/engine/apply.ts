/**
 * Applies a plan: each change runs as soon as the changes it depends on have succeeded, bounded by
 * the REST client's concurrency limit; a failure skips only its dependents. Deletes run after every
 * create and update has settled. Owns: mapping a change to REST calls. Must not decide what changes.
 */
import type { AmHttp } from '../rest/http.js';
import { putVariable, createSecret, createSecretVersion, setSecretDescription } from '../rest/esv.js';
import { putScript } from '../rest/scripts.js';
import { putAgent } from '../rest/ig-agents.js';
import { putNode, putTree } from '../rest/journeys.js';
import { createResourceType, updateResourceType, deleteResourceType } from '../rest/resource-types.js';
import { createPolicySet, updatePolicySet, deletePolicySet } from '../rest/policy-sets.js';
import { createPolicy, updatePolicy, deletePolicy } from '../rest/policies.js';
import { getClient, putClient, setOverrides } from '../rest/oauth2-clients.js';
import { changeKey, type Change, type DesiredState, type JsonObject, type Plan } from './model.js';
import { versionFor } from './observe.js';
import { describeWithDigest } from './secret-digest.js';

export type ChangeStatus = 'done' | 'failed' | 'skipped';

export interface ProgressEvent {
  change: Change;
  status: ChangeStatus;
  /** One line: the object, the HTTP status and AM's message (already free of secrets). */
  message?: string;
  done: number;
  total: number;
}

export interface ApplyResult {
  done: Change[];
  failed: { change: Change; message: string }[];
  skipped: { change: Change; reason: string }[];
  /** ESV writes that succeeded: the tenant must be restarted to load them. */
  esvWritten: boolean;
}

const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/** AM wraps IG agent values as {inherited, value} on single-object writes. */
function wrapAgent(body: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(body)) out[key] = { inherited: false, value };
  return out;
}

function secretValue(change: Change, desired: DesiredState): string {
  const value = desired.secretValues[change.id] ?? desired.objects.find((o) => o.kind === 'esv' && o.id === change.id)?.body.value;
  if (typeof value !== 'string') throw new Error(`esv ${change.id}: no value to write`);
  return value;
}

async function applyChange(change: Change, plan: Plan, desired: DesiredState, http: AmHttp): Promise<void> {
  const realm = plan.realm;
  const after = change.after ?? {};
  switch (change.kind) {
    case 'esv': {
      if (change.meta?.esvType === 'secret') {
        const value = secretValue(change, desired);
        const description = describeWithDigest(String(after.description ?? ''), value);
        if (change.action === 'create') {
          const created = await createSecret(http, change.id, {
            valueBase64: base64(value),
            description,
            encoding: String(after.encoding ?? 'generic'),
            useInPlaceholders: Boolean(after.useInPlaceholders),
          });
          if (!created.exists) return;
        }
        // Version first, digest second: an interruption between them only repeats the version next run.
        if (change.action === 'create' || change.meta?.valueChanged === 'true') await createSecretVersion(http, change.id, base64(value));
        await setSecretDescription(http, change.id, description);
        return;
      }
      await putVariable(http, change.id, {
        valueBase64: base64(String(after.value ?? '')),
        description: String(after.description ?? ''),
        expressionType: String(after.expressionType ?? 'string'),
      });
      return;
    }
    case 'script':
      await putScript(http, realm, after as never);
      return;
    case 'ig-agent': {
      const body = wrapAgent(after);
      if (change.meta?.passwordChanged === 'true') {
        const password = desired.secretValues[`ig-agent:${change.id}`];
        if (password === undefined) throw new Error(`ig-agent ${change.id}: no password configured`);
        body.userpassword = password;
      }
      await putAgent(http, realm, change.id, body);
      return;
    }
    case 'journey-node':
      await putNode(http, realm, String(change.meta?.nodeType), change.id, after, versionFor(change.meta?.version, plan.amVersion));
      return;
    case 'journey':
      await putTree(http, realm, change.id, after);
      return;
    case 'resource-type':
      if (change.action === 'delete') return void (await deleteResourceType(http, realm, String(change.before?.uuid)));
      if (change.action === 'create') {
        const created = await createResourceType(http, realm, after);
        if (!(created as { exists?: boolean }).exists) return;
      }
      await updateResourceType(http, realm, String(after.uuid), after);
      return;
    case 'policy-set':
      if (change.action === 'delete') return void (await deletePolicySet(http, realm, change.id));
      if (change.action === 'create') {
        const created = await createPolicySet(http, realm, after);
        if (!(created as { exists?: boolean }).exists) return;
      }
      await updatePolicySet(http, realm, change.id, after);
      return;
    case 'policy':
      if (change.action === 'delete') return void (await deletePolicy(http, realm, change.id));
      if (change.action === 'create') {
        const created = await createPolicy(http, realm, after);
        if (!(created as { exists?: boolean }).exists) return;
      }
      await updatePolicy(http, realm, change.id, after);
      return;
    case 'oauth2-client': {
      // A client PUT replaces the whole client: read it fresh, change only the override block.
      const current = await getClient(http, realm, change.id);
      if (!current) throw new Error(`oauth2-client ${change.id}: not found in realm ${realm}`);
      const overrides = (after.overrideOAuth2ClientConfig ?? {}) as JsonObject;
      await putClient(http, realm, change.id, setOverrides(current, overrides));
      return;
    }
  }
}

function errorLine(change: Change, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `${change.action} ${change.kind} ${change.id}: ${message}`;
}

export async function applyPlan(
  plan: Plan,
  desired: DesiredState,
  http: AmHttp,
  onProgress: (event: ProgressEvent) => void = () => {},
): Promise<ApplyResult> {
  const work = plan.changes.filter((c) => c.action !== 'noop');
  const result: ApplyResult = { done: [], failed: [], skipped: [], esvWritten: false };
  const outcome = new Map<string, Promise<ChangeStatus>>();
  let finished = 0;
  const report = (change: Change, status: ChangeStatus, message?: string) => {
    finished += 1;
    onProgress({ change, status, message, done: finished, total: work.length });
  };

  const run = async (change: Change, waitFor: Promise<unknown>[]): Promise<ChangeStatus> => {
    await Promise.all(waitFor);
    const blocking: string[] = [];
    for (const key of change.dependsOn) {
      const status = await outcome.get(key);
      if (status && status !== 'done') blocking.push(key);
    }
    if (blocking.length) {
      const reason = `skipped: depends on ${blocking.join(', ')}, which did not succeed`;
      result.skipped.push({ change, reason });
      report(change, 'skipped', reason);
      return 'skipped';
    }
    try {
      await applyChange(change, plan, desired, http);
      result.done.push(change);
      if (change.kind === 'esv') result.esvWritten = true;
      report(change, 'done');
      return 'done';
    } catch (error) {
      const message = errorLine(change, error);
      result.failed.push({ change, message });
      report(change, 'failed', message);
      return 'failed';
    }
  };

  const upserts = work.filter((c) => c.action !== 'delete');
  const deletes = work.filter((c) => c.action === 'delete');
  // Register every outcome before awaiting any, so dependencies resolve regardless of list order.
  let release!: () => void;
  const registered = new Promise<void>((resolve) => (release = resolve));
  for (const change of upserts) outcome.set(changeKey(change), run(change, [registered]));
  const upsertsSettled = Promise.all([...outcome.values()]);
  for (const change of deletes) outcome.set(changeKey(change), run(change, [registered, upsertsSettled]));
  release();
  await Promise.all([...outcome.values()]);
  return result;
}
