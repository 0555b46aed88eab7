/** Reads every page of a CREST query (offset paging, which AM's policy endpoints and ours support). */
import type { AmHttp, AmRequest } from './http.js';
import type { QueryPage } from './paths.js';

const PAGE_SIZE = 1000;

/**
 * `offset`: AM's CREST endpoints (_pageSize + _pagedResultsOffset). `cookie`: the environment API,
 * which pages only when it hands back a pagedResultsCookie.
 */
export async function queryAll<T>(http: AmHttp, req: Omit<AmRequest, 'method'>, paging: 'offset' | 'cookie' = 'offset'): Promise<T[]> {
  const rows: T[] = [];
  let cookie: string | undefined;
  for (let offset = 0; ; ) {
    const query: Record<string, string> = { ...(req.query ?? {}) };
    if (paging === 'offset') {
      query._pageSize = String(PAGE_SIZE);
      query._pagedResultsOffset = String(offset);
    }
    if (cookie) query._pagedResultsCookie = cookie;
    const response = await http.request<QueryPage<T> | T[]>({ ...req, method: 'GET', query: Object.keys(query).length ? query : undefined });
    const page = Array.isArray(response.data) ? { result: response.data } : response.data;
    const result = page?.result ?? [];
    rows.push(...result);
    if (paging === 'cookie') {
      if (!page.pagedResultsCookie || result.length === 0) return rows;
      cookie = page.pagedResultsCookie;
      continue;
    }
    if (result.length < PAGE_SIZE) return rows;
    offset += result.length;
  }
}
