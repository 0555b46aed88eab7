/**
 * Java-like collections and strings as AM's engine hands them to scripts, for Node.
 * Strings coming out of these collections are String objects (typeof "object", not === to the
 * primitive), as Java strings are in Rhino: scripts that forget String(x) fail here as they would in AM.
 */

/** A Java string as a script sees it. */
export function javaString(value: string): string {
  return Object(value) as string;
}

export interface JavaIterator<T> {
  hasNext(): boolean;
  next(): T;
}

function iterate<T>(items: T[]): JavaIterator<T> {
  let index = 0;
  const copy = [...items];
  return {
    hasNext: () => index < copy.length,
    next: () => {
      if (index >= copy.length) throw new Error('java.util.NoSuchElementException');
      return copy[index++];
    },
  };
}

/** java.util.HashSet / TreeSet / LinkedHashSet stand-in (insertion order kept). */
export class JavaSet {
  private readonly items: string[] = [];
  constructor(values: Iterable<unknown> = []) {
    for (const value of values) this.add(value);
  }
  add(value: unknown): boolean {
    const key = String(value);
    if (this.items.includes(key)) return false;
    this.items.push(key);
    return true;
  }
  addAll(values: JavaSet | JavaList | unknown[]): boolean {
    let changed = false;
    for (const value of values instanceof JavaSet || values instanceof JavaList ? values.values() : values) changed = this.add(value) || changed;
    return changed;
  }
  remove(value: unknown): boolean {
    const index = this.items.indexOf(String(value));
    if (index < 0) return false;
    this.items.splice(index, 1);
    return true;
  }
  contains(value: unknown): boolean {
    return this.items.includes(String(value));
  }
  size(): number {
    return this.items.length;
  }
  isEmpty(): boolean {
    return this.items.length === 0;
  }
  iterator(): JavaIterator<string> {
    return iterate(this.items.map(javaString));
  }
  toArray(): string[] {
    return this.items.map(javaString);
  }
  toString(): string {
    return `[${this.items.join(', ')}]`;
  }
  /** Plain JS strings, for tests and the host (not a Java method). */
  values(): string[] {
    return [...this.items];
  }
}

const INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * java.util.ArrayList stand-in. Rhino 1.7.14 reads Java Lists by index (list[0], list.length) in
 * both engines, so this one does too.
 */
export class JavaList {
  private readonly items: unknown[] = [];
  constructor(values: Iterable<unknown> = []) {
    for (const value of values) this.items.push(value);
    return new Proxy(this, {
      get(target, property, receiver) {
        if (typeof property === 'string' && INDEX.test(property)) return target.items[Number(property)];
        if (property === 'length') return target.items.length;
        return Reflect.get(target, property, receiver);
      },
    });
  }
  add(value: unknown): boolean {
    this.items.push(value);
    return true;
  }
  get(index: number): unknown {
    if (!(index >= 0 && index < this.items.length)) throw new Error(`java.lang.IndexOutOfBoundsException: Index ${index} out of bounds for length ${this.items.length}`);
    return this.items[index];
  }
  size(): number {
    return this.items.length;
  }
  isEmpty(): boolean {
    return this.items.length === 0;
  }
  contains(value: unknown): boolean {
    return this.items.some((item) => String(item) === String(value));
  }
  indexOf(value: unknown): number {
    return this.items.findIndex((item) => String(item) === String(value));
  }
  iterator(): JavaIterator<unknown> {
    return iterate(this.items);
  }
  toArray(): unknown[] {
    return [...this.items];
  }
  toString(): string {
    return `[${this.items.map(String).join(', ')}]`;
  }
  /** Plain JS strings, for tests and the host (not a Java method). */
  values(): string[] {
    return this.items.map(String);
  }
}

/** java.util.HashMap stand-in. */
export class JavaMap {
  private readonly entries = new Map<string, unknown>();
  constructor(values: Record<string, unknown> = {}) {
    for (const [key, value] of Object.entries(values)) this.entries.set(key, value);
  }
  get(key: unknown): unknown {
    const value = this.entries.get(String(key));
    return value === undefined ? null : value;
  }
  put(key: unknown, value: unknown): unknown {
    const previous = this.get(key);
    this.entries.set(String(key), value);
    return previous;
  }
  containsKey(key: unknown): boolean {
    return this.entries.has(String(key));
  }
  keySet(): JavaSet {
    return new JavaSet(this.entries.keys());
  }
  size(): number {
    return this.entries.size;
  }
  isEmpty(): boolean {
    return this.entries.size === 0;
  }
  /** Host-side view (not a Java method). */
  toObject(): Record<string, unknown> {
    return Object.fromEntries(this.entries);
  }
}

/**
 * A Map as next-generation scripts read it (Rhino's Java-map access: environment.IP,
 * clientProperties.clientId); a key wins over a method of the same name, as in Rhino.
 */
export function mapAccess(map: JavaMap): JavaMap {
  return new Proxy(map, {
    get(target, property, receiver) {
      if (typeof property === 'string' && target.containsKey(property)) return target.get(property);
      return Reflect.get(target, property, receiver);
    },
  });
}

/** Converts plain data to what legacy AM binds: arrays become Sets, objects Maps, strings Java strings. */
export function toJava(value: unknown): unknown {
  if (Array.isArray(value)) return new JavaSet(value);
  if (value && typeof value === 'object') {
    const map = new JavaMap();
    for (const [key, inner] of Object.entries(value)) map.put(key, toJava(inner));
    return map;
  }
  return typeof value === 'string' ? javaString(value) : value;
}

/** Converts plain data to what next-generation AM binds: arrays become Lists, objects readable Maps. */
export function toJavaNextGen(value: unknown): unknown {
  if (Array.isArray(value)) return new JavaList(value.map((item) => toJavaNextGen(item)));
  if (value && typeof value === 'object') {
    const map = new JavaMap();
    for (const [key, inner] of Object.entries(value)) map.put(key, toJavaNextGen(inner));
    return mapAccess(map);
  }
  return typeof value === 'string' ? javaString(value) : value;
}

/** Back to plain JSON data (host side): Java collections to arrays and objects, Java strings to strings. */
export function toPlain(value: unknown, depth = 0): unknown {
  if (depth > 32) return null;
  if (value === undefined || value === null) return null;
  if (value instanceof String) return String(value);
  if (value instanceof JavaSet || value instanceof JavaList) return value.values();
  if (value instanceof JavaMap) return toPlain(value.toObject(), depth + 1);
  if (Array.isArray(value)) return value.map((item) => toPlain(item, depth + 1));
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toPlain(inner, depth + 1)]));
  return typeof value === 'function' ? null : value;
}
