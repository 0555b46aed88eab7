/**
 * Strict JSON reading for user-edited files: UTF-8 only, syntax errors with line and column,
 * duplicate keys reported (JSON.parse silently keeps the last one, which would hide a typo'd grant),
 * and objects built without prototypes: `__proto__`, `constructor` and `prototype` are refused
 * (with their position) and never assigned, so no key can reach Object.prototype or hide content.
 */

export interface JsonProblem {
  path: string;
  message: string;
}

export class JsonSyntaxError extends Error {}

/** Keys that mean something to JavaScript objects rather than to the configuration. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/** Offset of the first byte that breaks UTF-8, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const byte = bytes[i];
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte < 0xe0 ? 2 : byte >= 0xe0 && byte < 0xf0 ? 3 : byte >= 0xf0 && byte < 0xf5 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += length;
  }
  return -1;
}

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const text = new TextDecoder('utf-8').decode(bytes.slice(0, Math.max(0, offset)));
    throw new JsonSyntaxError(`not valid UTF-8: bad byte at ${lineCol(text, text.length)} (byte offset ${offset}); save the file as UTF-8`);
  }
}

/**
 * Parses JSON; returns the value and its key problems (duplicate or reserved keys). Objects have no
 * prototype. Throws JsonSyntaxError with a position.
 * Longer than most functions on purpose: a recursive-descent parser whose steps share one cursor;
 * split into modules, the cursor would have to travel through every call.
 */
export function parseJsonStrict(text: string): { value: unknown; problems: JsonProblem[] } {
  let i = 0;
  const problems: JsonProblem[] = [];
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`invalid JSON at ${lineCol(text, i)}: ${what}`);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const string = (): string => {
    const start = i;
    if (text[i] !== '"') fail('expected a string');
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail('control character in string');
      i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    try {
      return JSON.parse(text.slice(start, i));
    } catch {
      i = start;
      return fail('invalid escape in string');
    }
  };
  const value = (path: string, depth: number): unknown => {
    if (depth > 64) fail('nesting deeper than 64 levels');
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      const out: Record<string, unknown> = Object.create(null);
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        const key = string();
        ws();
        if (text[i] !== ':') fail('expected ":" after a key');
        i++;
        const childPath = path ? `${path}.${key}` : key;
        const keyAt = lineCol(text, i);
        const child = value(childPath, depth + 1);
        if (RESERVED_KEYS.has(key)) problems.push({ path: childPath, message: `reserved key "${key}" (${keyAt}): not allowed in a configuration file` });
        else if (Object.prototype.hasOwnProperty.call(out, key)) problems.push({ path: childPath, message: `duplicate key "${key}" (${keyAt}): each key may appear once` });
        else out[key] = child;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return out;
        }
        fail('expected "," or "}"');
      }
    }
    if (ch === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value(`${path}[${out.length}]`, depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return out;
        }
        fail('expected "," or "]"');
      }
    }
    if (ch === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!literal) fail(ch === undefined ? 'unexpected end of file' : `unexpected character ${JSON.stringify(ch)}`);
    i += literal![0].length;
    return JSON.parse(literal![0]);
  };
  const result = value('', 0);
  ws();
  if (i < text.length) fail('unexpected content after the end of the document');
  return { value: result, problems };
}
