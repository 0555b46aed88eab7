/**
 * `verify`: on the tenant of --env (or the local tenant), a client-credentials token for the probe
 * consumer and audience scope, introspected; PASS (exit 0) or FAIL (exit 1) with the reason. Needs
 * no administrative credentials; with them (as deploy has), it also says which scripts — which
 * engine — the client runs. Never prints a secret or a token: all go to the run's redactor.
 */
import path from 'node:path';
import { loadAccessConfig } from '../config/access.js';
import { loadEnvironment } from '../config/env.js';
import { EXIT } from '../diagnostics.js';
import { Redactor } from '../../common/redact.js';
import type { ScriptEngine } from '../engine/desired/names.js';
import { resolveProbe } from '../verify/probe-settings.js';
import { scriptsInUse, type ScriptsInUse } from '../verify/scripts-in-use.js';
import { renderVerify, runVerify } from '../verify/verify.js';
import { effectiveScriptEngine } from './inputs.js';
import { Output } from './output.js';
import { openTarget, type Target } from './target.js';
import { setActiveRedactor } from './session.js';

export interface VerifyCommandOptions {
  env?: string;
  access?: string;
  json?: boolean;
  verbose?: boolean;
  engine?: 'node' | 'rhino';
}

/** The engine this environment's configuration chooses; unknown when the access files do not load (verify does not need them). */
async function configuredEngine(env: ReturnType<typeof loadEnvironment>, access: string | undefined): Promise<ScriptEngine | undefined> {
  if (env.scriptEngine) return env.scriptEngine;
  try {
    return effectiveScriptEngine(env, await loadAccessConfig(path.resolve(access ?? env.accessPath))).engine;
  } catch {
    return undefined;
  }
}

export async function verifyCommand(options: VerifyCommandOptions): Promise<number> {
  const out = new Output(Boolean(options.json));
  const env = loadEnvironment({ envName: options.env });
  const log = (line: string) => out.progress(line);
  // Administrative access is optional: the local tenant always has it; a real tenant when .env gives credentials.
  let target: Target | undefined;
  let redactor = new Redactor();
  if (env.local || env.auth.kind !== 'none') {
    target = await openTarget(env, { verbose: options.verbose, engine: options.engine, log, gatewaySecretRequired: false });
    redactor = target.redactor;
  }
  setActiveRedactor((text) => redactor.text(text));
  out.useRedactor((text) => redactor.text(text));
  try {
    const probe = await resolveProbe(env, redactor, target?.local);
    let inUse: ScriptsInUse | undefined;
    let inUseUnknown: string | undefined;
    if (target) {
      try {
        inUse = await scriptsInUse(target.http, target.realm, probe.clientId);
      } catch (thrown) {
        inUseUnknown = `reading the client with the service account failed: ${(thrown as Error).message}`;
      }
    } else {
      inUseUnknown = 'no service account or bearer token in the environment';
    }
    const report = await runVerify(
      { baseUrl: target?.baseUrl ?? env.baseUrl, realm: env.realm, local: env.local, onSecret: (value) => redactor.add(value) },
      probe,
      { configuredEngine: await configuredEngine(env, options.access), inUse, inUseUnknown },
    );
    for (const line of renderVerify(report)) out.result(line);
    out.jsonResult(report);
    return report.ok ? EXIT.ok : EXIT.tenant;
  } finally {
    await target?.close();
  }
}
