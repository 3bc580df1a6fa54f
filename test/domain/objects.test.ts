import { withoutUndefined } from '../../src/domain/objects';

describe('withoutUndefined', () => {
  it('drops undefined fields and keeps every other value, falsy ones included', () => {
    const out = withoutUndefined({ a: 1, b: undefined, c: '', d: 0, e: null, f: false });
    expect(out).toEqual({ a: 1, c: '', d: 0, e: null, f: false });
    expect(Object.keys(out)).toEqual(['a', 'c', 'd', 'e', 'f']);
  });

  it('drops empty text too when asked, and leaves the object given as it was', () => {
    const given = { a: 'x', b: '', c: undefined };
    expect(withoutUndefined(given, true)).toEqual({ a: 'x' });
    expect(Object.keys(given)).toEqual(['a', 'b', 'c']);
  });
});
