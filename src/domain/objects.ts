/**
 * A copy of the object without its absent fields (undefined, and empty text when `dropEmpty`):
 * records keep only what was said, so a stored or emitted record has no keys that stand for
 * nothing. The type is unchanged: a field that may be absent is already optional.
 */
export function withoutUndefined<T extends object>(o: T, dropEmpty = false): T {
  const out = {} as T;
  for (const [k, v] of Object.entries(o) as [keyof T, T[keyof T]][]) {
    if (v === undefined || (dropEmpty && (v as unknown) === '')) continue;
    out[k] = v;
  }
  return out;
}
