/**
 * Reads every page of a CREST query. Owns: paging only (no paths, no payload shapes).
 * `offset`: sends _pageSize + _pagedResultsOffset (AM's policy endpoints). `cookie`: sends no paging
 * parameters (the recorded form of the environment, scripts and agents queries) and follows whatever
 * the server hands back. Both follow a pagedResultsCookie, remainingPagedResults > 0 and
 * totalPagedResults, so a server that caps the page size below the one asked for still yields all rows.
 */
import { AmError, type AmHttp, type AmRequest } from './http.js';
import type { QueryPage } from './paths.js';

const PAGE_SIZE = 1000;
/** A server that ignores the offset would otherwise page forever. */
const MAX_PAGES = 10_000;

export async function queryAll<T>(http: AmHttp, req: Omit<AmRequest, 'method'>, paging: 'offset' | 'cookie' = 'offset'): Promise<T[]> {
  const rows: T[] = [];
  let cookie: string | undefined;
  let useOffset = paging === 'offset';
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const query: Record<string, string> = { ...(req.query ?? {}) };
    if (cookie) query._pagedResultsCookie = cookie;
    else if (useOffset) {
      query._pageSize = String(PAGE_SIZE);
      query._pagedResultsOffset = String(rows.length);
    }
    const response = await http.request<QueryPage<T> | T[]>({ ...req, method: 'GET', query: Object.keys(query).length ? query : undefined });
    const page: QueryPage<T> = Array.isArray(response.data) ? { result: response.data } : (response.data ?? { result: [] });
    const result = Array.isArray(page.result) ? page.result : [];
    rows.push(...result);
    if (result.length === 0) return rows;
    if (page.pagedResultsCookie) {
      cookie = page.pagedResultsCookie;
      continue;
    }
    cookie = undefined;
    const remaining = typeof page.remainingPagedResults === 'number' ? page.remainingPagedResults : -1;
    const total = typeof page.totalPagedResults === 'number' ? page.totalPagedResults : -1;
    const more = remaining > 0 || total > rows.length || (useOffset && result.length >= PAGE_SIZE);
    if (!more) return rows;
    useOffset = true;
  }
  throw new AmError(`${req.family} GET ${req.path}: paging did not end after ${MAX_PAGES} pages`, req.family, 'GET', req.path, undefined, 'paging did not end');
}
