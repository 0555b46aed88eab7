/**
 * The Apigee planner on plain data (no HTTP): what an empty organization gets, in which order;
 * that a converged one gets nothing; updates, grant changes, removals, old revisions; problems
 * that stop everything before a request; and the plan rendered as text and JSON.
 */
import { describe, expect, it } from 'vitest';
import { desiredApigee, type DesiredOptions } from '../../tooling/apigee/desired.js';
import { planApigee } from '../../tooling/apigee/plan.js';
import { apigeePlanToJson, renderApigeePlan } from '../../tooling/apigee/render.js';
import { bundleKey, type ApigeeChange, type DesiredApigee, type ObservedApigee } from '../../tooling/apigee/model.js';
import { MANAGED_MARKER, productName, providerProxyName, TOKEN_PROXY_NAME, verifyFlowName } from '../../tooling/apigee/names.js';
import { AIC, apigeeAccess, PROVIDER_TARGET_URL } from './fixtures.js';

const OPTIONS: DesiredOptions = { organization: 'acme', environment: 'prod', developer: 'apis@acme.example', aicBaseUrl: AIC, realm: 'alpha', tokenBasePath: '/aic-api-to-api/oauth2', providerTargetUrl: PROVIDER_TARGET_URL };
const KEEP = { keepRevisions: 3 };
const desired = (access = apigeeAccess(), options: Partial<DesiredOptions> = {}) => desiredApigee(access, { ...OPTIONS, ...options });
const nothing = (): ObservedApigee => ({ targetServers: {}, products: {}, apps: {}, bundles: {} });

/** The organization as a complete apply of `wanted` leaves it (each bundle at revision 1, deployed). */
function converged(wanted: DesiredApigee): ObservedApigee {
  return {
    developer: { email: wanted.developer },
    targetServers: Object.fromEntries(wanted.targetServers.map((s) => [s.name, { ...s }])),
    products: Object.fromEntries(wanted.products.map((p) => [p.name, { ...p, createdAt: '1' } as never])),
    apps: Object.fromEntries(
      wanted.apps.map((a) => [a.app, { name: a.app, status: 'approved', attributes: [{ name: 'managed-by', value: MANAGED_MARKER }, { name: 'aic-client-id', value: a.consumer }], credentials: [{ consumerKey: a.consumer, status: 'approved', apiProducts: a.products.map((p) => ({ apiproduct: p, status: 'approved' })) }] }]),
    ),
    bundles: Object.fromEntries(wanted.bundles.map((b) => [bundleKey(b.kind, b.name), { kind: b.kind, name: b.name, revisions: [{ revision: '1', description: `${MANAGED_MARKER} [bundle-sha256:${b.hash}]` }], deployments: [{ environment: 'prod', revision: '1' }] }])),
  };
}

const keys = (changes: ApigeeChange[]) =>
  changes.map((c) => {
    switch (c.kind) {
      case 'bundle':
      case 'revision':
        return `${c.action} ${c.bundleKind}/${c.name}${c.kind === 'revision' ? `@${c.revision}` : ''}`;
      case 'credential':
        return `${c.action} credential ${c.app}/${c.consumerKey}`;
      case 'credential-product':
        return `${c.action} ${c.product} on ${c.consumerKey}`;
      default:
        return `${c.action} ${c.kind} ${c.name}`;
    }
  });

describe('planApigee', () => {
  it('an empty organization: everything is created, in dependency order, the token proxy after the credentials', () => {
    const plan = planApigee(desired(), nothing(), KEEP);
    expect(plan.problems).toEqual([]);
    const orders = 'orders~v1.eu';
    expect(keys(plan.changes)).toEqual([
      'create developer apis@acme.example',
      'create target-server aic-api-to-api-billingApi',
      `create target-server ${productName(orders)}`,
      'create target-server aic-api-to-api-scopeDrivenAPI2Client',
      'import-and-deploy sharedflows/aic-api-to-api-verify-billingApi',
      `import-and-deploy sharedflows/${verifyFlowName(orders)}`,
      'import-and-deploy sharedflows/aic-api-to-api-verify-scopeDrivenAPI2Client',
      'import-and-deploy apis/aic-api-to-api-provider-billingApi',
      `import-and-deploy apis/${providerProxyName(orders)}`,
      'import-and-deploy apis/aic-api-to-api-provider-scopeDrivenAPI2Client',
      'create product aic-api-to-api-billingApi',
      `create product ${productName(orders)}`,
      'create product aic-api-to-api-scopeDrivenAPI2Client',
      'create app scopeDrivenAPI1Client',
      'create credential scopeDrivenAPI1Client/scopeDrivenAPI1Client',
      // billingApi's grant names a user only (possible for any client); orders' names the other client.
      'add aic-api-to-api-billingApi on scopeDrivenAPI1Client',
      'add aic-api-to-api-scopeDrivenAPI2Client on scopeDrivenAPI1Client',
      'create app scopeDrivenAPI2Client',
      'create credential scopeDrivenAPI2Client/scopeDrivenAPI2Client',
      'add aic-api-to-api-billingApi on scopeDrivenAPI2Client',
      `add ${productName(orders)} on scopeDrivenAPI2Client`,
      `import-and-deploy apis/${TOKEN_PROXY_NAME}`,
    ]);
  });

  it('each product lists its provider qualified scopes, its proxy and its routes as operations, auto-approved and private', () => {
    const product = desired().products.find((p) => p.name === 'aic-api-to-api-scopeDrivenAPI2Client')!;
    expect(product).toMatchObject({
      approvalType: 'auto',
      environments: ['prod'],
      scopes: ['api://scopeDrivenAPI2Client/admin', 'api://scopeDrivenAPI2Client/read', 'api://scopeDrivenAPI2Client/write'],
      attributes: [{ name: 'access', value: 'private' }],
      operationGroup: { operationConfigType: 'proxy', operationConfigs: [{ apiSource: 'aic-api-to-api-provider-scopeDrivenAPI2Client', operations: [{ resource: '/admin/**' }, { resource: '/orders/**', methods: ['DELETE', 'GET', 'HEAD', 'POST', 'PUT'] }] }] },
    });
    expect(product.description).toContain(MANAGED_MARKER);
    const server = desired().targetServers.find((s) => s.name === 'aic-api-to-api-scopeDrivenAPI2Client')!;
    expect(server).toMatchObject({ host: 'api2.internal.example', port: 443, isEnabled: true, sSLInfo: { enabled: true, enforce: true, ignoreValidationErrors: false } });
    expect(desired().targetServers.find((s) => s.host === 'orders.internal.example')).toMatchObject({ port: 8080 });
    expect(desired().targetServers.find((s) => s.host === 'orders.internal.example')!.sSLInfo).toBeUndefined();
  });

  it('a converged organization: no change', () => {
    const wanted = desired();
    const plan = planApigee(wanted, converged(wanted), KEEP);
    expect(plan.changes).toEqual([]);
    expect(renderApigeePlan(plan)).toMatch(/Apigee: no changes\.$/);
  });

  it('a scope added: the shared flow and the product change, nothing else; environments already listed stay', () => {
    const before = desired();
    const observed = converged(before);
    observed.products['aic-api-to-api-billingApi'].environments = ['dev', 'prod'];
    const access = apigeeAccess();
    access.providers.billingApi.scopes.write = { grants: [{ client: 'scopeDrivenAPI2Client' }] };
    const plan = planApigee(desired(access), observed, KEEP);
    expect(keys(plan.changes)).toEqual(['import-and-deploy sharedflows/aic-api-to-api-verify-billingApi', 'update product aic-api-to-api-billingApi']);
    const update = plan.changes[1] as { after: { environments?: string[]; scopes?: string[] } };
    expect(update.after.environments).toEqual(['dev', 'prod']);
    expect(update.after.scopes).toEqual(['api://billingApi/read', 'api://billingApi/write']);
    expect(renderApigeePlan(plan)).toContain('~ product aic-api-to-api-billingApi: scopes +api://billingApi/write');
    expect(renderApigeePlan(plan)).toContain('~ sharedflows/aic-api-to-api-verify-billingApi: import and deploy a new revision (sha256 ');
  });

  it('grants decide the credential products: a grant that can no longer name a consumer removes the product from its credential', () => {
    const wanted = desired();
    const access = apigeeAccess();
    access.providers['orders~v1.eu'].scopes['r:w'].grants = [{ client: 'scopeDrivenAPI1Client' }];
    const plan = planApigee(desired(access), converged(wanted), KEEP);
    expect(keys(plan.changes)).toEqual([`add ${productName('orders~v1.eu')} on scopeDrivenAPI1Client`, `remove ${productName('orders~v1.eu')} on scopeDrivenAPI2Client`]);
  });

  it('a product not made by the tool is never removed from a credential', () => {
    const wanted = desired();
    const observed = converged(wanted);
    observed.apps.scopeDrivenAPI1Client.credentials![0].apiProducts!.push({ apiproduct: 'hand-made-product', status: 'approved' }, { apiproduct: 'aic-api-to-api-hand-made', status: 'approved' });
    expect(planApigee(wanted, observed, KEEP).changes).toEqual([]);
  });

  it('a provider removed: its product, proxy, shared flow and target server go; a proxy still deployed in another environment is only undeployed here', () => {
    const wanted = desired();
    const observed = converged(wanted);
    observed.bundles[bundleKey('apis', 'aic-api-to-api-provider-billingApi')].deployments.push({ environment: 'dev', revision: '1' });
    const access = apigeeAccess();
    delete access.providers.billingApi;
    const plan = planApigee(desired(access), observed, KEEP);
    expect(keys(plan.changes)).toEqual([
      `import-and-deploy apis/${TOKEN_PROXY_NAME}`,
      'remove aic-api-to-api-billingApi on scopeDrivenAPI1Client',
      'remove aic-api-to-api-billingApi on scopeDrivenAPI2Client',
      'delete product aic-api-to-api-billingApi',
      'remove apis/aic-api-to-api-provider-billingApi',
      'remove sharedflows/aic-api-to-api-verify-billingApi',
      'delete target-server aic-api-to-api-billingApi',
    ]);
    expect(plan.changes.find((c) => c.kind === 'bundle' && c.action === 'remove' && c.bundleKind === 'apis')).toMatchObject({ undeploy: ['1'], deleteEntity: false });
    expect(plan.changes.find((c) => c.kind === 'bundle' && c.action === 'remove' && c.bundleKind === 'sharedflows')).toMatchObject({ undeploy: ['1'], deleteEntity: true });
  });

  it('a consumer removed: its app goes; an app without the marker, or any other entity without it, is left alone', () => {
    const wanted = desired();
    const observed = converged(wanted);
    observed.apps['someone-else'] = { name: 'someone-else', attributes: [], credentials: [{ consumerKey: 'k' }] };
    observed.products['aic-api-to-api-hand-made'] = { name: 'aic-api-to-api-hand-made', description: 'made by hand' };
    observed.bundles['apis/aic-api-to-api-hand-made'] = { kind: 'apis', name: 'aic-api-to-api-hand-made', revisions: [{ revision: '1', description: 'made by hand' }], deployments: [] };
    const access = apigeeAccess();
    delete access.consumers.scopeDrivenAPI2Client;
    access.providers['orders~v1.eu'].scopes['r:w'].grants = [];
    const plan = planApigee(desired(access), observed, KEEP);
    expect(keys(plan.changes)).toEqual(['delete app scopeDrivenAPI2Client']);
    expect(plan.warnings).toContain(`apis/aic-api-to-api-hand-made: not in the configuration, but its latest revision does not carry ${MANAGED_MARKER}: left alone`);
  });

  it('keeps the last N revisions (deployed ones always), deletes older ones it imported, counting a new import', () => {
    const wanted = desired();
    const observed = converged(wanted);
    const flow = observed.bundles[bundleKey('sharedflows', 'aic-api-to-api-verify-billingApi')];
    const same = flow.revisions[0].description;
    flow.revisions = ['6', '5', '4', '3', '2', '1'].map((revision) => ({ revision, description: revision === '2' ? 'imported by hand' : `${MANAGED_MARKER} [bundle-sha256:${'0'.repeat(64)}]` }));
    flow.revisions[0].description = same;
    flow.deployments = [{ environment: 'prod', revision: '6' }, { environment: 'dev', revision: '1' }];
    // Unchanged: keep 6, 5, 4; 3 goes; 2 is not the tool's; 1 is deployed in dev.
    expect(keys(planApigee(wanted, observed, KEEP).changes)).toEqual(['delete sharedflows/aic-api-to-api-verify-billingApi@3']);
    // Changed: the new revision is one of the three kept, so 4 goes too.
    flow.revisions[0].description = `${MANAGED_MARKER} [bundle-sha256:${'f'.repeat(64)}]`;
    expect(keys(planApigee(wanted, observed, KEEP).changes)).toEqual(['import-and-deploy sharedflows/aic-api-to-api-verify-billingApi', 'delete sharedflows/aic-api-to-api-verify-billingApi@4', 'delete sharedflows/aic-api-to-api-verify-billingApi@3']);
  });

  it('an imported but undeployed revision with the wanted content (an interrupted run) is deployed, not imported again', () => {
    const wanted = desired();
    const observed = converged(wanted);
    const proxy = observed.bundles[bundleKey('apis', TOKEN_PROXY_NAME)];
    proxy.revisions = [{ revision: '2', description: proxy.revisions[0].description }, { revision: '1', description: `${MANAGED_MARKER} [bundle-sha256:${'0'.repeat(64)}]` }];
    expect(planApigee(wanted, observed, KEEP).changes).toEqual([{ kind: 'bundle', action: 'deploy-revision', bundleKind: 'apis', name: TOKEN_PROXY_NAME, hash: wanted.bundles.at(-1)!.hash, revision: '2', reason: 'imported-not-deployed' }]);
  });

  it('a new app: the random credential Apigee added is planned away when an interrupted run left it', () => {
    const wanted = desired();
    const observed = converged(wanted);
    observed.apps.scopeDrivenAPI1Client.credentials!.push({ consumerKey: 'RandomKeyApigeeMade' });
    expect(keys(planApigee(wanted, observed, KEEP).changes)).toEqual(['delete credential scopeDrivenAPI1Client/RandomKeyApigeeMade']);
  });

  it('bad input stops the plan before any request: consumer ids Apigee refuses as keys, no backend, http AIC, a shared base path', () => {
    const access = apigeeAccess();
    access.consumers['mobile.app~2'] = {};
    access.providers.billingApi.apigee!.basePath = '/api2';
    const plan = planApigee(desired(access, { providerTargetUrl: undefined, aicBaseUrl: 'http://aic.example.com' }), nothing(), KEEP);
    expect(plan.changes).toEqual([]);
    expect(plan.problems).toEqual([
      "AIC_TENANT: Apigee sends the consumers' client secrets to AIC: expected an https:// URL, got http://aic.example.com",
      'consumers.mobile.app~2: this AIC client id cannot be an Apigee consumer key: expected letters, digits, _ and - only (Apigee X refuses other characters in a consumer key)',
      'providers.billingApi.apigee.targetUrl: missing: expected the backend URL here, or APIGEE_PROVIDER_TARGET_URL set (e.g. https://{provider}.internal.example)',
      'providers.scopeDrivenAPI2Client.apigee.basePath: /api2 is also the base path of provider billingApi: expected a base path of its own',
    ]);
    expect(renderApigeePlan(plan)).toContain('Nothing will be sent to Apigee until these errors are fixed.');
    expect(new Set(plan.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.category}/${d.code}`))).toEqual(new Set(['input/apigee.input']));
    expect(desired(apigeeAccess(), { tokenBasePath: '/orders-eu' }).problems).toEqual(["providers.orders~v1.eu.apigee.basePath: /orders-eu overlaps the token proxy's base path /orders-eu (APIGEE_TOKEN_BASE_PATH): expected a base path outside it"]);
    expect(desired(apigeeAccess(), { expiryMarginSeconds: 601 }).problems).toEqual(['APIGEE_TOKEN_EXPIRY_MARGIN_SECONDS: expected a whole number of seconds from 0 to 600, got 601']);
  });

  it('an entity with the tool\'s name but not its marker is a problem, not an update', () => {
    const wanted = desired();
    const observed = converged(wanted);
    observed.products['aic-api-to-api-billingApi'].description = 'hand made';
    observed.targetServers['aic-api-to-api-billingApi'].description = 'hand made';
    const plan = planApigee(wanted, observed, KEEP);
    expect(plan.changes).toEqual([]);
    expect(plan.problems).toEqual([`target server aic-api-to-api-billingApi (environment prod): exists but does not carry ${MANAGED_MARKER}: rename or delete it`, `API product aic-api-to-api-billingApi: exists but does not carry ${MANAGED_MARKER}: rename or delete it`]);
    expect(plan.diagnostics.map((d) => `${d.severity}/${d.category}/${d.code}`)).toEqual(['error/refused/apigee.not-managed', 'error/refused/apigee.not-managed', 'warning/refused/apigee.warning']);
  });

  it('warns about an http backend and a revoked credential, and goes on', () => {
    const wanted = desired();
    expect(wanted.warnings).toEqual(["providers.orders~v1.eu.apigee: backend http://orders.internal.example:8080 is not https: Apigee forwards the consumers' tokens to it in clear"]);
    const observed = converged(wanted);
    observed.apps.scopeDrivenAPI1Client.credentials![0].status = 'revoked';
    expect(planApigee(wanted, observed, KEEP).warnings).toContain('credential scopeDrivenAPI1Client of app scopeDrivenAPI1Client is revoked in Apigee: its tokens cannot be stored (approve it, or delete the app to have it recreated)');
  });

  it('renders for people and machines, without bundle contents', () => {
    const plan = planApigee(desired(), nothing(), KEEP);
    const text = renderApigeePlan(plan);
    expect(text.split('\n')[0]).toBe('Apigee acme/prod (developer apis@acme.example):');
    expect(text).toContain('+ credential scopeDrivenAPI1Client in app scopeDrivenAPI1Client (secret random, never shown)');
    expect(text).toContain('+ target server aic-api-to-api-scopeDrivenAPI2Client: https://api2.internal.example:443 (TLS enforced)');
    expect(text).toMatch(/Apigee: 22 to create, 0 to update, 0 to delete\.$/);
    const json = apigeePlanToJson(plan);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json).toMatchObject({ organization: 'acme', environment: 'prod', ok: true, summary: { create: 22, update: 0, delete: 0 } });
    expect((json.changes as { kind: string; description: string }[])[0]).toEqual({ kind: 'developer', action: 'create', name: 'apis@acme.example', reason: 'missing', description: '+ developer apis@acme.example' });
    expect(JSON.stringify(json)).not.toContain('<?xml');
  });
});
