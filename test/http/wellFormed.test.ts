import { illFormedJson, illFormedParams, undecodableText, verifyFormText } from '../../src/http/wellFormed';

describe('percent-encoded text', () => {
  it('passes UTF-8 text, plain text and broken escapes (judged elsewhere)', () => {
    expect(undecodableText('/Patient?name=Zo%C3%AB')).toBeUndefined();
    expect(undecodableText('/Patient?name=Zoe')).toBeUndefined();
    expect(undecodableText('/Patient?name=100%')).toBeUndefined();
  });

  it('names bytes that are not UTF-8', () => {
    expect(undecodableText('/Patient?name=%E9')).toMatch(/not UTF-8 text \(%E9\)/);
  });

  it('names an encoded unpaired surrogate', () => {
    expect(undecodableText('/Patient?name=%ED%A0%80')).toMatch(/not UTF-8|not well-formed/);
  });

  it('keeps a long run short in its message', () => {
    const message = undecodableText(`/Patient?name=${'%FF'.repeat(40)}`)!;
    expect(message).toContain('...');
    expect(message.length).toBeLessThan(120);
  });

  it('refuses a form body that does not decode, with status 400', () => {
    expect(() => verifyFormText(undefined, undefined, Buffer.from('name=%C3%AB'))).not.toThrow();
    expect(() => verifyFormText(undefined, undefined, Buffer.from('name=%E9'))).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('decoded parameters', () => {
  it('passes well-formed names and values', () => {
    expect(illFormedParams({ name: ['Zoë'], family: ['Ó Briain'] })).toBeUndefined();
  });

  it('names the parameter whose value holds an unpaired surrogate', () => {
    expect(illFormedParams({ name: ['ok', 'bad\ud800'] })).toBe('a value of name that is not well-formed Unicode (an unpaired surrogate)');
  });

  it('refuses a name with an unpaired surrogate', () => {
    expect(illFormedParams({ ['n\udc00']: ['x'] })).toMatch(/parameter name/);
  });
});

describe('JSON bodies', () => {
  it('passes ordinary properties, and values that are not strings', () => {
    expect(illFormedJson('family', 'Smith')).toBeUndefined();
    expect(illFormedJson('count', 3)).toBeUndefined();
  });

  it('refuses NUL, naming the property', () => {
    expect(illFormedJson('family', 'Sm\u0000ith')).toMatch(/^the value of "family" holds the NUL character/);
  });

  it('says "a string" for array items and the top level', () => {
    expect(illFormedJson('0', 'a\u0000')).toMatch(/^a string holds the NUL/);
    expect(illFormedJson('', 'a\ud800')).toMatch(/^a string is not well-formed Unicode/);
  });

  it('refuses a property name with an unpaired surrogate', () => {
    expect(illFormedJson('fam\ud800ily', 'x')).toMatch(/property name/);
  });
});
