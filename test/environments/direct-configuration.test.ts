/**
 * `deploy --direct-configuration` on an immutable environment that offers AIC's direct
 * configuration session: without it, static configuration waits for a promotion (exit 5, clients
 * held); with it, the scripts and journey are written inside one session (opened, initialised,
 * applied) and the clients switched after them, and the next plan finds nothing to change.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadAccessConfig } from '../../tooling/config/access.js';
import { runDeploy } from '../../tooling/engine/deploy.js';
import { SERVICE_ACCOUNT_SCOPE, serviceAccountAuth } from '../../tooling/rest/auth.js';
import { DIRECT_CONFIGURATION_SCOPE } from '../../tooling/rest/direct-configuration.js';
import { AmHttp } from '../../tooling/rest/http.js';
import { agentJourney, GATEWAY_SECRET, ROOT, scriptBundles, SECRETS, startHarness, type Harness } from '../helpers/local-tenant.js';

let harness: Harness | undefined;
afterEach(() => harness?.close());

describe('deploy --direct-configuration', () => {
  it('writes static configuration in staging through one session, then switches the clients', async () => {
    harness = await startHarness({ environment: { tier: 'staging', sessionSeconds: 0.2 }, directConfiguration: true });
    const access = await loadAccessConfig(`${ROOT}/access`);
    const inputs = { access, realm: 'alpha', tenantEsvValue: harness.tenant.url, gatewayId: 'policy-evaluator', secrets: { gatewaySecret: GATEWAY_SECRET }, scripts: await scriptBundles(), journey: await agentJourney() };

    const held = await runDeploy(harness.http, inputs, { restartPollSeconds: 0.02 });
    expect(held.ok).toBe(false);
    expect(held.diagnostics.find((d) => d.code === 'deploy.promotion-needed')?.category).toBe('blocked');
    expect(held.result?.blocked.map((b) => b.change.kind)).toEqual(expect.arrayContaining(['script', 'journey', 'oauth2-client']));
    expect(Object.keys(harness.tenant.context.state.realms.alpha.scripts)).toEqual([]);

    const sessionHttp = new AmHttp({ baseUrl: harness.tenant.url, auth: serviceAccountAuth({ tokenUrl: `${harness.tenant.url}/am/oauth2/access_token`, accountId: harness.tenant.serviceAccount.id, jwk: harness.tenant.serviceAccount.privateJwk, scope: `${SERVICE_ACCOUNT_SCOPE} ${DIRECT_CONFIGURATION_SCOPE}` }) });
    const direct = await runDeploy(harness.http, inputs, { restartPollSeconds: 0.02, directConfiguration: { http: sessionHttp, pollSeconds: 0.05 } });
    expect(direct.diagnostics).toEqual([]);
    expect(direct.ok).toBe(true);
    const sessionCalls = harness.tenant.context.runtime.log.map((l) => l.text).filter((t) => t.includes('/direct-configuration/session/'));
    expect(sessionCalls.filter((t) => /^PUT .*\/(init|apply) -> 200$/.test(t))).toHaveLength(2);
    expect(Object.keys(harness.tenant.context.state.realms.alpha.scripts)).toHaveLength(2);

    const token = await harness.token({ grant_type: 'client_credentials', client_id: 'scopeDrivenAPI1Client', client_secret: SECRETS.scopeDrivenAPI1Client, scope: 'api://scopeDrivenAPI2Client/read' });
    expect(token.body.scope).toBe('read');
    // Without a session the scripts are now present and identical: nothing to promote, nothing to write.
    const again = await runDeploy(harness.http, inputs, { restartPollSeconds: 0.02 });
    expect(again.plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
  });
});
