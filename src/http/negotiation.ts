import { FhirError, outcome } from '../fhir/outcome';

/** FHIR JSON is the only format served; the charset travels with it. */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);
const XML_FORMATS = new Set(['xml', 'text/xml', 'application/xml', 'application/fhir+xml']);

/**
 * Server-driven content negotiation (FHIR R4 http#mime-type): _format overrides Accept; JSON in
 * any of its spellings (with ;fhirVersion or ;charset) is served; a request that accepts only
 * other formats, such as XML, gets 406.
 */
export function checkAcceptable(format: string | undefined, accept: string | undefined): void {
  if (format !== undefined) {
    const f = format.split(';')[0].trim().toLowerCase();
    if (JSON_FORMATS.has(f)) return;
    throw notAcceptable(
      XML_FORMATS.has(f) ? 'XML is not supported: use _format=json' : `_format=${format} is not supported: use json`,
    );
  }
  if (!accept) return;
  const types = accept.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { type, q: q ? Number(q.slice(2)) : 1 };
  });
  const ok = types.some(
    (t) => t.q > 0 && (JSON_FORMATS.has(t.type) || t.type === '*/*' || t.type === 'application/*' || t.type.endsWith('+json')),
  );
  if (!ok) throw notAcceptable(`Cannot answer in ${accept}: this server speaks FHIR JSON (application/fhir+json)`);
}

function notAcceptable(message: string) {
  return new FhirError(406, outcome('not-supported', message));
}

/** Request bodies: FHIR JSON or plain JSON, and form-encoded for POST _search. Anything else is 415. */
export function checkContentType(contentType: string | undefined, allowForm: boolean): void {
  if (!contentType) return;
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/fhir+json' || type === 'application/json') return;
  if (allowForm && type === 'application/x-www-form-urlencoded') return;
  throw new FhirError(
    415,
    outcome('not-supported', `Content-Type ${type} is not supported: send application/fhir+json${allowForm ? ' or a form' : ''}`),
  );
}

/** PATCH takes JSON Patch. */
export function checkPatchContentType(contentType: string | undefined): void {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  if (type === 'application/json-patch+json') return;
  throw new FhirError(415, outcome('not-supported', 'PATCH takes a JSON Patch document: Content-Type application/json-patch+json'));
}
