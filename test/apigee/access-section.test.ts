/**
 * The access file's optional `apigee` section of a provider, through the access-file validator:
 * precise `file: path: expected …` problems, unknown keys refused, routes naming only the
 * provider's scopes; and the JSON Schema agrees with the validator on the same documents.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateAccessConfig } from '../../tooling/config/access.js';
import { routePathProblem, targetUrlProblem } from '../../tooling/apigee/access-section.js';

const FILE = 'access/orders.json';

function withApigee(apigee: unknown): unknown {
  return { consumers: { a: {} }, providers: { orders: { scopes: { read: { grants: [{ client: 'a' }] }, write: { grants: [] } }, apigee } } };
}

const problems = (apigee: unknown) => validateAccessConfig(withApigee(apigee), FILE).map((p) => `${p.file}: ${p.path}: ${p.message}`);

describe('the apigee section of a provider', () => {
  it('accepts a full section and an empty-method-list-free minimal one', () => {
    expect(problems({ basePath: '/orders/v1', targetUrl: 'https://orders.internal.example:8443/api', routes: [{ path: '/items/**', methods: ['GET', 'HEAD'], scope: 'read' }, { path: '/items/*', scope: 'write' }] })).toEqual([]);
    expect(problems({ routes: [{ path: '/x', scope: 'read' }] })).toEqual([]);
  });

  it('names the file, the field and what is expected', () => {
    expect(problems({ routes: [{ path: '/x', scope: 'delete' }] })).toEqual([`${FILE}: providers.orders.apigee.routes[0].scope: unknown scope "delete": expected one of this provider's scopes (read, write)`]);
    expect(problems({ routes: [{ path: 'items', scope: 'read' }] })[0]).toBe(`${FILE}: providers.orders.apigee.routes[0].path: expected a path such as /items, /items/* or /items/** (segments of A-Z a-z 0-9 . _ ~ -, * for one segment, ** as the last segment), got "items"`);
    expect(problems({ routes: [{ path: '/x', methods: ['GET', 'FETCH'], scope: 'read' }] })).toEqual([`${FILE}: providers.orders.apigee.routes[0].methods[1]: expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got string "FETCH"`]);
    expect(problems({ basePath: 'orders', routes: [{ path: '/x', scope: 'read' }] })[0]).toMatch(/^access\/orders.json: providers.orders.apigee.basePath: expected a base path such as \/orders/);
    expect(problems({})).toEqual([`${FILE}: providers.orders.apigee: missing "routes": the generated proxy needs at least one route naming the scope it requires`]);
    expect(problems({ routes: [] })).toEqual([`${FILE}: providers.orders.apigee.routes: expected a non-empty array of routes, got an array`]);
    expect(problems('yes')).toEqual([`${FILE}: providers.orders.apigee: expected an object, got string "yes"`]);
  });

  it('refuses unknown keys, in the section and in a route', () => {
    expect(problems({ routes: [{ path: '/x', scope: 'read', verb: 'GET' }], proxy: 'p' })).toEqual([
      `${FILE}: providers.orders.apigee.proxy: unknown key; allowed keys here: basePath, targetUrl, routes`,
      `${FILE}: providers.orders.apigee.routes[0].verb: unknown key; allowed keys here: path, methods, scope`,
    ]);
  });

  it('refuses a route that could never be reached, a method listed twice', () => {
    expect(problems({ routes: [{ path: '/x', methods: ['GET'], scope: 'read' }, { path: '/x', methods: ['GET'], scope: 'write' }] })).toEqual([`${FILE}: providers.orders.apigee.routes[1]: same path and methods as routes[0], so it would never be reached`]);
    expect(problems({ routes: [{ path: '/x', methods: ['GET', 'GET'], scope: 'read' }] })).toEqual([`${FILE}: providers.orders.apigee.routes[0].methods: lists a method twice`]);
  });

  it('refuses target URLs Apigee should not be given, without echoing a password', () => {
    expect(targetUrlProblem('https://user:s3cret-pw@orders.example')).toMatch(/credentials in the URL/);
    expect(targetUrlProblem('https://user:s3cret-pw@orders.example')).not.toContain('s3cret-pw');
    expect(targetUrlProblem('https://[bad:s3cret-pw')).not.toContain('s3cret-pw');
    expect(targetUrlProblem('ftp://orders.example')).toMatch(/got scheme ftp:/);
    expect(targetUrlProblem('https://orders.example/api?x=1')).toMatch(/query or fragment/);
    expect(targetUrlProblem('https://orders.example/api')).toBeUndefined();
    expect(problems({ targetUrl: 'https://u:pw-in-url@h.example', routes: [{ path: '/x', scope: 'read' }] })).toEqual([`${FILE}: providers.orders.apigee.targetUrl: expected an absolute https:// (or http://) URL with no user name, password, query or fragment: credentials in the URL would be stored in Apigee in clear`]);
  });

  it('route paths: * for one segment, ** only last, no dot segments', () => {
    for (const ok of ['/a', '/a/*', '/a/**', '/**', '/a/*/b', '/a.b/c~d']) expect(routePathProblem(ok), ok).toBeUndefined();
    for (const bad of ['/', '', 'a', '/a/**/b', '/a//b', '/a/..', '/a/b?c', '/a b', `/${'a'.repeat(300)}`]) expect(routePathProblem(bad), bad).toBeDefined();
  });

  it('the JSON Schema describes the same section (editors see the same rules)', () => {
    const schema = JSON.parse(readFileSync(new URL('../../access.schema.json', import.meta.url), 'utf8'));
    const section = schema.properties.providers.additionalProperties.properties.apigee;
    expect(section.additionalProperties).toBe(false);
    expect(section.required).toEqual(['routes']);
    expect(Object.keys(section.properties).sort()).toEqual(['basePath', 'routes', 'targetUrl']);
    const route = section.properties.routes.items;
    expect(route.additionalProperties).toBe(false);
    expect(Object.keys(route.properties).sort()).toEqual(['methods', 'path', 'scope']);
    const pattern = new RegExp(route.properties.path.pattern);
    for (const path of ['/a', '/a/*', '/a/**', '/a/**/b', 'a']) expect(pattern.test(path) && !route.properties.path.not.enum.includes(path), path).toBe(routePathProblem(path) === undefined);
    expect(route.properties.methods.items.enum).toEqual(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
  });
});
