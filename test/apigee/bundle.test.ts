/** The generated Apigee bundles: well-formed XML, complete, data flow in order, no secrets, stable hash. */
import { parse } from 'acorn';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import {
  GRANTED_SCOPE_SOURCE,
  PROVIDER_ATTRIBUTE,
  REQUIRED_SCOPE_VARIABLE,
  TOKEN_PROXY_NAME,
  apigeeName,
  generateBundles,
  recordedHash,
  zipBundle,
  type ApigeeBundle,
} from '../../tooling/apigee/bundle.js';
import type { AccessConfig } from '../../tooling/config/access.js';
import { GATEWAY_SECRET, SECRETS, articleAccess } from '../helpers/local-tenant.js';
import { child, children, parseXml, text, type Bundle } from './interpreter.js';
import { walkBundle } from './walk.js';

const OPTIONS = { aicBaseUrl: 'https://openam-example.forgeblocks.com', realm: 'alpha' };

/** The article plus a provider whose id and scope use the grammar's unusual characters. */
function access(): AccessConfig {
  const config = articleAccess();
  config.providers['orders:v1@eu'] = { scopes: { 'r(w)': { grants: [{ client: 'scopeDrivenAPI1Client' }] }, 'a&b': { grants: [] } } };
  return config;
}

async function unzip(bundle: ApigeeBundle): Promise<Bundle> {
  const zip = await JSZip.loadAsync(await zipBundle(bundle));
  const files = new Map<string, string>();
  for (const [name, entry] of Object.entries(zip.files)) if (!entry.dir) files.set(name, await entry.async('string'));
  return { files };
}

function tokenProxy(bundles: ApigeeBundle[]): ApigeeBundle {
  return bundles.find((b) => b.kind === 'apis')!;
}

describe('generated bundles', () => {
  it('are zips of well-formed XML in the standard layouts, listing exactly the policies they hold', async () => {
    const bundles = generateBundles(access(), OPTIONS);
    expect(bundles.map((b) => `${b.kind}/${b.name}`)).toEqual([
      'sharedflows/aic-api-to-api-verify-billingApi',
      `sharedflows/${apigeeName('aic-api-to-api-verify-', 'orders:v1@eu')}`,
      'sharedflows/aic-api-to-api-verify-scopeDrivenAPI2Client',
      `apis/${TOKEN_PROXY_NAME}`,
    ]);
    for (const generated of bundles) {
      const bundle = await unzip(generated);
      expect([...bundle.files.keys()].sort()).toEqual([...generated.files.keys()].sort());
      const root = generated.kind === 'apis' ? 'apiproxy' : 'sharedflowbundle';
      for (const [file, content] of bundle.files) {
        expect(file.startsWith(`${root}/`)).toBe(true);
        if (file.endsWith('.xml')) expect(() => parseXml(content, file), file).not.toThrow();
      }
      const descriptor = parseXml(bundle.files.get(`${root}/${generated.name}.xml`)!).documentElement!;
      expect(descriptor.nodeName).toBe(generated.kind === 'apis' ? 'APIProxy' : 'SharedFlowBundle');
      expect(descriptor.getAttribute('name')).toBe(generated.name);
      const listed = children(child(descriptor, 'Policies')!, 'Policy').map((p) => text(p)).sort();
      const present = [...bundle.files.keys()].filter((f) => f.startsWith(`${root}/policies/`)).map((f) => f.slice(`${root}/policies/`.length).replace(/\.xml$/, '')).sort();
      expect(listed).toEqual(present);
      expect(generated.kind === 'apis' ? bundle.files.has('apiproxy/proxies/default.xml') : bundle.files.has('sharedflowbundle/sharedflows/default.xml')).toBe(true);
    }
  });

  it('the strict parser used here does reject malformed XML', () => {
    for (const bad of ['<a><b></a>', '<a x="1" x="2"/>', '<a>&unknown;</a>', '<a/><b/>']) expect(() => parseXml(bad)).toThrow();
  });

  it('every step names an existing policy and reads only what the request or an earlier step set', async () => {
    for (const generated of generateBundles(access(), OPTIONS)) {
      const bundle = await unzip(generated);
      expect(walkBundle(bundle, { inputs: [REQUIRED_SCOPE_VARIABLE], tokenAttributes: [PROVIDER_ATTRIBUTE] }), generated.name).toEqual([]);
    }
  });

  it('the walk catches a step moved before what it needs, a missing step and a missing policy file', async () => {
    const bundle = await unzip(tokenProxy(generateBundles(access(), OPTIONS)));
    const proxy = bundle.files.get('apiproxy/proxies/default.xml')!;
    const step = (name: string) => new RegExp(`\\s*<Step>\\s*<Name>${name}</Name>\\s*</Step>`);
    const authorization = proxy.match(step('AM-ExternalAuthorization'))![0];

    const late = { files: new Map(bundle.files) };
    late.files.set('apiproxy/proxies/default.xml', proxy.replace(authorization, '').replace(step('OA-StoreAicToken'), (m) => m + authorization));
    expect(walkBundle(late, { tokenAttributes: [PROVIDER_ATTRIBUTE] })).toEqual(['flow token: step OA-StoreAicToken reads oauth_external_authorization_status before any earlier step sets it']);

    const noExtract = { files: new Map(bundle.files) };
    noExtract.files.set('apiproxy/proxies/default.xml', proxy.replace(step('EV-AicToken'), ''));
    const problems = walkBundle(noExtract, { tokenAttributes: [PROVIDER_ATTRIBUTE] });
    expect(problems).toContain('flow token: step JS-CheckGrantedScope reads aic.scope before any earlier step sets it');
    expect(problems).toContain('flow token: step OA-StoreAicToken reads aic.access_token before any earlier step sets it');

    const missing = { files: new Map(bundle.files) };
    missing.files.delete('apiproxy/policies/SC-AicAccessToken.xml');
    expect(walkBundle(missing, { tokenAttributes: [PROVIDER_ATTRIBUTE] })[0]).toMatch(/step names policy SC-AicAccessToken, but apiproxy\/policies\/SC-AicAccessToken.xml does not exist/);

    // In a shared flow, the caller's required-scope variable is an input: without it declared, the walk objects.
    const shared = await unzip(generateBundles(access(), OPTIONS)[0]);
    expect(walkBundle(shared, { tokenAttributes: [PROVIDER_ATTRIBUTE] })[0]).toMatch(/condition reads aic_api_to_api.required_scope, which no earlier step sets/);
  });

  it('the token flow follows the external-authorization pattern against the configured AIC realm', async () => {
    const bundle = await unzip(tokenProxy(generateBundles(access(), { aicBaseUrl: 'https://aic.example.org/', realm: 'bravo' })));
    const callout = parseXml(bundle.files.get('apiproxy/policies/SC-AicAccessToken.xml')!).documentElement!;
    expect(text(child(child(callout, 'HTTPTargetConnection')!, 'URL'))).toBe('https://aic.example.org/am/oauth2/realms/root/realms/bravo/access_token');
    const store = parseXml(bundle.files.get('apiproxy/policies/OA-StoreAicToken.xml')!).documentElement!;
    expect(text(child(store, 'Operation'))).toBe('GenerateAccessToken');
    expect(text(child(store, 'ExternalAuthorization'))).toBe('true');
    expect(text(child(store, 'StoreToken'))).toBe('true');
    expect(text(child(store, 'ExternalAccessToken'))).toBe('aic.access_token');
    const assign = parseXml(bundle.files.get('apiproxy/policies/AM-ExternalAuthorization.xml')!).documentElement!;
    expect(children(assign, 'AssignVariable').map((a) => [text(child(a, 'Name')), text(child(a, 'Value'))])).toEqual([['oauth_external_authorization_status', 'true']]);
  });

  it('holds no secret: credentials travel as variable references, and the tenant comes from configuration', async () => {
    for (const generated of generateBundles(access(), OPTIONS)) {
      const bundle = await unzip(generated);
      for (const [file, content] of bundle.files) {
        for (const secret of [...Object.values(SECRETS), GATEWAY_SECRET]) expect(content, file).not.toContain(secret);
        if (file !== 'apiproxy/policies/SC-AicAccessToken.xml') expect(content, file).not.toContain('forgeblocks');
      }
    }
    const callout = tokenProxy(generateBundles(access(), OPTIONS)).files.get('apiproxy/policies/SC-AicAccessToken.xml')!;
    expect(callout).toContain('<FormParam name="client_secret">{request.formparam.client_secret}</FormParam>');
  });

  it('escapes names and values through the XML library', async () => {
    const bundles = generateBundles(access(), OPTIONS);
    const orders = await unzip(bundles.find((b) => b.name.startsWith('aic-api-to-api-verify-orders'))!);
    expect(orders.files.get('sharedflowbundle/sharedflows/default.xml')).toContain('(aic_api_to_api.required_scope = "a&amp;b")');
    const flow = parseXml(orders.files.get('sharedflowbundle/sharedflows/default.xml')!).documentElement!;
    expect(children(flow, 'Step').map((s) => text(child(s, 'Condition')))).toEqual([
      '(aic_api_to_api.required_scope = "a&b")',
      '(aic_api_to_api.required_scope = "r(w)")',
      '(accesstoken.provider != "orders:v1@eu")',
    ]);
    expect(apigeeName('p-', 'orders:v1@eu')).toMatch(/^p-orders-v1-eu-[0-9a-f]{8}$/);
    expect(apigeeName('p-', 'orders-v1-eu')).toBe('p-orders-v1-eu');
  });

  it('the hash is stable, recorded in the description, and changes exactly with the content', () => {
    const first = generateBundles(access(), OPTIONS);
    const again = generateBundles(access(), OPTIONS);
    expect(again.map((b) => b.hash)).toEqual(first.map((b) => b.hash));
    for (const bundle of first) {
      const root = bundle.kind === 'apis' ? 'apiproxy' : 'sharedflowbundle';
      const description = text(child(parseXml(bundle.files.get(`${root}/${bundle.name}.xml`)!).documentElement!, 'Description'));
      expect(recordedHash(description)).toBe(bundle.hash);
    }
    expect(recordedHash(`[bundle-sha256:${first[0].hash}]`)).toBeUndefined(); // not ours without the marker
    const moved = generateBundles(access(), { ...OPTIONS, aicBaseUrl: 'https://other.example.com' });
    expect(tokenProxy(moved).hash).not.toBe(tokenProxy(first).hash);
    expect(moved.filter((b) => b.kind === 'sharedflows').map((b) => b.hash)).toEqual(first.filter((b) => b.kind === 'sharedflows').map((b) => b.hash));
    const changed = access();
    changed.providers.billingApi.scopes.write = { grants: [] };
    const next = generateBundles(changed, OPTIONS);
    expect(next[0].hash).not.toBe(first[0].hash);
    expect(next.slice(1).map((b) => b.hash)).toEqual(first.slice(1).map((b) => b.hash));
  });

  it('the JavaScript resource is ES5 (Apigee runs it in Rhino)', () => {
    expect(() => parse(GRANTED_SCOPE_SOURCE, { ecmaVersion: 5 })).not.toThrow();
  });

  it('refuses providers whose Apigee names would collide', () => {
    const config: AccessConfig = { consumers: {}, identityClaims: [], providers: { 'a-b': { scopes: {} } } };
    expect(() => generateBundles(config, OPTIONS)).not.toThrow();
    // Only a sanitised name carries a hash suffix, so a literal id can equal it.
    const sanitised = apigeeName('', 'a:b');
    config.providers['a:b'] = { scopes: {} };
    config.providers[sanitised] = { scopes: {} };
    expect(() => generateBundles(config, OPTIONS)).toThrow(/same Apigee shared flow name/);
  });
});
