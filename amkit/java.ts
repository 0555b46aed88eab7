/**
 * Java-like collections and strings as AM's legacy engine hands them to scripts, for Node.
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
  addAll(values: JavaSet | unknown[]): boolean {
    let changed = false;
    for (const value of values instanceof JavaSet ? values.values() : values) changed = this.add(value) || changed;
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
    let index = 0;
    const items = [...this.items];
    return {
      hasNext: () => index < items.length,
      next: () => {
        if (index >= items.length) throw new Error('java.util.NoSuchElementException');
        return javaString(items[index++]);
      },
    };
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
}

/** java.util.ArrayList stand-in. */
export class JavaList {
  private readonly items: unknown[] = [];
  add(value: unknown): boolean {
    this.items.push(value);
    return true;
  }
  get(index: number): unknown {
    return this.items[index];
  }
  size(): number {
    return this.items.length;
  }
  toArray(): unknown[] {
    return [...this.items];
  }
}

/** Converts plain data to what AM binds: arrays become Sets, objects Maps, strings Java strings. */
export function toJava(value: unknown): unknown {
  if (Array.isArray(value)) return new JavaSet(value);
  if (value && typeof value === 'object') {
    const map = new JavaMap();
    for (const [key, inner] of Object.entries(value)) map.put(key, toJava(inner));
    return map;
  }
  return typeof value === 'string' ? javaString(value) : value;
}
