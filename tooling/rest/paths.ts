/**
 * Path helpers shared by the AM family modules: realm paths (built here and nowhere else in the
 * tool), path segments, filter literals, PUT stripping.
 */

/** `/am/json/realms/root/realms/<realm>`; "", "/", "root" and "/root" name the root realm itself. */
export function realmPath(realm: string): string {
  const segments = realm.split('/').filter(Boolean);
  if (segments[0] === 'root') segments.shift();
  return '/am/json/realms/root' + segments.map((s) => `/realms/${seg(s)}`).join('');
}

/** OAuth2 endpoints of a realm: `/am/oauth2/realms/root/realms/<realm>/<endpoint>`. */
export function oauth2Path(realm: string, endpoint: string): string {
  return realmPath(realm).replace(/^\/am\/json\//, '/am/oauth2/') + `/${endpoint}`;
}

/**
 * One path segment, encoded so that no id can change the path: "", "." and ".." (also written as
 * %2E, which URL normalisation decodes) cannot name an object in a URL at all, so they are refused.
 */
export function seg(value: string): string {
  if (value === '' || /^\.+$/.test(value)) throw new Error(`cannot address an object named ${JSON.stringify(value)} in a URL path: URL normalisation would change the path`);
  return encodeURIComponent(value);
}

/** A `_queryFilter` string literal: quotes and backslashes escaped. */
export function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface QueryPage<T> {
  result: T[];
  resultCount?: number;
  pagedResultsCookie?: string | null;
  remainingPagedResults?: number;
  totalPagedResults?: number;
}

/** Strips what must never be sent back: revision, provider info and every *-encrypted value. */
export function stripForPut(value: unknown, extraTopLevel: string[] = []): unknown {
  const strip = (node: unknown, top: boolean): unknown => {
    if (Array.isArray(node)) return node.map((item) => strip(item, false));
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(node)) {
        if (key === '_rev' || key === '_provider' || key.endsWith('-encrypted') || (top && extraTopLevel.includes(key))) continue;
        out[key] = strip(inner, false);
      }
      return out;
    }
    return node;
  };
  return strip(value, true);
}
