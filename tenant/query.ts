/**
 * CREST list queries for every list endpoint: `_queryFilter` (true/false, eq/co/sw/gt/ge/lt/le/pr,
 * and/or/!, parentheses, quoted values), `_sortKeys`, and paging (`_pageSize` with
 * `_pagedResultsOffset` or `_pagedResultsCookie`). Pure: knows nothing about families or state.
 */
import type { JsonObject, JsonValue, TenantRequest, TenantResponse } from './types.js';

export interface QueryOptions {
  /**
   * `eq` values containing regex syntax also match as anchored regexes. AM's policy endpoints
   * (resource types, applications) do this — the admin UI filters with `name eq "^(?!…$).*"`.
   */
  regexEq?: boolean;
}

export class QueryFilterError extends Error {}

type Filter = (object: JsonObject) => boolean;
type Token = { kind: 'word' | 'string' | 'punct'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at];
    if (/\s/.test(char)) at += 1;
    else if ('()!'.includes(char)) tokens.push({ kind: 'punct', text: char }), (at += 1);
    else if (char === '"') {
      let value = '';
      at += 1;
      while (at < text.length && text[at] !== '"') {
        if (text[at] === '\\' && at + 1 < text.length) at += 1;
        value += text[at];
        at += 1;
      }
      if (text[at] !== '"') throw new QueryFilterError('unterminated string');
      at += 1;
      tokens.push({ kind: 'string', text: value });
    } else {
      const word = /^[^\s()"!]+/.exec(text.slice(at))![0];
      tokens.push({ kind: 'word', text: word });
      at += word.length;
    }
  }
  return tokens;
}

function fieldValue(object: JsonObject, field: string): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const part of field.replace(/^\//, '').split(/[/.]/)) {
    if (!current || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = current[part];
  }
  return current;
}

function compare(actual: JsonValue | undefined, op: string, expected: JsonValue, options: QueryOptions): boolean {
  // Multi-valued attributes match when any value does.
  if (Array.isArray(actual)) return actual.some((item) => compare(item, op, expected, options));
  if (actual === undefined || actual === null) return false;
  if (op === 'eq') {
    if (actual === expected) return true;
    if (typeof actual !== 'string' || typeof expected !== 'string') return String(actual) === String(expected);
    if (options.regexEq && /[\^$*()[\]?+|\\]/.test(expected)) {
      try {
        return new RegExp(`^(?:${expected})$`).test(actual);
      } catch {
        return false;
      }
    }
    return false;
  }
  if (op === 'co') return String(actual).includes(String(expected));
  if (op === 'sw') return String(actual).startsWith(String(expected));
  const ordered = typeof actual === 'number' && typeof expected === 'number' ? actual - expected : String(actual).localeCompare(String(expected));
  return op === 'gt' ? ordered > 0 : op === 'ge' ? ordered >= 0 : op === 'lt' ? ordered < 0 : ordered <= 0;
}

function literal(token: Token | undefined): JsonValue {
  if (!token) throw new QueryFilterError('a value is missing');
  if (token.kind === 'string') return token.text;
  if (token.text === 'true' || token.text === 'false') return token.text === 'true';
  if (token.kind === 'word' && /^-?\d+(\.\d+)?$/.test(token.text)) return Number(token.text);
  throw new QueryFilterError(`unexpected ${token.text}`);
}

/** Parses a `_queryFilter`; throws QueryFilterError on syntax it does not understand. */
export function parseQueryFilter(text: string | undefined, options: QueryOptions = {}): Filter {
  if (text === undefined || text.trim() === '') return () => true;
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const isWord = (word: string) => peek()?.kind === 'word' && peek()!.text.toLowerCase() === word;

  function orExpr(): Filter {
    const parts = [andExpr()];
    while (isWord('or')) at += 1, parts.push(andExpr());
    return parts.length === 1 ? parts[0] : (object) => parts.some((part) => part(object));
  }
  function andExpr(): Filter {
    const parts = [unary()];
    while (isWord('and')) at += 1, parts.push(unary());
    return parts.length === 1 ? parts[0] : (object) => parts.every((part) => part(object));
  }
  function unary(): Filter {
    const token = peek();
    if (!token) throw new QueryFilterError('the filter ends early');
    if (token.kind === 'punct' && token.text === '!') {
      at += 1;
      const inner = unary();
      return (object) => !inner(object);
    }
    if (token.kind === 'punct' && token.text === '(') {
      at += 1;
      const inner = orExpr();
      if (peek()?.text !== ')') throw new QueryFilterError('a closing parenthesis is missing');
      at += 1;
      return inner;
    }
    if (token.kind !== 'word') throw new QueryFilterError(`unexpected ${token.text}`);
    at += 1;
    if (token.text === 'true') return () => true;
    if (token.text === 'false') return () => false;
    const op = peek()?.kind === 'word' ? peek()!.text.toLowerCase() : '';
    if (op === 'pr') {
      at += 1;
      return (object) => fieldValue(object, token.text) !== undefined && fieldValue(object, token.text) !== null;
    }
    if (!['eq', 'co', 'sw', 'gt', 'ge', 'lt', 'le'].includes(op)) throw new QueryFilterError(`unknown operator after ${token.text}`);
    at += 1;
    const expected = literal(tokens[at++]);
    return (object) => compare(fieldValue(object, token.text), op, expected, options);
  }

  const filter = orExpr();
  if (at !== tokens.length) throw new QueryFilterError(`unexpected ${tokens[at].text}`);
  return filter;
}

function sortRows(rows: JsonObject[], sortKeys: string | undefined): JsonObject[] {
  if (!sortKeys) return rows;
  const keys = sortKeys.split(',').map((key) => ({ field: key.replace(/^[+-]/, ''), descending: key.startsWith('-') }));
  return [...rows].sort((a, b) => {
    for (const { field, descending } of keys) {
      const order = String(fieldValue(a, field) ?? '').localeCompare(String(fieldValue(b, field) ?? ''));
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  });
}

/** CREST paging: the cookie is the next offset; the totals are not computed (policy NONE), as AM answers. */
export function page(req: TenantRequest, rows: JsonObject[]): TenantResponse {
  const size = Number(req.query._pageSize ?? 0);
  const offset = Number(req.query._pagedResultsCookie || req.query._pagedResultsOffset || 0) || 0;
  const slice = size > 0 ? rows.slice(offset, offset + size) : rows.slice(offset);
  const next = size > 0 && offset + size < rows.length ? String(offset + size) : null;
  return { status: 200, body: { result: slice, resultCount: slice.length, pagedResultsCookie: next, totalPagedResultsPolicy: 'NONE', totalPagedResults: -1, remainingPagedResults: -1 } };
}

/** A whole list answer: filter, sort, page; 400 for a filter it cannot parse. */
export function listAnswer(req: TenantRequest, rows: JsonObject[], options: QueryOptions = {}): TenantResponse {
  let filter: Filter;
  try {
    filter = parseQueryFilter(req.query._queryFilter, options);
  } catch (error) {
    return { status: 400, body: { code: 400, reason: 'Bad Request', message: `Invalid _queryFilter ${JSON.stringify(req.query._queryFilter)}: ${(error as Error).message}` } };
  }
  return page(req, sortRows(rows.filter(filter), req.query._sortKeys));
}
