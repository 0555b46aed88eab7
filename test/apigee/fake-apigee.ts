/**
 * A fake of the part of Apigee's management API the deploy uses, over HTTP, backed by an
 * ApigeeOrgState: the deploy's requests change that state, and the test interpreter then runs the
 * organization as it is. Answers in Apigee X's shapes (lists under `app` / `apiProduct` /
 * `proxies` / `sharedFlows`, errors as { error: { code, message, status } }), pages product and app
 * lists with count/startKey, refuses what Apigee refuses (a consumer key taken, a deployed revision
 * deleted). Owns: request handling only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import JSZip from 'jszip';
import { ApigeeOrgState, type OrgApp, type OrgProduct, type OrgTargetServer } from './org.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface FakeApigee {
  url: string;
  org: ApigeeOrgState;
  requests: RecordedRequest[];
  /** Bearer token the fake accepts. */
  token: string;
  /** Answered instead of the next matching request, once each (an interrupted run, a refusal). */
  failures: { method: string; path: RegExp; status: number; message: string }[];
  writes(): RecordedRequest[];
  close(): Promise<void>;
}

type Answer = { status: number; body?: unknown };
const error = (code: number, message: string): Answer => ({ status: code, body: { error: { code, message, status: code === 404 ? 'NOT_FOUND' : code === 409 ? 'ALREADY_EXISTS' : 'FAILED_PRECONDITION' } } });
const ok = (body: unknown = {}): Answer => ({ status: 200, body });

function page<T extends { name: string }>(items: T[], query: Record<string, string>): T[] {
  const sorted = [...items].sort((a, b) => a.name.localeCompare(b.name));
  const start = query.startKey ? sorted.findIndex((i) => i.name === query.startKey) : 0;
  const count = Number(query.count ?? 1000);
  return sorted.slice(Math.max(0, start), Math.max(0, start) + count);
}

async function unzipDescription(zip: Buffer, kind: 'apis' | 'sharedflows', name: string): Promise<{ files: Map<string, string>; description: string }> {
  const archive = await JSZip.loadAsync(zip);
  const files = new Map<string, string>();
  for (const [file, entry] of Object.entries(archive.files)) if (!entry.dir) files.set(file, await entry.async('string'));
  const descriptor = files.get(`${kind === 'apis' ? 'apiproxy' : 'sharedflowbundle'}/${name}.xml`) ?? '';
  const description = /<Description>([^<]*)<\/Description>/.exec(descriptor)?.[1] ?? '';
  return { files, description };
}

export async function startFakeApigee(options: { organization?: string; environments?: string[] } = {}): Promise<FakeApigee> {
  const orgName = options.organization ?? 'acme';
  const org = new ApigeeOrgState(orgName, options.environments ?? ['prod']);
  const requests: RecordedRequest[] = [];
  const failures: FakeApigee['failures'] = [];
  const token = `fake-apigee-admin-token-${randomBytes(6).toString('hex')}`;
  const prefix = `/v1/organizations/${orgName}/`;

  async function route(method: string, path: string, query: Record<string, string>, body: unknown, raw: Buffer, contentType: string): Promise<Answer> {
    if (!path.startsWith(prefix)) return error(404, `organization not found: ${path}`);
    const parts = path.slice(prefix.length).split('/').map(decodeURIComponent);
    const [collection] = parts;
    const json = (body ?? {}) as Record<string, unknown>;

    if (collection === 'developers') {
      if (parts.length === 1 && method === 'POST') {
        const email = String(json.email);
        if (org.developers.has(email)) return error(409, 'developer exists');
        org.developers.set(email, json as never);
        return { status: 201, body: json };
      }
      const developer = parts[1];
      if (!org.developers.has(developer)) return error(404, `developer ${developer} not found`);
      if (parts.length === 2 && method === 'GET') return ok(org.developers.get(developer));
      const apps = [...org.apps.values()].filter((a) => a.developer === developer);
      if (parts.length === 3 && method === 'GET') return ok({ app: page(apps, query) });
      if (parts.length === 3 && method === 'POST') {
        const name = String(json.name);
        if (org.apps.has(`${developer}/${name}`)) return error(409, 'app exists');
        // Apigee gives every new app a random credential.
        const app: OrgApp = { name, developer, appId: randomBytes(8).toString('hex'), status: 'approved', attributes: (json.attributes as OrgApp['attributes']) ?? [], credentials: [{ consumerKey: randomBytes(16).toString('hex'), consumerSecret: randomBytes(16).toString('hex'), status: 'approved', apiProducts: [] }] };
        org.apps.set(`${developer}/${name}`, app);
        return { status: 201, body: app };
      }
      const app = org.apps.get(`${developer}/${parts[3]}`);
      if (!app) return error(404, 'app not found');
      if (parts.length === 4 && method === 'GET') return ok(app);
      if (parts.length === 4 && method === 'DELETE') {
        org.apps.delete(`${developer}/${app.name}`);
        return ok(app);
      }
      if (parts.length === 5 && parts[4] === 'keys' && method === 'POST') {
        const consumerKey = String(json.consumerKey);
        if (!/^[A-Za-z0-9_-]+$/.test(consumerKey)) return error(400, 'Consumer key has invalid characters');
        if (org.credential(consumerKey)) return error(409, `key ${consumerKey} already exists`);
        if (json.apiProducts) return error(400, 'apiProducts are associated with UpdateDeveloperAppKey');
        app.credentials.push({ consumerKey, consumerSecret: String(json.consumerSecret), status: 'approved', apiProducts: [] });
        return { status: 201, body: { consumerKey } };
      }
      const credential = app.credentials.find((c) => c.consumerKey === parts[5]);
      if (!credential) return error(404, 'key not found');
      if (parts.length === 6 && method === 'POST') {
        for (const name of (json.apiProducts as string[]) ?? []) {
          const product = org.products.get(name);
          if (!product) return error(400, `API product ${name} does not exist`);
          if (!credential.apiProducts.some((p) => p.apiproduct === name)) credential.apiProducts.push({ apiproduct: name, status: product.approvalType === 'auto' ? 'approved' : 'pending' });
        }
        return ok(credential);
      }
      if (parts.length === 6 && method === 'DELETE') {
        app.credentials = app.credentials.filter((c) => c !== credential);
        return ok(credential);
      }
      if (parts.length === 8 && parts[6] === 'apiproducts' && method === 'DELETE') {
        credential.apiProducts = credential.apiProducts.filter((p) => p.apiproduct !== parts[7]);
        return ok(credential);
      }
    }

    if (collection === 'apiproducts') {
      if (parts.length === 1 && method === 'GET') return ok({ apiProduct: page([...org.products.values()], query) });
      if (parts.length === 1 && method === 'POST') {
        const product = json as unknown as OrgProduct;
        if (org.products.has(product.name)) return error(409, 'product exists');
        org.products.set(product.name, { ...product, createdAt: '1' } as OrgProduct);
        return { status: 201, body: product };
      }
      const product = org.products.get(parts[1]);
      if (!product) return error(404, 'product not found');
      if (method === 'GET') return ok(product);
      if (method === 'PUT') {
        org.products.set(product.name, { ...(json as unknown as OrgProduct), name: product.name });
        return ok(org.products.get(product.name));
      }
      if (method === 'DELETE') {
        org.products.delete(product.name);
        return ok(product);
      }
    }

    if (collection === 'environments') {
      const environment = parts[1];
      const servers = org.targetServers.get(environment);
      if (!servers) return error(404, `environment ${environment} not found`);
      if (parts[2] === 'targetservers') {
        if (parts.length === 3 && method === 'GET') return ok([...servers.keys()]);
        if (parts.length === 3 && method === 'POST') {
          const server = { ...(json as unknown as OrgTargetServer), name: query.name ?? String(json.name) };
          if (servers.has(server.name)) return error(409, 'target server exists');
          servers.set(server.name, server);
          return ok(server);
        }
        const server = servers.get(parts[3]);
        if (!server) return error(404, 'target server not found');
        if (method === 'GET') return ok(server);
        if (method === 'PUT') {
          servers.set(server.name, { ...(json as unknown as OrgTargetServer), name: server.name });
          return ok(servers.get(server.name));
        }
        if (method === 'DELETE') {
          servers.delete(server.name);
          return ok(server);
        }
      }
      if ((parts[2] === 'apis' || parts[2] === 'sharedflows') && parts[4] === 'revisions' && parts[6] === 'deployments') {
        const key = `${parts[2]}/${parts[3]}`;
        const bundle = org.bundles.get(key);
        if (!bundle?.revisions.some((r) => r.revision === parts[5])) return error(404, 'revision not found');
        const deployed = org.deployments.get(key) ?? new Map<string, string>();
        org.deployments.set(key, deployed);
        if (method === 'POST') {
          if (deployed.has(environment) && query.override !== 'true') return error(400, 'already deployed; use override');
          deployed.set(environment, parts[5]);
          return ok({ environment, revision: parts[5] });
        }
        if (method === 'DELETE') {
          if (deployed.get(environment) !== parts[5]) return error(404, 'not deployed');
          deployed.delete(environment);
          return ok({});
        }
      }
    }

    if (collection === 'apis' || collection === 'sharedflows') {
      const kind = collection;
      if (parts.length === 1 && method === 'GET') {
        const list = [...org.bundles.values()].filter((b) => b.kind === kind).map((b) => ({ name: b.name, revision: b.revisions.map((r) => r.revision) }));
        return ok(kind === 'apis' ? { proxies: list } : { sharedFlows: list });
      }
      if (parts.length === 1 && method === 'POST' && query.action === 'import') {
        if (!/^multipart\/form-data/.test(contentType)) return error(400, 'expected multipart/form-data');
        const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
        const file = form.get('file');
        if (!(file instanceof Blob)) return error(400, 'no file field');
        const { files, description } = await unzipDescription(Buffer.from(await file.arrayBuffer()), kind, query.name);
        if (!files.size) return error(400, 'bundle contains no files');
        const key = `${kind}/${query.name}`;
        const bundle = org.bundles.get(key) ?? { kind, name: query.name, revisions: [] };
        org.bundles.set(key, bundle);
        const revision = String(Math.max(0, ...bundle.revisions.map((r) => Number(r.revision))) + 1);
        bundle.revisions.push({ revision, description, files });
        return ok({ name: query.name, revision, description });
      }
      const key = `${kind}/${parts[1]}`;
      const bundle = org.bundles.get(key);
      if (!bundle) return error(404, `${key} not found`);
      const deployed = org.deployments.get(key) ?? new Map<string, string>();
      if (parts.length === 2 && method === 'GET') return ok({ name: bundle.name, revision: bundle.revisions.map((r) => r.revision), latestRevisionId: bundle.revisions.at(-1)?.revision });
      if (parts.length === 2 && method === 'DELETE') {
        if (deployed.size) return error(400, 'undeploy every revision first');
        org.bundles.delete(key);
        return ok({});
      }
      if (parts.length === 3 && parts[2] === 'deployments' && method === 'GET') return ok({ deployments: [...deployed.entries()].map(([environment, revision]) => ({ environment, revision, apiProxy: bundle.name })) });
      if (parts[2] === 'revisions') {
        const revision = bundle.revisions.find((r) => r.revision === parts[3]);
        if (!revision) return error(404, 'revision not found');
        if (method === 'GET') return ok({ name: bundle.name, revision: revision.revision, description: revision.description });
        if (method === 'DELETE') {
          if ([...deployed.values()].includes(revision.revision)) return error(400, 'revision is deployed');
          bundle.revisions = bundle.revisions.filter((r) => r !== revision);
          return ok({});
        }
      }
    }
    return error(404, `no fake for ${method} ${path}`);
  }

  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', async () => {
      const url = new URL(incoming.url ?? '/', 'http://fake');
      const raw = Buffer.concat(chunks);
      const contentType = String(incoming.headers['content-type'] ?? '');
      let body: unknown;
      if (/json/.test(contentType) && raw.length) body = JSON.parse(raw.toString('utf8'));
      const query = Object.fromEntries(url.searchParams);
      requests.push({ method: incoming.method ?? 'GET', path: url.pathname, query, body: /multipart/.test(contentType) ? '(multipart)' : body });
      let answer: Answer;
      const failure = failures.findIndex((f) => f.method === incoming.method && f.path.test(url.pathname));
      if (incoming.headers.authorization !== `Bearer ${token}`) answer = error(401, 'Request had invalid authentication credentials.');
      else if (failure >= 0) answer = error(failures[failure].status, failures.splice(failure, 1)[0].message);
      else {
        try {
          answer = await route(incoming.method ?? 'GET', url.pathname, query, body, raw, contentType);
        } catch (e) {
          answer = error(500, (e as Error).message);
        }
      }
      outgoing.writeHead(answer.status, { 'content-type': 'application/json' });
      outgoing.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    org,
    requests,
    token,
    failures,
    writes: () => requests.filter((r) => r.method !== 'GET'),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
