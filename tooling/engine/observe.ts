/**
 * Reads the part of a tenant the tool manages into plain data (ObservedState), every kind through
 * its handler, in parallel. Owns only the order of the server reads and the shared read cache.
 */
import type { AmHttp } from '../rest/http.js';
import { getServerInfo, getServerVersion } from '../rest/server-info.js';
import type { ReadContext } from './handler.js';
import { handlerFor, KINDS } from './kinds/index.js';
import type { DesiredState, ObservedState, Secrets } from './model.js';

/** Server facts needed before the desired state can be computed (the cookie name is an ESV value). */
export async function observeServer(http: AmHttp): Promise<{ amVersion: string; cookieName: string }> {
  const [version, info] = await Promise.all([getServerVersion(http), getServerInfo(http)]);
  return { amVersion: version.version, cookieName: info.cookieName };
}

export async function observeTenant(http: AmHttp, desired: DesiredState, server: { amVersion: string; cookieName: string }, secrets: Secrets): Promise<ObservedState> {
  const cache = new Map<string, Promise<unknown>>();
  const ctx: ReadContext = {
    http,
    realm: desired.realm,
    amVersion: server.amVersion,
    cookieName: server.cookieName,
    secrets,
    desired: desired.objects,
    memo: <T>(key: string, load: () => Promise<T>) => {
      if (!cache.has(key)) cache.set(key, load());
      return cache.get(key) as Promise<T>;
    },
  };
  const read = await Promise.all(
    KINDS.map((kind) =>
      handlerFor(kind).read(
        ctx,
        desired.objects.filter((o) => o.kind === kind) as never,
        desired.retired.filter((r) => r.kind === kind).map((r) => r.id),
      ),
    ),
  );
  return { realm: desired.realm, objects: read.flat(), amVersion: server.amVersion, cookieName: server.cookieName };
}
