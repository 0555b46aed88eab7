/**
 * Which providers Apigee exposes and how: each provider with an `apigee` section in the access file,
 * its base path, backend and routes, with the defaults filled in from the settings. Owns: that
 * resolution and the problems it can find (a missing backend URL, a base path used twice). Pure.
 */
import type { AccessConfig } from '../config/access.js';
import type { ApigeeRoute } from './access-section.js';
import { targetUrlProblem } from './access-section.js';
import { defaultBasePath } from './names.js';

export interface TargetSpec {
  /** The URL as configured (for messages and the plan). */
  url: string;
  host: string;
  port: number;
  tls: boolean;
  /** Path prefix on the backend ('' when none). */
  path: string;
}

export interface ProviderExposure {
  provider: string;
  /** The provider's unqualified scope names, sorted. */
  scopes: string[];
  basePath: string;
  target: TargetSpec;
  routes: ApigeeRoute[];
}

export interface ExposureOptions {
  /** APIGEE_PROVIDER_TARGET_URL: backend URL for providers whose section names none; `{provider}` is replaced. */
  providerTargetUrl?: string;
  /** The token proxy's base path, which no provider proxy may share. */
  tokenBasePath: string;
}

export function parseTarget(url: string): TargetSpec {
  const parsed = new URL(url);
  const tls = parsed.protocol === 'https:';
  return { url, host: parsed.hostname, port: parsed.port ? Number(parsed.port) : tls ? 443 : 80, tls, path: parsed.pathname.replace(/\/+$/, '') };
}

export function resolveExposures(access: AccessConfig, options: ExposureOptions): { exposures: ProviderExposure[]; problems: string[] } {
  const exposures: ProviderExposure[] = [];
  const problems: string[] = [];
  const basePaths = new Map<string, string>();
  for (const provider of Object.keys(access.providers).sort()) {
    const section = access.providers[provider].apigee;
    if (!section) continue;
    const at = `providers.${provider}.apigee`;
    const basePath = section.basePath ?? defaultBasePath(provider);
    const other = basePaths.get(basePath.toLowerCase());
    if (other !== undefined) problems.push(`${at}.basePath: ${basePath} is also the base path of provider ${other}: expected a base path of its own`);
    else basePaths.set(basePath.toLowerCase(), provider);
    if (basePath.toLowerCase() === options.tokenBasePath.toLowerCase() || basePath.toLowerCase().startsWith(options.tokenBasePath.toLowerCase() + '/') || options.tokenBasePath.toLowerCase().startsWith(basePath.toLowerCase() + '/')) {
      problems.push(`${at}.basePath: ${basePath} overlaps the token proxy's base path ${options.tokenBasePath} (APIGEE_TOKEN_BASE_PATH): expected a base path outside it`);
    }
    let url = section.targetUrl;
    let source = `${at}.targetUrl`;
    if (url === undefined && options.providerTargetUrl) {
      url = options.providerTargetUrl.split('{provider}').join(provider);
      source = `APIGEE_PROVIDER_TARGET_URL (for provider ${provider})`;
    }
    if (url === undefined) {
      problems.push(`${at}.targetUrl: missing: expected the backend URL here, or APIGEE_PROVIDER_TARGET_URL set (e.g. https://{provider}.internal.example)`);
      continue;
    }
    const problem = targetUrlProblem(url);
    if (problem) {
      problems.push(`${source}: ${problem}`);
      continue;
    }
    exposures.push({ provider, scopes: Object.keys(access.providers[provider].scopes).sort(), basePath, target: parseTarget(url), routes: section.routes });
  }
  return { exposures, problems };
}
