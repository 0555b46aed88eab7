/** stableStringify: deep-sorted keys, arrays kept in order. */
import { describe, expect, it } from 'vitest';
import { stableStringify } from '../../../tooling/util/stable-json.js';

describe('stableStringify', () => {
  it('sorts keys at every depth and keeps array order', () => {
    const a = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } };
    expect(stableStringify(a)).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text for objects built in different orders, and indents on request', () => {
    expect(stableStringify({ x: 1, y: { q: 2, p: 1 } }, 2)).toBe(stableStringify({ y: { p: 1, q: 2 }, x: 1 }, 2));
    expect(stableStringify({ b: 1, a: 2 }, 2)).toBe('{\n  "a": 2,\n  "b": 1\n}');
  });

  it('keeps dates as their JSON form and drops undefined like JSON does', () => {
    expect(stableStringify({ when: new Date('2026-01-01T00:00:00Z'), gone: undefined })).toBe('{"when":"2026-01-01T00:00:00.000Z"}');
  });
});
