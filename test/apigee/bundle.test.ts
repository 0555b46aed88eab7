/**
 * The generated Apigee bundles: well-formed XML in the standard layouts, data flow in order, TLS on
 * the callouts, qualified scopes, no secrets, stable hash — and the real linter (apigeelint, profile
 * apigeex) finds no error and no warning in any of them.
 */
import { parse } from 'acorn';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { BundleConfigError, generateBundles, recordedHash, REQUIRED_SCOPE_VARIABLE, TOKEN_PROXY_NAME, zipBundle, type ApigeeBundle } from '../../tooling/apigee/bundle.js';
import { SCRIPT_SOURCES } from '../../tooling/apigee/scripts.js';
import { apigeeName, providerProxyName, verifyFlowName } from '../../tooling/apigee/names.js';
import type { AccessConfig } from '../../tooling/config/access.js';
import { child, children, parseXml, text, type Bundle } from './interpreter.js';
import { lintBundle } from './lint.js';
import { walkBundle } from './walk.js';
import { AIC, apigeeAccess, PROVIDER_TARGET_URL } from './fixtures.js';

const OPTIONS = { aicBaseUrl: AIC, realm: 'alpha', providerTargetUrl: PROVIDER_TARGET_URL };
const bundles = () => generateBundles(apigeeAccess(), OPTIONS);
const byName = (list: ApigeeBundle[], name: string) => list.find((b) => b.name === name)!;

async function unzip(bundle: ApigeeBundle): Promise<Bundle> {
  const zip = await JSZip.loadAsync(await zipBundle(bundle));
  const files = new Map<string, string>();
  for (const [name, entry] of Object.entries(zip.files)) if (!entry.dir) files.set(name, await entry.async('string'));
  return { files };
}

const xml = (bundle: Bundle | ApigeeBundle, file: string) => parseXml(bundle.files.get(file)!, file).documentElement!;

describe('generated bundles', () => {
  it('exist for exposed providers only: shared flows, provider proxies, then the token proxy', () => {
    expect(bundles().map((b) => `${b.kind}/${b.name}`)).toEqual([
      'sharedflows/aic-api-to-api-verify-billingApi',
      `sharedflows/${verifyFlowName('orders~v1.eu')}`,
      'sharedflows/aic-api-to-api-verify-scopeDrivenAPI2Client',
      'apis/aic-api-to-api-provider-billingApi',
      `apis/${providerProxyName('orders~v1.eu')}`,
      'apis/aic-api-to-api-provider-scopeDrivenAPI2Client',
      `apis/${TOKEN_PROXY_NAME}`,
    ]);
    expect(verifyFlowName('orders~v1.eu')).toMatch(/^aic-api-to-api-verify-orders-v1\.eu-[0-9a-f]{8}$/);
  });

  it('are zips of well-formed XML in the standard layouts, listing exactly the policies and resources they hold', async () => {
    for (const generated of bundles()) {
      const bundle = await unzip(generated);
      expect([...bundle.files.keys()].sort()).toEqual([...generated.files.keys()].sort());
      const root = generated.kind === 'apis' ? 'apiproxy' : 'sharedflowbundle';
      for (const [file, content] of bundle.files) {
        expect(file.startsWith(`${root}/`), file).toBe(true);
        if (file.endsWith('.xml')) expect(() => parseXml(content, file), file).not.toThrow();
      }
      const descriptor = xml(bundle, `${root}/${generated.name}.xml`);
      expect(descriptor.getAttribute('name')).toBe(generated.name);
      const listed = children(child(descriptor, 'Policies')!, 'Policy').map((p) => text(p)).sort();
      const present = [...bundle.files.keys()].filter((f) => f.startsWith(`${root}/policies/`)).map((f) => f.slice(`${root}/policies/`.length).replace(/\.xml$/, '')).sort();
      expect(listed).toEqual(present);
      const resources = children(child(descriptor, 'Resources')!, 'Resource').map((r) => text(r)!.replace('jsc://', '')).sort();
      expect(resources).toEqual([...bundle.files.keys()].filter((f) => f.includes('/resources/jsc/')).map((f) => f.split('/').pop()).sort());
    }
  });

  it('the strict parser used here does reject malformed XML', () => {
    for (const bad of ['<a><b></a>', '<a x="1" x="2"/>', '<a>&unknown;</a>', '<a/><b/>']) expect(() => parseXml(bad)).toThrow();
  });

  it('every step names an existing policy and reads only what the request or an earlier step set (flows and fault rules)', async () => {
    for (const generated of bundles()) {
      const bundle = await unzip(generated);
      expect(walkBundle(bundle, { inputs: generated.kind === 'sharedflows' ? [REQUIRED_SCOPE_VARIABLE] : [] }), generated.name).toEqual([]);
    }
  });

  it('the walk catches a step moved before what it needs, a missing step, a missing policy file and an undeclared input', async () => {
    const bundle = await unzip(byName(bundles(), TOKEN_PROXY_NAME));
    const proxy = bundle.files.get('apiproxy/proxies/default.xml')!;
    const step = (name: string) => new RegExp(`\\s*<Step>\\s*<Name>${name}</Name>\\s*</Step>`);
    const authorization = proxy.match(step('AM-ExternalAuthorization'))![0];

    const late = { files: new Map(bundle.files) };
    late.files.set('apiproxy/proxies/default.xml', proxy.replace(authorization, '').replace(step('OA-StoreAicToken'), (m) => m + authorization));
    expect(walkBundle(late)).toEqual(['flow token: step OA-StoreAicToken reads oauth_external_authorization_status before any earlier step sets it']);

    const noCheck = { files: new Map(bundle.files) };
    noCheck.files.set('apiproxy/proxies/default.xml', proxy.replace(step('JS-CheckAicAnswer'), ''));
    const problems = walkBundle(noCheck);
    expect(problems).toContain('flow token: step OA-StoreAicToken reads aic_api_to_api.access_token before any earlier step sets it');
    expect(problems).toContain('flow token: step RF-ScopeNotGranted: condition reads aic_api_to_api.outcome, which no earlier step sets');

    const noMapping = { files: new Map(bundle.files) };
    noMapping.files.set('apiproxy/proxies/default.xml', proxy.replace(step('JS-MapFault'), ''));
    expect(walkBundle(noMapping)).toContain('fault rule aic-or-store-refused: step AM-Error-400 reads aic_api_to_api.error_body before any earlier step sets it');

    const missing = { files: new Map(bundle.files) };
    missing.files.delete('apiproxy/policies/SC-AicAccessToken.xml');
    expect(walkBundle(missing)[0]).toMatch(/step names policy SC-AicAccessToken, but apiproxy\/policies\/SC-AicAccessToken.xml does not exist/);

    // In a shared flow the calling proxy's required-scope variable is an input: undeclared, the walk objects.
    const shared = await unzip(bundles()[0]);
    expect(walkBundle(shared)[0]).toMatch(/reads aic_api_to_api.required_scope, which no earlier step sets/);
  });

  it('the token flow imports into Apigee what AIC decided, over TLS enforced, against the configured realm', async () => {
    const token = byName(generateBundles(apigeeAccess(), { ...OPTIONS, aicBaseUrl: 'https://aic.example.org/', realm: 'bravo' }), TOKEN_PROXY_NAME);
    for (const [name, path] of [['SC-AicAccessToken', 'access_token'], ['SC-AicRevoke', 'token/revoke']]) {
      const connection = child(xml(token, `apiproxy/policies/${name}.xml`), 'HTTPTargetConnection')!;
      expect(text(child(connection, 'URL'))).toBe(`https://aic.example.org/am/oauth2/realms/root/realms/bravo/${path}`);
      expect([text(child(child(connection, 'SSLInfo'), 'Enabled')), text(child(child(connection, 'SSLInfo'), 'Enforce')), text(child(child(connection, 'SSLInfo'), 'IgnoreValidationErrors'))]).toEqual(['true', 'true', 'false']);
    }
    const store = xml(token, 'apiproxy/policies/OA-StoreAicToken.xml');
    expect(['Operation', 'ExternalAuthorization', 'StoreToken', 'ExternalAccessToken', 'Scope'].map((e) => text(child(store, e)))).toEqual(['GenerateAccessToken', 'true', 'true', 'aic_api_to_api.access_token', 'aic_api_to_api.scope']);
    // Apigee's own answer would show the developer's email and the organization.
    expect(child(store, 'GenerateResponse')!.getAttribute('enabled')).toBe('false');
    const assign = xml(token, 'apiproxy/policies/AM-ExternalAuthorization.xml');
    expect(children(assign, 'AssignVariable').map((a) => [text(child(a, 'Name')), text(child(a, 'Value'))])).toEqual([['oauth_external_authorization_status', 'true']]);
    // The exposed providers, the expiry margin and Apigee's documented 2 KB limit reach the scripts.
    const properties = (policy: string) => Object.fromEntries(children(child(xml(token, `apiproxy/policies/${policy}.xml`), 'Properties')!, 'Property').map((p) => [p.getAttribute('name'), p.textContent]));
    expect(properties('JS-CheckTokenRequest')).toEqual({ providers: 'billingApi orders~v1.eu scopeDrivenAPI2Client' });
    expect(properties('JS-CheckAicAnswer')).toEqual({ expiryMarginSeconds: '30', maxTokenBytes: '2048' });
  });

  it('an http:// AIC (the local tenant in tests) gets no SSLInfo: Enforce would refuse it', () => {
    const token = byName(generateBundles(apigeeAccess(), { ...OPTIONS, aicBaseUrl: 'http://127.0.0.1:8780' }), TOKEN_PROXY_NAME);
    expect(child(child(xml(token, 'apiproxy/policies/SC-AicAccessToken.xml'), 'HTTPTargetConnection'), 'SSLInfo')).toBeUndefined();
  });

  it('the verify flow checks the qualified scope, so the same scope name of another provider never passes', () => {
    const flow = byName(bundles(), 'aic-api-to-api-verify-scopeDrivenAPI2Client');
    const steps = children(xml(flow, 'sharedflowbundle/sharedflows/default.xml'), 'Step').map((s) => [text(child(s, 'Name')), text(child(s, 'Condition'))]);
    expect(steps).toEqual([
      ['JS-CheckRouteScope', undefined],
      ['RF-UnknownRouteScope', '(aic_api_to_api.route_scope_known != "true")'],
      ['OA-VerifyScope-1', '(aic_api_to_api.required_scope = "admin")'],
      ['OA-VerifyScope-2', '(aic_api_to_api.required_scope = "read")'],
      ['OA-VerifyScope-3', '(aic_api_to_api.required_scope = "write")'],
    ]);
    expect(text(child(xml(flow, 'sharedflowbundle/policies/OA-VerifyScope-2.xml'), 'Scope'))).toBe('api://scopeDrivenAPI2Client/read');
  });

  it('the provider proxy routes each path and method to the shared flow with its scope, then to the target server', () => {
    const proxy = byName(bundles(), 'aic-api-to-api-provider-scopeDrivenAPI2Client');
    const endpoint = xml(proxy, 'apiproxy/proxies/default.xml');
    expect(text(child(child(endpoint, 'HTTPProxyConnection'), 'BasePath'))).toBe('/api2');
    const flows = children(child(endpoint, 'Flows')!, 'Flow').map((f) => [f.getAttribute('name'), text(child(f, 'Condition')), stepsOfFlow(f)]);
    expect(flows).toEqual([
      ['route-1', '(proxy.pathsuffix MatchesPath "/orders/**") and (request.verb ~~ "(GET|HEAD)")', ['FC-VerifyScope-2']],
      ['route-2', '(proxy.pathsuffix MatchesPath "/orders/**") and (request.verb ~~ "(POST|PUT|DELETE)")', ['FC-VerifyScope-3']],
      ['route-3', '(proxy.pathsuffix MatchesPath "/admin/**")', ['FC-VerifyScope-1']],
      ['not-found', undefined, ['RF-NotFound']],
    ]);
    const callout = xml(proxy, 'apiproxy/policies/FC-VerifyScope-2.xml');
    expect(text(child(callout, 'SharedFlowBundle'))).toBe('aic-api-to-api-verify-scopeDrivenAPI2Client');
    expect(children(child(callout, 'Parameters')!, 'Parameter').map((p) => [p.getAttribute('name'), p.textContent])).toEqual([[REQUIRED_SCOPE_VARIABLE, 'read']]);
    const target = child(xml(proxy, 'apiproxy/targets/default.xml'), 'HTTPTargetConnection')!;
    expect(child(child(target, 'LoadBalancer'), 'Server')!.getAttribute('name')).toBe('aic-api-to-api-scopeDrivenAPI2Client');
    expect(text(child(target, 'Path'))).toBe('/v1');
    // billingApi names no backend: APIGEE_PROVIDER_TARGET_URL's has no path; default base path.
    const billing = byName(bundles(), 'aic-api-to-api-provider-billingApi');
    expect(child(child(xml(billing, 'apiproxy/targets/default.xml'), 'HTTPTargetConnection'), 'Path')).toBeUndefined();
    expect(text(child(child(xml(billing, 'apiproxy/proxies/default.xml'), 'HTTPProxyConnection'), 'BasePath'))).toBe('/billingApi');
  });

  it('holds no secret: credentials travel as variable references, and the tenant comes from configuration', async () => {
    const secrets = ['demo-consumer-secret', 'demo-provider-secret', 'gateway-Secret-for-tests-9f3b'];
    for (const generated of bundles()) {
      for (const [file, content] of (await unzip(generated)).files) {
        for (const secret of secrets) expect(content, file).not.toContain(secret);
        if (!/SC-Aic(AccessToken|Revoke)\.xml$/.test(file)) expect(content, file).not.toContain('forgeblocks');
      }
    }
    const callout = byName(bundles(), TOKEN_PROXY_NAME).files.get('apiproxy/policies/SC-AicAccessToken.xml')!;
    expect(callout).toContain('<FormParam name="client_secret">{request.formparam.client_secret}</FormParam>');
  });

  it('escapes names and values through the XML library', () => {
    const config: AccessConfig = { consumers: {}, identityClaims: [], providers: { p: { scopes: { 'a&b': { grants: [] }, '<x>': { grants: [] } }, apigee: { targetUrl: 'https://b.example', routes: [{ path: '/x', scope: 'a&b' }] } } } };
    const flow = generateBundles(config, OPTIONS)[0];
    expect(flow.files.get('sharedflowbundle/sharedflows/default.xml')).toContain('(aic_api_to_api.required_scope = "a&amp;b")');
    expect(flow.files.get('sharedflowbundle/sharedflows/default.xml')).toContain('(aic_api_to_api.required_scope = "&lt;x&gt;")');
    expect(children(xml(flow, 'sharedflowbundle/sharedflows/default.xml'), 'Step').map((s) => text(child(s, 'Condition')))).toContain('(aic_api_to_api.required_scope = "a&b")');
    expect(apigeeName('p-', 'orders~v1')).toMatch(/^p-orders-v1-[0-9a-f]{8}$/);
    expect(apigeeName('p-', 'orders-v1')).toBe('p-orders-v1');
  });

  it('the hash is stable, recorded in the description, and changes exactly with the content', () => {
    const first = bundles();
    expect(bundles().map((b) => b.hash)).toEqual(first.map((b) => b.hash));
    for (const bundle of first) {
      const root = bundle.kind === 'apis' ? 'apiproxy' : 'sharedflowbundle';
      expect(recordedHash(text(child(xml(bundle, `${root}/${bundle.name}.xml`), 'Description')))).toBe(bundle.hash);
    }
    expect(recordedHash(`[bundle-sha256:${first[0].hash}]`)).toBeUndefined(); // not ours without the marker
    const moved = generateBundles(apigeeAccess(), { ...OPTIONS, aicBaseUrl: 'https://other.example.com' });
    expect(byName(moved, TOKEN_PROXY_NAME).hash).not.toBe(byName(first, TOKEN_PROXY_NAME).hash);
    expect(moved.filter((b) => b.name !== TOKEN_PROXY_NAME).map((b) => b.hash)).toEqual(first.filter((b) => b.name !== TOKEN_PROXY_NAME).map((b) => b.hash));
    const changed = apigeeAccess();
    changed.providers.billingApi.scopes.write = { grants: [] };
    const next = generateBundles(changed, OPTIONS);
    const differs = next.filter((b, i) => b.hash !== first[i].hash).map((b) => b.name);
    expect(differs).toEqual(['aic-api-to-api-verify-billingApi']);
  });

  it('the JavaScript resources are ES5 (Apigee runs them in Rhino)', () => {
    for (const [name, source] of Object.entries(SCRIPT_SOURCES)) expect(() => parse(source, { ecmaVersion: 5 }), name).not.toThrow();
  });

  it('refuses a provider with no backend, and providers whose Apigee names would collide', () => {
    const noBackend = apigeeAccess();
    expect(() => generateBundles(noBackend, { aicBaseUrl: AIC, realm: 'alpha' })).toThrow(/providers.billingApi.apigee.targetUrl: missing: expected the backend URL here, or APIGEE_PROVIDER_TARGET_URL set/);
    const config: AccessConfig = { consumers: {}, identityClaims: [], providers: {} };
    const section = (basePath: string) => ({ basePath, targetUrl: 'https://b.example', routes: [{ path: '/x', scope: 's' }] });
    config.providers['a~b'] = { scopes: { s: { grants: [] } }, apigee: section('/one') };
    config.providers[apigeeName('', 'a~b')] = { scopes: { s: { grants: [] } }, apigee: section('/two') };
    const error = (() => {
      try {
        generateBundles(config, OPTIONS);
      } catch (e) {
        return e as BundleConfigError;
      }
    })();
    expect(error).toBeInstanceOf(BundleConfigError);
    expect(error!.problems[0]).toMatch(/providers .* and .* map to the same Apigee name aic-api-to-api-verify-a-b-[0-9a-f]{8}: rename one/);
  });
});

function stepsOfFlow(flow: import('@xmldom/xmldom').Element): string[] {
  return children(child(flow, 'Request')!, 'Step').map((s) => text(child(s, 'Name'))!);
}

describe('apigeelint over every generated bundle', () => {
  it('reports no error and no warning (profile apigeex)', async () => {
    const results = [];
    // Two at a time: the linter spawns ESLint per script, and the cores are shared.
    const all = bundles();
    for (let i = 0; i < all.length; i += 2) results.push(...(await Promise.all(all.slice(i, i + 2).map(async (b) => ({ name: b.name, messages: await lintBundle(b) })))));
    expect(results.map((r) => r.name)).toEqual(all.map((b) => b.name));
    for (const result of results) expect(result.messages, result.name).toEqual([]);
  }, 120_000);

  it('does catch what the issue reported: single quotes in a script and a policy whose display name differs', async () => {
    const token = byName(bundles(), TOKEN_PROXY_NAME);
    const broken = { ...token, files: new Map(token.files) };
    broken.files.set('apiproxy/resources/jsc/check-revocation.js', broken.files.get('apiproxy/resources/jsc/check-revocation.js')!.replace('"true"', "'true'"));
    broken.files.set('apiproxy/policies/RF-NotFound.xml', broken.files.get('apiproxy/policies/RF-NotFound.xml')!.replace('<DisplayName>RF-NotFound</DisplayName>', '<DisplayName>Not found</DisplayName>'));
    const rules = (await lintBundle(broken)).map((m) => `${m.ruleId}:${m.severity}`);
    expect(rules).toContain('PO025:2');
    expect(rules).toContain('PO008:1');
  }, 60_000);
});
