/**
 * The object without its absent fields (undefined, or empty text when `dropEmpty`): records keep
 * only what was said, so a stored or compared record has no keys that stand for nothing.
 */
export function withoutUndefined<T extends object>(o: T, dropEmpty = false): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o) as [keyof T, T[keyof T]][]) {
    if (v === undefined || (dropEmpty && (v as unknown) === '')) continue;
    out[k] = v;
  }
  return out;
}
