/**
 * Secrets never reach a log line or an error message: verbose runs of real family calls carrying a
 * client secret, the gateway secret as an ESV secret value, a bearer token and an SSO token.
 */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmHttp } from '../../../tooling/rest/http.js';
import { bearerAuth } from '../../../tooling/rest/auth.js';
import { createSecret, createSecretVersion, putVariable } from '../../../tooling/rest/esv.js';
import { putClient } from '../../../tooling/rest/oauth2-clients.js';
import { putAgent } from '../../../tooling/rest/ig-agents.js';
import { logout } from '../../../tooling/rest/authenticate.js';
import { Redactor } from '../../../common/redact.js';

const BASE = 'https://tenant.example.com';
const R = '/am/json/realms/root/realms/alpha';
const CLIENT_SECRET = 'client-Secret-7f2a';
const GATEWAY_SECRET = 'gw!Secret/with+odd=chars';
const BEARER = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.bearer-payload.sig';
const SSO_TOKEN = 'AQIC5wM2LY4SfcxSSOTOKEN*AAJTSQACMDE.*';
const COOKIE_NAME = '6ac6499e9da2071';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('masking in verbose logs and errors', () => {
  it('no secret value (nor its base64 or URL-encoded form) appears anywhere', async () => {
    // Only the gateway secret and client secret are registered (as the CLI does); the bearer and SSO
    // tokens must be caught by AmHttp and the session module themselves.
    const redactor = new Redactor();
    redactor.add(GATEWAY_SECRET);
    redactor.add(CLIENT_SECRET);
    const lines: string[] = [];
    const errors: string[] = [];
    const http = new AmHttp({ baseUrl: BASE, auth: bearerAuth(BEARER), verbose: true, log: (line) => lines.push(line), redactor, sleep: async () => {}, maxRetries: 1 });
    const echo = (what: string) => ({ code: 400, reason: 'Bad Request', message: `rejected ${what}`, detail: { value: what } });

    nock(BASE)
      .put('/environment/secrets/esv-policy-gateway-secret').reply(429, {}, { 'Retry-After': '0' })
      .put('/environment/secrets/esv-policy-gateway-secret').reply(200, {})
      .post('/environment/secrets/esv-policy-gateway-secret/versions').query({ _action: 'create' }).reply(400, echo(b64(GATEWAY_SECRET)))
      .put('/environment/variables/esv-policy-gateway-id').reply(200, {})
      .put(`${R}/realm-config/agents/OAuth2Client/consumer`).reply(400, echo(CLIENT_SECRET))
      .put(`${R}/realm-config/agents/IdentityGatewayAgent/gw`).reply(500, { code: 500, message: `cannot store ${encodeURIComponent(GATEWAY_SECRET)} for ${BEARER}` })
      .post(`${R}/sessions`).query({ _action: 'logout' }).reply(403, { code: 403, message: `token ${SSO_TOKEN} is invalid` });

    await createSecret(http, 'esv-policy-gateway-secret', { value: GATEWAY_SECRET, description: 'gateway', encoding: 'generic', useInPlaceholders: true });
    await createSecretVersion(http, 'esv-policy-gateway-secret', b64(GATEWAY_SECRET)).catch((e: Error) => errors.push(e.message, (e as { amMessage?: string }).amMessage ?? ''));
    await putVariable(http, 'esv-policy-gateway-id', { value: 'policy-evaluator', description: 'id', expressionType: 'string' });
    await putClient(http, 'alpha', 'consumer', { coreOAuth2ClientConfig: { userpassword: CLIENT_SECRET, clientSecret: CLIENT_SECRET } }).catch((e: Error) => errors.push(e.message));
    await putAgent(http, 'alpha', 'gw', { userpassword: GATEWAY_SECRET }).catch((e: Error) => errors.push(e.message));
    http.redactor.add(SSO_TOKEN); // as the plan's agent login registers the token it obtained
    await logout(http, 'alpha', COOKIE_NAME, SSO_TOKEN).catch((e: Error) => errors.push(e.message));

    expect(errors).toHaveLength(5);
    expect(lines.length).toBeGreaterThanOrEqual(8);
    const everything = [...lines, ...errors].join('\n');
    for (const secret of [CLIENT_SECRET, GATEWAY_SECRET, BEARER, SSO_TOKEN]) {
      for (const form of [secret, b64(secret), encodeURIComponent(secret)]) expect(everything, `leaked ${form}`).not.toContain(form);
    }
    // Variables are not secret: their value stays visible for debugging.
    expect(everything).toContain(b64('policy-evaluator'));
    expect(lines.some((line) => /^PUT \/environment\/secrets\/esv-policy-gateway-secret -> 200 \(\d+ ms\) .*"valueBase64":"\*\*\*"/.test(line))).toBe(true);
    expect(errors[0]).toMatch(/^esv POST \/environment\/secrets\/esv-policy-gateway-secret\/versions: HTTP 400 rejected \*\*\*$/);
    expect(http.redactor.maskHeaders({ [COOKIE_NAME]: SSO_TOKEN })).toEqual({ [COOKIE_NAME]: '***' });
  });
});
