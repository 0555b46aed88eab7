/**
 * The small languages inside Apigee bundles, for the test interpreter and the static walk: reading
 * the XML (a strict parser: malformed XML fails loudly), conditions — (var = "lit"), (var != "lit"),
 * (var = true), (var MatchesPath "/p/**"), (var ~~ "regex") (JavaRegex, a full match), combined with and / or — and message templates ({var},
 * or custom delimiters). Owns: parsing and evaluating those, nothing about policies.
 */
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

export function parseXml(text: string, file = 'xml'): Document {
  return new DOMParser({
    onError: (level: string, message: string) => {
      if (level !== 'warning') throw new Error(`${file}: ${message}`);
    },
  }).parseFromString(text, 'text/xml');
}

export function children(element: Element, name?: string): Element[] {
  const out: Element[] = [];
  for (let node = element.firstChild; node; node = node.nextSibling) if (node.nodeType === 1 && (!name || node.nodeName === name)) out.push(node as Element);
  return out;
}

export function child(element: Element | undefined, name: string): Element | undefined {
  return element ? children(element, name)[0] : undefined;
}

export function text(element: Element | undefined): string | undefined {
  return element ? (element.textContent ?? '').trim() : undefined;
}

export interface Step {
  policy: string;
  condition?: string;
}

export function stepsOf(parent: Element | undefined): Step[] {
  if (!parent) return [];
  return children(parent, 'Step').map((step) => ({ policy: text(child(step, 'Name'))!, condition: text(child(step, 'Condition')) }));
}

type Token = { kind: 'open' | 'close' | 'and' | 'or' | 'op' | 'ident' | 'string' | 'bool'; value: string };

function tokenize(condition: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\()|(\))|("(?:[^"\\]|\\.)*")|(!=|=|~~|MatchesPath\b)|(and\b|or\b)|(true\b|false\b)|([A-Za-z_][A-Za-z0-9_.-]*))/y;
  let index = 0;
  while (index < condition.length) {
    if (/^\s*$/.test(condition.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(condition);
    if (!match) throw new Error(`condition: cannot read ${JSON.stringify(condition.slice(index))}`);
    index = pattern.lastIndex;
    if (match[1]) tokens.push({ kind: 'open', value: '(' });
    else if (match[2]) tokens.push({ kind: 'close', value: ')' });
    else if (match[3]) tokens.push({ kind: 'string', value: JSON.parse(match[3]) });
    else if (match[4]) tokens.push({ kind: 'op', value: match[4] });
    else if (match[5]) tokens.push({ kind: match[5] as 'and' | 'or', value: match[5] });
    else if (match[6]) tokens.push({ kind: 'bool', value: match[6] });
    else tokens.push({ kind: 'ident', value: match[7] });
  }
  return tokens;
}

/** Apigee's MatchesPath: `*` one segment, `**` any number of segments. */
export function matchesPath(value: string, pattern: string): boolean {
  const regex = pattern
    .split('/')
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${regex}$`).test(value);
}

export type Getter = (name: string) => string | null;

/** Parses a condition into the variables it reads and a function deciding it. */
export function compileCondition(condition: string): { variables: string[]; test: (get: Getter) => boolean } {
  const tokens = tokenize(condition);
  const variables: string[] = [];
  let position = 0;
  const expect = (...kinds: Token['kind'][]) => {
    const token = tokens[position++];
    if (!token || !kinds.includes(token.kind)) throw new Error(`condition ${condition}: expected ${kinds.join(' or ')}, got ${token?.value ?? 'end'}`);
    return token;
  };
  type Node = (get: Getter) => boolean;
  const primary = (): Node => {
    if (tokens[position]?.kind === 'open') {
      position++;
      const inner = expression();
      expect('close');
      return inner;
    }
    const variable = expect('ident').value;
    const operator = expect('op').value;
    const literal = expect('string', 'bool');
    variables.push(variable);
    if (literal.kind === 'bool' && (operator === 'MatchesPath' || operator === '~~')) throw new Error(`condition ${condition}: MatchesPath needs a string`);
    return (get) => {
      const value = get(variable);
      if (operator === 'MatchesPath') return value !== null && matchesPath(value, literal.value);
      // JavaRegex: the whole value must match.
      if (operator === '~~') return value !== null && new RegExp(`^(?:${literal.value})$`).test(value);
      const equal = value !== null && value === literal.value;
      return operator === '=' ? equal : !equal;
    };
  };
  const expression = (): Node => {
    let left = primary();
    while (tokens[position]?.kind === 'and' || tokens[position]?.kind === 'or') {
      const operator = tokens[position++].kind;
      const right = primary();
      const l = left;
      left = operator === 'and' ? (get) => l(get) && right(get) : (get) => l(get) || right(get);
    }
    return left;
  };
  const test = expression();
  if (position !== tokens.length) throw new Error(`condition ${condition}: trailing ${tokens[position].value}`);
  return { variables, test };
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The variables a message template reads. */
export function templateReads(template: string, prefix = '{', suffix = '}'): string[] {
  const pattern = new RegExp(`${escapeRegex(prefix)}([A-Za-z_][A-Za-z0-9_.-]*)${escapeRegex(suffix)}`, 'g');
  return [...template.matchAll(pattern)].map((m) => m[1]);
}

/** Resolves a message template; `null` when a reference is unresolved. */
export function resolveTemplate(template: string, get: Getter, prefix = '{', suffix = '}'): { value: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const pattern = new RegExp(`${escapeRegex(prefix)}([A-Za-z_][A-Za-z0-9_.-]*)${escapeRegex(suffix)}`, 'g');
  const value = template.replace(pattern, (_, name: string) => {
    const v = get(name);
    if (v === null) unresolved.push(name);
    return v ?? '';
  });
  return { value, unresolved };
}
