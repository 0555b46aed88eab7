/**
 * Conversions between Java collections/strings (as AM hands them to scripts) and plain JS values.
 * Touches only the objects passed in, never a binding by name.
 */

/** Java strings are objects in Rhino and not === to JS strings: always go through String(). */
export function jsString(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

export function setToArray(set: JavaSet | null | undefined): string[] {
  const out: string[] = [];
  if (!set) return out;
  const iterator = set.iterator();
  while (iterator.hasNext()) out.push(String(iterator.next()));
  return out;
}

export function arrayToSet(values: string[]): JavaSet<string> {
  const set = new java.util.HashSet<string>();
  for (let i = 0; i < values.length; i++) set.add(values[i]);
  return set;
}
