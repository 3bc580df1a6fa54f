import { checkAcceptable, checkContentType, checkPatchContentType } from '../../src/http/negotiation';
import { FhirError } from '../../src/fhir/outcome';

/** The status a check refuses with, or 'ok'. */
function verdict(check: () => void): number | 'ok' {
  try {
    check();
    return 'ok';
  } catch (err) {
    if (err instanceof FhirError) return err.status;
    throw err;
  }
}

describe('what a client may ask to be answered in', () => {
  it.each([
    ['json', undefined],
    ['application/fhir+json', undefined],
    ['application/json;fhirVersion=4.0', undefined],
    [undefined, 'application/fhir+json'],
    [undefined, 'application/json, text/plain;q=0.5'],
    [undefined, '*/*'],
    [undefined, 'application/*'],
    [undefined, 'application/vnd.example+json'],
    [undefined, undefined],
    // _format overrides Accept.
    ['json', 'application/fhir+xml'],
  ])('_format=%s, Accept: %s is answered', (format, accept) => {
    expect(verdict(() => checkAcceptable(format, accept))).toBe('ok');
  });

  it.each([
    ['xml', undefined],
    ['application/fhir+xml', undefined],
    ['turtle', undefined],
    [undefined, 'application/fhir+xml'],
    [undefined, 'text/html, application/xml;q=0.9'],
    // q=0 means "not this".
    [undefined, 'application/fhir+json;q=0'],
  ])('_format=%s, Accept: %s is 406', (format, accept) => {
    expect(verdict(() => checkAcceptable(format, accept))).toBe(406);
  });

  it('says what it speaks when it refuses', () => {
    expect(() => checkAcceptable('xml', undefined)).toThrow('XML is not supported: use _format=json');
    expect(() => checkAcceptable(undefined, 'text/csv')).toThrow('this server speaks FHIR JSON');
  });
});

describe('what a client may send', () => {
  it('takes FHIR JSON and JSON, with parameters, and no Content-Type at all', () => {
    expect(verdict(() => checkContentType('application/fhir+json; charset=utf-8', false))).toBe('ok');
    expect(verdict(() => checkContentType('Application/JSON', false))).toBe('ok');
    expect(verdict(() => checkContentType(undefined, false))).toBe('ok');
  });

  it('takes a form only where a form is allowed (POST _search)', () => {
    expect(verdict(() => checkContentType('application/x-www-form-urlencoded', true))).toBe('ok');
    expect(verdict(() => checkContentType('application/x-www-form-urlencoded', false))).toBe(415);
  });

  it('refuses other bodies with 415', () => {
    expect(verdict(() => checkContentType('application/fhir+xml', true))).toBe(415);
    expect(verdict(() => checkContentType('text/plain', false))).toBe(415);
  });

  it('takes only JSON Patch for PATCH', () => {
    expect(verdict(() => checkPatchContentType('application/json-patch+json'))).toBe('ok');
    expect(verdict(() => checkPatchContentType('application/fhir+json'))).toBe(415);
    expect(verdict(() => checkPatchContentType(undefined))).toBe(415);
  });
});
