/**
 * ESVs the scripts read: variables, and secrets (the gateway secret; also variables the tenant
 * already holds as secrets, as the article sets them up). Dynamic configuration: each environment
 * has its own values. Every write is pending until the tenant restarts. Secret values are never
 * read back: a digest of the value and the version the tool wrote, kept in the description, tells
 * whether the tenant still holds it.
 */
import { createSecret, createSecretVersion, deleteSecret, deleteVariable, listSecrets, listVariables, putVariable, setSecretDescription, type StoredSecret, type StoredVariable } from '../../rest/esv.js';
import { error, warning } from '../../diagnostics.js';
import { creation, differences } from '../diff.js';
import type { ApplyContext, KindHandler, PlanContext, ReadContext } from '../handler.js';
import { describeWithDigest, digestVersion, keepDigest, secretHolds, stripDigest } from '../secret-digest.js';
import { adoptedDescription, isAdoptedDescription, isManagedDescription, type Change, type FieldChange, type Ref, type SecretName, type Secrets } from '../model.js';
import { clientSwitches } from './retirement.js';

/** What a secret ESV's value comes from: the access configuration (a literal) or a secret the run knows. */
export type EsvValueSource = { literal: string } | { secret: SecretName };

export type EsvSpec =
  | { type: 'variable'; description: string; value: string | Ref }
  | { type: 'secret'; description: string; secret: SecretName };

export type EsvObserved = ({ type: 'variable' } & Omit<StoredVariable, 'id'>) | ({ type: 'secret' } & Omit<StoredSecret, 'id'>);

export type EsvPayload =
  | { write: 'variable'; value: string; description: string }
  | { write: 'secret-create'; value: EsvValueSource; description: string; useInPlaceholders: boolean; recreate: boolean }
  | { write: 'secret-version'; value: EsvValueSource; description: string }
  /** The whole description to write: the managed text and the digest it already had. */
  | { write: 'secret-description'; description: string }
  | { write: 'delete'; type: 'variable' | 'secret' }
  | { write: 'none' };

declare module '../model.js' {
  interface KindModel {
    esv: { spec: EsvSpec; observed: EsvObserved; payload: EsvPayload };
  }
}

const EXPRESSION_TYPE = 'string';
const SENSITIVE_VALUE: FieldChange = { path: 'value', before: undefined, after: undefined, sensitive: true };

/** The ESV lists, read once per run for every kind that needs them. */
export function readEsvLists(ctx: ReadContext): Promise<{ variables: StoredVariable[]; secrets: StoredSecret[] }> {
  return ctx.memo('esv-lists', async () => {
    const [variables, secrets] = await Promise.all([listVariables(ctx.http), listSecrets(ctx.http)]);
    return { variables, secrets };
  });
}

/** Scripts see the secret through systemEnv only when it is usable in placeholders and its latest version is loaded. */
export const secretPending = (secret: Omit<StoredSecret, 'id'>) => !secret.loaded || secret.loadedVersion !== secret.activeVersion;

function valueOf(source: EsvValueSource, secrets: Secrets): string {
  if ('literal' in source) return source.literal;
  const value = secrets[source.secret];
  if (typeof value !== 'string' || value === '') throw new Error(`no value given for the secret ${source.secret}`);
  return value;
}

/** An ESV the tool did not create keeps the adopted marker, so that no later run deletes it. */
function adopting<S extends EsvSpec>(spec: S, observed: EsvObserved | undefined): S {
  return observed && !isManagedDescription(observed.description) ? { ...spec, description: adoptedDescription(spec.description) } : spec;
}

function planVariable(id: string, configured: Extract<EsvSpec, { type: 'variable' }>, observed: EsvObserved | undefined, ctx: PlanContext): Change<'esv'> {
  const spec = adopting(configured, observed);
  const value = typeof spec.value === 'string' ? spec.value : ctx.resolve(spec.value) ?? '';
  const after = { value, description: spec.description, expressionType: EXPRESSION_TYPE };
  const base = { kind: 'esv' as const, id, dependsOn: [], loadsAtRestart: true };
  if (!observed) return { ...base, action: 'create', diff: creation(after), payload: { write: 'variable', value, description: spec.description } };
  if (observed.type === 'variable') {
    const diff = differences(observed, after);
    return { ...base, action: diff.length ? 'update' : 'noop', diff, payload: diff.length ? { write: 'variable', value, description: spec.description } : { write: 'none' } };
  }
  // The tenant holds it as a secret (the article creates all four as secrets): it stays one.
  const diff: FieldChange[] = [];
  if (stripDigest(observed.description) !== spec.description) diff.push({ path: 'description', before: stripDigest(observed.description), after: spec.description });
  if (!secretHolds(observed, value)) return { ...base, action: 'update', diff: [...diff, SENSITIVE_VALUE], payload: { write: 'secret-version', value: { literal: value }, description: spec.description } };
  return { ...base, action: diff.length ? 'update' : 'noop', diff, payload: diff.length ? { write: 'secret-description', description: keepDigest(spec.description, observed.description) } : { write: 'none' } };
}

function planSecret(id: string, configured: Extract<EsvSpec, { type: 'secret' }>, observed: EsvObserved | undefined, ctx: PlanContext): Change<'esv'> {
  const spec = adopting(configured, observed);
  const base = { kind: 'esv' as const, id, dependsOn: [], loadsAtRestart: true };
  const value = ctx.secrets[spec.secret];
  const source: EsvValueSource = { secret: spec.secret };
  const create = { description: spec.description, encoding: 'generic', useInPlaceholders: true };
  if (!observed) return { ...base, action: 'create', diff: [...creation(create), SENSITIVE_VALUE], payload: { write: 'secret-create', value: source, description: spec.description, useInPlaceholders: true, recreate: false } };
  if (observed.type === 'variable') {
    ctx.report(error('refused', 'plan.esv-is-variable', 'exists in the tenant as a variable, but holds a secret; delete it so the tool can create it as a secret', { object: `esv:${id}` }));
    return { ...base, action: 'noop', diff: [], payload: { write: 'none' } };
  }
  if (!observed.useInPlaceholders) {
    return {
      ...base,
      action: 'replace',
      reason: 'created with useInPlaceholders false, so scripts cannot read it through systemEnv; the flag cannot be changed after creation: delete it, then create it again with the current value (before the restart)',
      diff: [{ path: 'useInPlaceholders', before: false, after: true }, SENSITIVE_VALUE],
      payload: { write: 'secret-create', value: source, description: spec.description, useInPlaceholders: true, recreate: true },
    };
  }
  const diff: FieldChange[] = [];
  if (stripDigest(observed.description) !== spec.description) diff.push({ path: 'description', before: stripDigest(observed.description), after: spec.description });
  if (value === undefined || !secretHolds(observed, value)) {
    return { ...base, action: 'update', reason: secretChangeReason(observed), diff: [...diff, SENSITIVE_VALUE], payload: { write: 'secret-version', value: source, description: spec.description } };
  }
  return { ...base, action: diff.length ? 'update' : 'noop', diff, payload: diff.length ? { write: 'secret-description', description: keepDigest(spec.description, observed.description) } : { write: 'none' } };
}

function secretChangeReason(observed: Extract<EsvObserved, { type: 'secret' }>): string | undefined {
  const written = digestVersion(observed.description);
  if (written && written !== observed.activeVersion) return `the active version ${observed.activeVersion} is not the version ${written} the tool wrote: someone else wrote a new value`;
  return undefined;
}

async function applyEsv(change: Change<'esv'>, ctx: ApplyContext): Promise<void> {
  const { id, payload } = change;
  switch (payload.write) {
    case 'variable':
      return putVariable(ctx.http, id, { value: payload.value, description: payload.description, expressionType: EXPRESSION_TYPE });
    case 'secret-create': {
      const value = valueOf(payload.value, ctx.secrets);
      if (payload.recreate) await deleteSecret(ctx.http, id);
      // AIC numbers the first version "1"; the digest names it so a later foreign version shows.
      const created = await createSecret(ctx.http, id, { value, description: describeWithDigest(payload.description, value, '1'), encoding: 'generic', useInPlaceholders: payload.useInPlaceholders });
      if (created.exists) return writeVersion(ctx, id, value, payload.description);
      if (created.activeVersion && created.activeVersion !== '1') await setSecretDescription(ctx.http, id, describeWithDigest(payload.description, value, created.activeVersion));
      return;
    }
    case 'secret-version':
      return writeVersion(ctx, id, valueOf(payload.value, ctx.secrets), payload.description);
    case 'secret-description':
      return setSecretDescription(ctx.http, id, payload.description);
    case 'delete':
      return payload.type === 'variable' ? deleteVariable(ctx.http, id) : deleteSecret(ctx.http, id);
    case 'none':
      return;
  }
}

/** Version first, digest second: an interruption between them only repeats the version next run. */
async function writeVersion(ctx: ApplyContext, id: string, value: string, description: string): Promise<void> {
  const version = await createSecretVersion(ctx.http, id, value);
  await setSecretDescription(ctx.http, id, describeWithDigest(description, value, version));
}

export const esvHandler: KindHandler<'esv'> = {
  kind: 'esv',
  configuration: 'dynamic',
  async read(ctx, desired) {
    const wanted = new Set(desired.map((o) => o.id));
    const { variables, secrets } = await readEsvLists(ctx);
    // Desired ones, and leftovers the tool created or adopted that the configuration no longer names.
    const ours = (stored: { id: string; description: string }) => wanted.has(stored.id) || isManagedDescription(stored.description) || isAdoptedDescription(stored.description);
    return [
      ...variables.filter(ours).map(({ id, ...state }) => ({ kind: 'esv' as const, id, state: { type: 'variable' as const, ...state }, pendingRestart: !state.loaded })),
      ...secrets.filter(ours).map(({ id, ...state }) => ({ kind: 'esv' as const, id, state: { type: 'secret' as const, ...state }, pendingRestart: secretPending(state) })),
    ];
  },
  identity: () => ({}),
  plan(id, spec, observed, ctx) {
    if (!spec) {
      if (observed && isAdoptedDescription(observed.description)) {
        ctx.report(warning('plan.esv-kept', 'is no longer needed, but the tool did not create it (it existed before the first deploy): kept; delete it by hand once nothing else reads it', { object: `esv:${id}` }));
        return [];
      }
      if (!observed || !isManagedDescription(observed.description)) return [];
      return [{ kind: 'esv', id, action: 'delete', diff: [], payload: { write: 'delete', type: observed.type }, dependsOn: [] }];
    }
    return [spec.type === 'variable' ? planVariable(id, spec, observed, ctx) : planSecret(id, spec, observed, ctx)];
  },
  // An ESV no longer desired (the other script engine's) goes only after the clients have been
  // switched away from the scripts that read it: a failed switch keeps the scripts working.
  dependencies: (change, all) => (change.action === 'delete' ? clientSwitches(all) : []),
  apply: applyEsv,
  export(observed) {
    // The digest is salted per write: equal secrets have different digests.
    const { loaded: _loaded, ...rest } = observed as EsvObserved & { loaded: boolean };
    void _loaded;
    if (rest.type === 'secret') {
      const { activeVersion: _a, loadedVersion: _l, ...secret } = rest;
      void _a, _l;
      return { ...secret, description: stripDigest(secret.description) };
    }
    return rest;
  },
};
