/**
 * Removes, in place, the properties whose value is undefined, and returns the same object: emitted
 * JSON then carries no empty keys, and a mapping can be written as one object literal with optional
 * parts left undefined.
 */
export function withoutUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) {
    if (o[k] === undefined) delete o[k];
  }
  return o;
}
