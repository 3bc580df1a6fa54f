/**
 * The correlation id (X-Correlation-ID) in the audit trail: the information-governance officer
 * follows one clinical transaction across systems by it. Sent with a lookup, a notice and a token
 * request, and read back as FHIR AuditEvents through the API, on both stores; an invalid one is
 * ignored, neither recorded nor refused.
 */
import { AuditEvent, Bundle } from '@medplum/fhirtypes';
import request from 'supertest';
import { CLIENT_ASSERTION_TYPE } from '../../src/auth/assertion';
import { signClientAssertion } from '../../src/auth/assertionSigner';
import { errorLines, profileValidator } from '../../src/conformance/validator';
import { startTestApp, TestApp } from '../support/app';
import { keyOfClient } from '../support/auth';
import { exampleNotice } from '../support/notices';
import { DRIVERS } from '../support/stores';

const CORRELATION_SYSTEM = 'https://fhir.social-care-facade.uk/Id/correlation-id';
type As = (r: request.Test) => request.Test;
const events = (b: Bundle) => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as AuditEvent);
const requestIdOf = (e: AuditEvent) => e.extension?.find((x) => x.url.endsWith('/Extension-RequestId'))?.valueString;
const correlationOf = (e: AuditEvent) => e.entity?.filter((x) => x.what?.identifier?.system === CORRELATION_SYSTEM);

describe.each(DRIVERS)('the correlation id in the audit trail (%s)', (driver) => {
  let t: TestApp;
  let hospital: As;
  let council: As;
  beforeAll(async () => {
    t = await startTestApp(driver);
    hospital = await t.as('sandbox-epr-rx1');
    council = await t.as('sandbox-council-mosaic');
  }, 60_000);
  afterAll(() => t?.close());

  /** The AuditEvent of one request, found as the officer would: newest first, by request id. */
  const eventOf = async (requestId: string, query: Record<string, string> = {}) => {
    const res = await council(t.http.get('/fhir/AuditEvent').query({ _count: '100', ...query }));
    expect(res.status).toBe(200);
    const found = events(res.body).filter((e) => requestIdOf(e) === requestId);
    expect(found).toHaveLength(1);
    return found[0];
  };

  it('a lookup and the notice that follows it carry the same transaction, as an entity of the AuditEvent', async () => {
    const transaction = 'RX1-ED-20261201-0042';
    const lookup = await hospital(
      t.http.get('/fhir/Patient').query({ identifier: 'https://fhir.nhs.uk/Id/nhs-number|9990000018' }).set('X-Request-ID', 'corr-lookup').set('X-Correlation-ID', transaction),
    );
    expect(lookup.status).toBe(200);
    expect(lookup.headers['x-correlation-id']).toBe(transaction);
    const notice = await hospital(
      t.http
        .post('/fhir/Communication')
        .set('Content-Type', 'application/fhir+json')
        .set('X-Request-ID', 'corr-notice')
        .set('X-Correlation-ID', transaction)
        .send(JSON.stringify(exampleNotice('assessment-notice'))),
    );
    expect(notice.status).toBe(201);

    for (const requestId of ['corr-lookup', 'corr-notice']) {
      const event = await eventOf(requestId, { patient: '9990000018' });
      expect(correlationOf(event)).toEqual([
        {
          what: { identifier: { system: CORRELATION_SYSTEM, value: transaction } },
          type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
          description: 'The clinical transaction this request belongs to (X-Correlation-ID)',
        },
      ]);
      // Still an AuditEvent of the facade's profile.
      expect(errorLines(profileValidator().validate(event, event.meta!.profile![0]))).toEqual([]);
    }
  });

  it('a token request carries it too', async () => {
    const assertion = await signClientAssertion({ clientId: 'sandbox-epr-rx1', tokenUrl: `${t.config.fhirBaseUrl.replace(/\/fhir$/, '')}/auth/token`, privateJwk: keyOfClient('sandbox-epr-rx1') });
    const res = await t.http
      .post('/auth/token')
      .set('X-Request-ID', 'corr-token')
      .set('X-Correlation-ID', 'RX1-ED-20261201-0043')
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
    expect(res.status).toBe(200);
    expect(res.headers['x-correlation-id']).toBe('RX1-ED-20261201-0043');
    const event = await eventOf('corr-token', { type: '110114' });
    expect(correlationOf(event)?.map((e) => e.what?.identifier?.value)).toEqual(['RX1-ED-20261201-0043']);
  });

  it('an invalid one is ignored: the request is answered, and neither the answer nor the record holds it', async () => {
    const res = await hospital(t.http.get('/fhir/Patient/WXB-100001').set('X-Request-ID', 'corr-invalid').set('X-Correlation-ID', 'Barbara Thornton <9990000018>'));
    expect(res.status).toBe(200);
    expect(res.headers).not.toHaveProperty('x-correlation-id');
    const event = await eventOf('corr-invalid', { patient: 'Patient/WXB-100001' });
    expect(correlationOf(event)).toEqual([]);
    expect(JSON.stringify(event)).not.toContain('Barbara Thornton');
  });

  it('a request without one has no correlation entity', async () => {
    await hospital(t.http.get('/fhir/Patient/WXB-100001').set('X-Request-ID', 'corr-none')).expect(200);
    expect(correlationOf(await eventOf('corr-none', { patient: 'Patient/WXB-100001' }))).toEqual([]);
  });
});
