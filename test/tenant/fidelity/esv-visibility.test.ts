/**
 * What a deploy without a restart (`--no-restart`) leaves behind, on the real scripts: the ESVs are
 * written but not loaded, so the token modification script finds none and every audience token
 * fails closed, with the script's one log line naming the missing ESV; the restart makes the same
 * request succeed. And a gateway secret created with useInPlaceholders:false is never readable by
 * the script, restart or not. Fails against a tenant that shows ESVs to scripts at once or shows
 * every secret — the leniency that let such deploys pass.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_ID, AGENT_SECRET, CONSUMER, PROVIDER, call, form, oauth2, startPreparedTenant, type Started } from '../runtime/fixture.js';
import { CoreTenant, b64 } from '../core/tenant-client.js';

const API = { headers: { 'accept-api-version': 'protocol=1.0,resource=1.0' } };
let t: Started | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A prepared tenant whose ESVs are written through the REST API (pending), as a deploy writes them. */
async function deployedWithoutRestart(gatewaySecretUsableInPlaceholders = true): Promise<{ core: CoreTenant; started: Started }> {
  t = await startPreparedTenant({ restartSeconds: 0.1 });
  const core = CoreTenant.attach(t.tenant);
  const esv = t.tenant.context.state.esv;
  esv.variables = Object.create(null);
  esv.secrets = Object.create(null);
  for (const [id, value] of [['esv-tenant-env-fqdn', t.tenant.url], ['esv-cookie', t.tenant.context.state.cookieName], ['esv-policy-gateway-id', AGENT_ID]]) {
    expect((await core.call('PUT', `/environment/variables/${id}`, { valueBase64: b64(value), description: '', expressionType: 'string' }, API)).status).toBe(200);
  }
  const secret = { valueBase64: b64(AGENT_SECRET), description: '', encoding: 'generic', useInPlaceholders: gatewaySecretUsableInPlaceholders };
  expect((await core.call('PUT', '/environment/secrets/esv-policy-gateway-secret', secret, API)).status).toBe(200);
  return { core, started: t };
}

const audienceToken = (started: Started) => call(oauth2(started.tenant, 'access_token'), form({ grant_type: 'client_credentials', scope: `api://${PROVIDER}/read`, client_id: CONSUMER, client_secret: started.consumerSecret }));
const scriptErrors = (started: Started) => started.tenant.context.runtime.log.filter((line) => line.source === 'script' && line.level === 'error').map((line) => line.text);

describe('ESVs a script can read', () => {
  it('none before the restart: the audience scope fails closed, the log names the missing ESV; after the restart it is granted', async () => {
    const { core, started } = await deployedWithoutRestart();
    const before = await audienceToken(started);
    expect(before.status).toBe(200);
    expect(before.json.scope ?? '').not.toContain('read');
    expect(scriptErrors(started).some((text) => /ESV esv-[a-z-]+ is not set/.test(text))).toBe(true);
    await core.restart();
    const after = await audienceToken(started);
    expect(after.json.scope).toBe('read');
  });

  it('never a gateway secret created with useInPlaceholders:false: fails closed naming esv-policy-gateway-secret, also after the restart', async () => {
    const { core, started } = await deployedWithoutRestart(false);
    await core.restart();
    const token = await audienceToken(started);
    expect(token.json.scope ?? '').not.toContain('read');
    expect(scriptErrors(started).some((text) => text.includes('ESV esv-policy-gateway-secret is not set'))).toBe(true);
  });
});
