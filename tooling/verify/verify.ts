/**
 * `npm run verify`: whether the whole chain works on a tenant, real or local, in one probe — a
 * client-credentials token for the probe consumer and audience scope, introspected — reported as
 * PASS or FAIL with what was expected, what came back, and what to check (which depends on the
 * script engine the client runs: the next-generation `policy` binding's privileges and answer shape
 * are not documented, so this is how a user learns whether it works on their tenant).
 * Owns: running the probe (the flow itself is the demonstrations', tooling/local/demo.ts) and the
 * report. Prints nothing and never holds a token beyond the probe; every secret goes to `onSecret`.
 */
import { probeClientCredentials, type ProbeFailure, type ProbeResult } from '../local/demo.js';
import type { ScriptEngine } from '../engine/desired/names.js';
import type { ScriptsInUse } from './scripts-in-use.js';
import type { VerifyProbe } from './probe-settings.js';

export interface VerifyTarget {
  baseUrl: string;
  realm: string;
  local: boolean;
  onSecret: (value: string) => void;
}

export interface VerifyReport {
  ok: boolean;
  tenant: string;
  realm: string;
  probe: { clientId: string; scope: string; source: VerifyProbe['source'] };
  /** The engine the run's configuration chooses (SCRIPT_ENGINE or the access file), when known. */
  configuredEngine?: ScriptEngine;
  /** What the client runs, read with administrative access (absent without credentials). */
  inUse?: ScriptsInUse;
  /** Why the client's scripts could not be read (no credentials, refused): the report goes on without. */
  inUseUnknown?: string;
  result: ProbeResult;
  /** What to check next, for a failure. */
  hints: string[];
  /** Notes that do not fail the run (e.g. the client runs the other engine's scripts). */
  notes: string[];
}

const LOG_PREFIX: Record<ScriptEngine, string> = { legacy: '[policy-eval-mod]', 'next-gen': '[policy-eval-mod-next-gen]' };

/** What to look at for each failure, given the engine the client runs (when known). */
export function hintsFor(failure: ProbeFailure | undefined, engine: ScriptEngine | undefined, local: boolean): string[] {
  const log = local ? "the local tenant's script log (kept in its memory, tenant.context.runtime.log: the same line AIC's log would show)" : "the tenant's AM log, where script logger lines go (AIC: the log source am-everything)";
  switch (failure) {
    case undefined:
      return [];
    case 'unreachable':
      return ['check AIC_TENANT (and that this machine reaches the tenant)'];
    case 'client-refused':
      return ['VERIFY_CLIENT_ID / VERIFY_CLIENT_SECRET must name an OAuth2 client of the realm with that secret and the client_credentials grant'];
    case 'scope-refused':
      return ["the Validate Scope script refuses malformed audience scopes and scopes of two providers in one request; AM itself refuses a scope the client does not allow: add api://<provider>/<scope> to the client's scopes"];
    case 'token-refused':
      return ['the client must have the client_credentials grant type'];
    case 'server-error':
      return [`the client points at a script that is missing, has the wrong context, or threw before it could narrow the token: see ${log}`, 'npm run plan shows whether the scripts and the client are as deployed'];
    case 'introspection':
      return ['the probe introspects as its own client: the client needs the right to introspect its tokens (AM allows it for its own client-credentials tokens)'];
    case 'not-scripted':
      return ['list the client under "consumers" in the access configuration and run npm run deploy; its overrides then point at the scripts'];
    case 'no-audience':
    case 'unexpected': {
      const common = [`a grant must give the probe client this scope in the access configuration (npm run plan shows the policy)`];
      if (engine === 'next-gen') {
        return [
          `${LOG_PREFIX['next-gen']} logs one error line saying what failed: "policy binding is not available" (the tenant's next-generation engine offers no policy binding to this context), an EntitlementException (the binding needs privileges the script does not have), or an unexpected answer (the binding answers in another shape)`,
          'until that is fixed on the tenant, keep it on the legacy engine: SCRIPT_ENGINE=legacy in its .env file, then npm run deploy',
          ...common,
          `see ${log}`,
        ];
      }
      if (engine === 'legacy') {
        return [
          `${LOG_PREFIX.legacy} logs one error line saying what failed: a missing ESV (written but not loaded: the tenant must restart), the agent's login through the journey, or the evaluate call`,
          ...common,
          `see ${log}`,
        ];
      }
      return [...common, `see ${log} for the lines of ${LOG_PREFIX.legacy} or ${LOG_PREFIX['next-gen']}`];
    }
  }
}

export async function runVerify(target: VerifyTarget, probe: VerifyProbe, context: { configuredEngine?: ScriptEngine; inUse?: ScriptsInUse; inUseUnknown?: string } = {}): Promise<VerifyReport> {
  const name = `client credentials: ${probe.clientId} asks for ${probe.audienceScope}`;
  const result = await probeClientCredentials(target.baseUrl, { realm: target.realm, consumer: { clientId: probe.clientId, clientSecret: probe.clientSecret }, provider: probe.provider, scope: probe.scope, onSecret: target.onSecret }, name);
  const engine = context.inUse?.engine ?? context.configuredEngine;
  const notes: string[] = [];
  if (context.inUse?.engine && context.configuredEngine && context.inUse.engine !== context.configuredEngine) {
    notes.push(`the client runs the ${context.inUse.engine} scripts, but this environment's configuration chooses ${context.configuredEngine}: npm run deploy switches it`);
  }
  if (context.inUse && !context.inUse.engine) notes.push(`the client does not run one engine's scripts of this tool: ${context.inUse.scripts.map((s) => `${s.plugin} ${s.name ?? s.other}`).join('; ')}`);
  return {
    ok: result.ok,
    tenant: target.baseUrl,
    realm: target.realm,
    probe: { clientId: probe.clientId, scope: probe.audienceScope, source: probe.source },
    ...(context.configuredEngine ? { configuredEngine: context.configuredEngine } : {}),
    ...(context.inUse ? { inUse: context.inUse } : {}),
    ...(context.inUseUnknown ? { inUseUnknown: context.inUseUnknown } : {}),
    result,
    hints: [...(result.ok || !context.inUse || context.inUse.scripts.some((s) => s.name) ? [] : ["the client runs none of this tool's scripts: list it under \"consumers\" in the access configuration and run npm run deploy"]), ...hintsFor(result.failure, engine, target.local)],
    notes,
  };
}

/** The report for people: one PASS/FAIL line, then what came back and what to check. */
export function renderVerify(report: VerifyReport): string[] {
  const lines = [`verify: ${report.result.name} (client from ${report.probe.source}) at ${report.tenant}, realm ${report.realm}`];
  if (report.inUse) {
    for (const script of report.inUse.scripts) lines.push(`  ${script.plugin}: ${script.name ? `${script.name} (${script.engine}, evaluatorVersion ${script.evaluatorVersion})` : script.other}`);
  } else if (report.inUseUnknown) {
    lines.push(`  (which scripts the client runs is not known: ${report.inUseUnknown})`);
  }
  const body = report.result.introspection;
  if (report.ok) {
    lines.push(`PASS  token active, scope ${JSON.stringify(body?.scope)}, aud ${JSON.stringify(body?.aud)}, policyResult ${JSON.stringify(body?.policyResult)}`);
  } else {
    const [lead, ...rest] = report.result.problems;
    lines.push(`FAIL  ${lead ?? 'the probe failed'}`);
    for (const problem of rest) lines.push(`      ${problem}`);
    if (body) lines.push(`      introspection: ${JSON.stringify(body)}`);
    for (const hint of report.hints) lines.push(`      check: ${hint}`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines;
}
