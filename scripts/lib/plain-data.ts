/**
 * Plain JS data from whatever an AM engine hands a script: JS values, or Java collections, maps,
 * strings, booleans and numbers (Rhino wraps those: a java.lang.Boolean TRUE is not === true, a
 * Java string is not === to a JS string). Pure: touches only the value passed in, by duck typing,
 * so it reads the same in AM, in Rhino and in the Node sandbox.
 */

const MAX_DEPTH = 16;

type Javaish = {
  keySet?: unknown;
  get?: unknown;
  size?: unknown;
  iterator?: unknown;
  booleanValue?: unknown;
  doubleValue?: unknown;
};

function elements(collection: { iterator(): { hasNext(): boolean; next(): unknown } }, depth: number): unknown[] {
  const out: unknown[] = [];
  const iterator = collection.iterator();
  while (iterator.hasNext()) out.push(toPlainData(iterator.next(), depth + 1));
  return out;
}

/** JSON-like data: arrays, objects, strings, numbers, booleans, null. Too deep becomes null. */
export function toPlainData(value: unknown, depth?: number): unknown {
  const level = depth || 0;
  if (level > MAX_DEPTH || value === null || value === undefined) return null;
  const kind = typeof value;
  if (kind === 'string' || kind === 'number' || kind === 'boolean') return value;
  if (kind === 'function') return null;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) items.push(toPlainData(value[i], level + 1));
    return items;
  }
  const java = value as Javaish;
  if (typeof java.keySet === 'function' && typeof java.get === 'function') {
    const map = value as { keySet(): { iterator(): { hasNext(): boolean; next(): unknown } }; get(key: unknown): unknown };
    const object: Record<string, unknown> = {};
    const keys = elements(map.keySet(), level);
    for (let i = 0; i < keys.length; i++) object[String(keys[i])] = toPlainData(map.get(keys[i]), level + 1);
    return object;
  }
  if (typeof java.size === 'function' && typeof java.get === 'function') {
    const list = value as { size(): number; get(index: number): unknown };
    const items: unknown[] = [];
    const size = Number(list.size());
    for (let i = 0; i < size; i++) items.push(toPlainData(list.get(i), level + 1));
    return items;
  }
  if (typeof java.iterator === 'function') return elements(value as { iterator(): { hasNext(): boolean; next(): unknown } }, level);
  if (typeof java.booleanValue === 'function') return (value as { booleanValue(): boolean }).booleanValue() === true;
  if (typeof java.doubleValue === 'function') return Number((value as { doubleValue(): number }).doubleValue());
  if (Object.prototype.toString.call(value) === '[object Object]') {
    const object: Record<string, unknown> = {};
    for (const key in value as Record<string, unknown>) {
      if (Object.prototype.hasOwnProperty.call(value, key)) object[key] = toPlainData((value as Record<string, unknown>)[key], level + 1);
    }
    return object;
  }
  // Java strings and String objects.
  return String(value);
}

/** A List (or Set, or JS array) of strings as a JS array of JS strings; anything else is empty. */
export function listToArray(list: unknown): string[] {
  const plain = toPlainData(list);
  const out: string[] = [];
  if (!Array.isArray(plain)) return out;
  for (let i = 0; i < plain.length; i++) if (plain[i] !== null) out.push(String(plain[i]));
  return out;
}
