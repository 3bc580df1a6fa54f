import { FhirError } from '../../src/fhir/outcome';
import { allowedMethods, allowedOnPath, isPublicPath, resolveRoute, routesOfDefinition } from '../../src/fhir/routes';

/** The refusal a method and path resolve to, as status, Allow header and diagnostics. */
function refusal(method: string, path: string) {
  try {
    resolveRoute(method, path);
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    const issue = err.outcome.issue?.[0];
    return { status: err.status, allow: err.headers.Allow, code: issue?.code, spine: issue?.details?.coding?.[0]?.code, message: issue?.diagnostics };
  }
  throw new Error(`${method} ${path} was not refused`);
}

describe('the route table', () => {
  it('resolves each path shape and method to its handler, with the type and id it names', () => {
    const metadata = resolveRoute('GET', '/metadata');
    expect(metadata.route).toMatchObject({ pattern: 'metadata', handler: 'capabilities', public: true });
    expect(resolveRoute('GET', '/Patient')).toMatchObject({ route: { pattern: '[type]', handler: 'search', public: false }, id: undefined });
    expect(resolveRoute('GET', '/Patient').def?.type).toBe('Patient');
    expect(resolveRoute('POST', '/Flag/_search').route).toMatchObject({ pattern: '[type]/_search', handler: 'search' });
    expect(resolveRoute('GET', '/Flag/_search').route.handler).toBe('search');
    expect(resolveRoute('POST', '/CarePlan/$validate')).toMatchObject({ route: { pattern: '[type]/$validate', handler: 'validate' }, id: undefined });
    const read = resolveRoute('GET', '/CarePlan/pkg-1');
    expect(read).toMatchObject({ route: { pattern: '[type]/[id]', handler: 'read' }, id: 'pkg-1' });
    expect(read.def?.type).toBe('CarePlan');
  });

  it('answers HEAD as GET and decodes percent-encoded segments', () => {
    expect(resolveRoute('HEAD', '/Patient/abc').route.handler).toBe('read');
    expect(resolveRoute('GET', '/Patient/a%2Db').id).toBe('a-b');
    expect(refusal('GET', '/Patient/%E0%A4%A')).toMatchObject({ status: 400, message: 'The URL path segment "%E0%A4%A" is not valid percent-encoding' });
  });

  it('serves the conformance types read and search only, public, with no operations', () => {
    expect(resolveRoute('GET', '/StructureDefinition').route).toMatchObject({ handler: 'conformance-search', public: true });
    expect(resolveRoute('POST', '/CodeSystem/_search').route.handler).toBe('conformance-search');
    const read = resolveRoute('GET', '/ValueSet/ukcore-x');
    expect(read).toMatchObject({ route: { pattern: '[type]/[id]', handler: 'conformance-read' }, id: 'ukcore-x' });
    expect(read.conformance?.type).toBe('ValueSet');
    expect(refusal('POST', '/StructureDefinition')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    // $ is no id character: $validate on a type that has no such operation is an operation not offered.
    for (const method of ['GET', 'POST']) {
      expect(refusal(method, '/ValueSet/$validate')).toMatchObject({ status: 404, code: 'not-supported', spine: 'UNSUPPORTED_SERVICE' });
    }
  });

  it('refuses a method the path does not take with 405 and the Allow list of that path', () => {
    expect(refusal('POST', '/metadata')).toEqual({
      status: 405,
      allow: 'GET, HEAD',
      code: 'not-supported',
      spine: 'UNSUPPORTED_SERVICE',
      message: 'POST is not supported on /metadata; use GET',
    });
    expect(refusal('DELETE', '/Patient')).toMatchObject({ status: 405, allow: 'GET, HEAD, POST, PUT' });
    expect(refusal('POST', '/AuditEvent')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    expect(refusal('PUT', '/Patient/_search')).toMatchObject({ status: 405, allow: 'POST, GET, HEAD', message: 'PUT is not supported on /Patient/_search; use POST or GET' });
    expect(refusal('GET', '/Patient/$validate')).toMatchObject({ status: 405, allow: 'POST' });
    expect(refusal('HEAD', '/Flag/$validate')).toMatchObject({ status: 405, allow: 'POST', message: 'GET is not supported on /Flag/$validate; use POST' });
    expect(refusal('PUT', '/AuditEvent/a1')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    expect(refusal('PATCH', '/AuditEvent/a1')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    // A person is never deleted (their record is updated); a package recorded in error is.
    expect(refusal('DELETE', '/Patient/p1')).toMatchObject({ status: 405, allow: 'GET, HEAD, PUT, PATCH', code: 'not-supported', spine: 'UNSUPPORTED_SERVICE' });
    expect(refusal('DELETE', '/Task/t1')).toMatchObject({ status: 405, allow: 'GET, HEAD, PUT, PATCH' });
    expect(refusal('PUT', '/Communication/c1')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
  });

  it('answers 404 not-supported for FHIR interactions the facade does not offer on a type it serves', () => {
    const unoffered = (method: string, path: string, message: RegExp) =>
      expect(refusal(method, path)).toMatchObject({ status: 404, allow: undefined, code: 'not-supported', spine: 'UNSUPPORTED_SERVICE', message: expect.stringMatching(message) });
    unoffered('GET', '/_history', /^History of the whole system is not supported/);
    unoffered('GET', '/StructureDefinition/SocialCare-Patient/_history', /^History is not supported for StructureDefinition/);
    unoffered('GET', '/CodeSystem/_history', /^History is not supported for CodeSystem/);
    unoffered('GET', '/ValueSet/v1/_history/1', /^Vread is not supported for ValueSet: it is not versioned, read ValueSet\/v1/);
    unoffered('GET', '/Patient/$everything', /operation \$everything is not supported/);
    unoffered('POST', '/Patient/p1/$everything', /operation \$everything is not supported/);
    unoffered('GET', '/$export', /operation \$export is not supported/);
  });

  it('resolves vread and history of every served type: _history is never an id, nor $name a version', () => {
    expect(resolveRoute('GET', '/Patient/p1/_history/2')).toMatchObject({ route: { handler: 'vread' }, id: 'p1', versionId: '2' });
    expect(resolveRoute('HEAD', '/Task/t1/_history')).toMatchObject({ route: { handler: 'history-instance' }, id: 't1', versionId: undefined });
    expect(resolveRoute('GET', '/AuditEvent/_history')).toMatchObject({ route: { handler: 'history-type' }, id: undefined });
    expect(refusal('POST', '/Patient/_history')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    expect(refusal('PUT', '/CarePlan/PKG-0001/_history/1')).toMatchObject({ status: 405, allow: 'GET, HEAD' });
    expect(refusal('GET', '/Patient/_history/1')).toMatchObject({ status: 404, message: 'No such interaction: /Patient/_history/1' });
    expect(refusal('GET', '/Patient/p1/_history/1/x')).toMatchObject({ status: 404, message: 'No such interaction: /Patient/p1/_history/1/x' });
    expect(refusal('GET', '/Patient/p1/_history/$everything')).toMatchObject({ status: 404, code: 'not-supported' });
  });

  it('takes a transaction or batch Bundle at the base (POST only)', () => {
    expect(resolveRoute('POST', '/').route.handler).toBe('bundle');
    expect(refusal('PUT', '/')).toMatchObject({ status: 404 });
  });

  it('answers 404 for what is not there', () => {
    expect(refusal('GET', '/')).toMatchObject({ status: 404, message: 'Nothing here: name a resource type, e.g. /Patient?identifier=..., or POST a transaction or batch Bundle' });
    expect(refusal('GET', '/Observation')).toMatchObject({ status: 404, code: 'not-supported', spine: 'UNSUPPORTED_SERVICE', message: 'Resource type Observation is not served by this facade' });
    expect(refusal('GET', '/Nonsense/1')).toMatchObject({ status: 404, code: 'not-found', spine: 'UNSUPPORTED_SERVICE', message: 'Unknown resource type "Nonsense"' });
    expect(refusal('DELETE', '/Nonsense/1')).toMatchObject({ status: 404, code: 'not-found' });
    expect(refusal('GET', '/metadata/x')).toMatchObject({ status: 404, message: 'Unknown resource type "metadata"' });
    expect(refusal('GET', '/constructor')).toMatchObject({ status: 404, message: 'Unknown resource type "constructor"' });
    expect(refusal('GET', '/Patient/1/pets')).toMatchObject({ status: 404, code: 'not-found', spine: 'UNSUPPORTED_SERVICE', message: 'No such interaction: /Patient/1/pets' });
    expect(refusal('POST', '/StructureDefinition/_search/x')).toMatchObject({ status: 404, message: 'No such interaction: /StructureDefinition/_search/x' });
  });

  it("derives a type's methods from its definition's writes, in Allow order", () => {
    const handler = async () => ({ status: 200 });
    const allow = (writes: Parameters<typeof routesOfDefinition>[0]['writes'], pattern: string) =>
      routesOfDefinition({ writes }).filter((r) => r.pattern === pattern).map((r) => `${r.method} ${r.handler}`);
    expect(allow(undefined, '[type]')).toEqual(['GET search']);
    expect(allow(undefined, '[type]/[id]')).toEqual(['GET read']);
    expect(allow({ create: handler }, '[type]')).toEqual(['GET search', 'POST create']);
    expect(allow({ create: handler }, '[type]/[id]')).toEqual(['GET read']);
    expect(allow({ update: handler, patch: handler }, '[type]/[id]')).toEqual(['GET read', 'PUT update', 'PATCH patch']);
    expect(allow({ patch: handler }, '[type]/[id]')).toEqual(['GET read', 'PATCH patch']);
    expect(allow({ create: handler, update: handler }, '[type]/_search')).toEqual(['POST search', 'GET search']);
    expect(allow({ create: handler }, '[type]/$validate')).toEqual(['POST validate']);
    // Every route a resource type has needs a caller.
    expect(routesOfDefinition({ writes: { create: handler, update: handler, patch: handler } }).every((r) => !r.public)).toBe(true);
  });

  it('lists the methods a path takes, HEAD beside GET, for an OPTIONS answer', () => {
    expect(allowedOnPath('/metadata')).toEqual(['GET', 'HEAD']);
    expect(allowedOnPath('/Patient')).toEqual(['GET', 'HEAD', 'POST', 'PUT']);
    expect(allowedOnPath('/CarePlan/PKG-0001')).toEqual(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE']);
    expect(allowedOnPath('/AuditEvent')).toEqual(['GET', 'HEAD']);
    expect(allowedOnPath('/Communication')).toEqual(['GET', 'HEAD', 'POST']);
    expect(allowedOnPath('/Patient/_search')).toEqual(['POST', 'GET', 'HEAD']);
    expect(allowedOnPath('/Task/t1')).toEqual(['GET', 'HEAD', 'PUT', 'PATCH']);
    expect(allowedOnPath('/Flag/$validate')).toEqual(['POST']);
    expect(allowedOnPath('/Patient/p1/_history')).toEqual(['GET', 'HEAD']);
    expect(allowedOnPath('/CarePlan/_history')).toEqual(['GET', 'HEAD']);
    for (const nothing of ['/', '/Observation', '/Nonsense', '/_history', '/StructureDefinition/x/_history', '/Patient/$everything', '/Patient/1/x']) {
      expect(allowedOnPath(nothing)).toBeUndefined();
    }
  });

  it('lists the methods a served type allows on each pattern, and none for an unknown type', () => {
    expect(allowedMethods('Patient', '[type]')).toEqual(['GET', 'POST', 'PUT']);
    expect(allowedMethods('Patient', '[type]/[id]')).toEqual(['GET', 'PUT', 'PATCH']);
    expect(allowedMethods('Flag', '[type]')).toEqual(['GET', 'POST', 'PUT', 'DELETE']);
    expect(allowedMethods('AuditEvent', '[type]')).toEqual(['GET']);
    expect(allowedMethods('Patient', '[type]/_search')).toEqual(['POST', 'GET']);
    expect(allowedMethods('AuditEvent', '[type]/$validate')).toEqual(['POST']);
    expect(allowedMethods('CodeSystem', '[type]/$validate')).toEqual([]);
    expect(allowedMethods('CodeSystem', '[type]/[id]')).toEqual(['GET']);
    expect(allowedMethods('Observation', '[type]')).toEqual([]);
  });

  it('marks public only the CapabilityStatement and whatever lies under a conformance type', () => {
    expect(isPublicPath('/metadata')).toBe(true);
    expect(isPublicPath('/metadata/')).toBe(false);
    expect(isPublicPath('/StructureDefinition')).toBe(true);
    expect(isPublicPath('/CodeSystem/x/y')).toBe(true);
    expect(isPublicPath('/ValueSet/')).toBe(true);
    expect(isPublicPath('/Patient')).toBe(false);
    expect(isPublicPath('/Flag/_search')).toBe(false);
    expect(isPublicPath('/Observation')).toBe(false);
    expect(isPublicPath('/')).toBe(false);
    expect(isPublicPath('/StructureDefinitionX')).toBe(false);
  });
});
