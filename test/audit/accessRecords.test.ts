/**
 * The pure rules of an access record: which interaction a request was, whom it touched, who the
 * user was, why they asked, and the record built from them.
 */
import { Bundle, Resource } from '@medplum/fhirtypes';
import { Caller } from '../../src/access/context';
import { randomUUID } from 'node:crypto';
import { accessRecord, interactionOf, interactionOfUrl, isValidTraceId, purposeOf, touchedBy, userOf } from '../../src/audit/accessRecords';
import { actionOf } from '../../src/domain/audit';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const headersOf = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()];
const caller: Caller = { clientId: 'sandbox-epr-rx1', organization: 'RX1', scope: 'system/*.rs', issuer: 'facade' };

describe('interactionOf: the interaction a request below the FHIR base was', () => {
  it.each([
    ['GET', '/metadata', 'capabilities', undefined],
    ['GET', '/Patient', 'search', 'Patient'],
    ['POST', '/Patient/_search', 'search', 'Patient'],
    ['GET', '/Patient/WXB-1', 'read', 'Patient'],
    ['HEAD', '/Patient/WXB-1', 'read', 'Patient'],
    ['POST', '/Communication', 'create', 'Communication'],
    ['PUT', '/Task/T-1', 'update', 'Task'],
    ['PATCH', '/Task/T-1', 'patch', 'Task'],
    ['POST', '/Patient/$validate', 'operation', 'Patient'],
    ['GET', '/Patient/WXB-1/$everything', 'operation', 'Patient'],
    ['DELETE', '/Patient/WXB-1', 'delete', 'Patient'],
    ['GET', '/Patient/WXB-1/_history', 'history', 'Patient'],
    ['GET', '/Patient/_history', 'history', 'Patient'],
    ['GET', '/Patient/WXB-1/_history/2', 'vread', 'Patient'],
  ])('%s %s is %s', (method, path, interaction, resourceType) => {
    expect(interactionOf(method, path)).toEqual(resourceType ? { interaction, resourceType } : { interaction });
  });

  it('takes a full path for requests refused before routing: FHIR, token, anything else', () => {
    expect(interactionOfUrl('GET', '/fhir/Patient/WXB-1')).toEqual({ interaction: 'read', resourceType: 'Patient' });
    expect(interactionOfUrl('GET', '/fhir')).toEqual({ interaction: 'search', resourceType: undefined });
    expect(interactionOfUrl('POST', '/auth/token')).toEqual({ interaction: 'token' });
    expect(interactionOfUrl('GET', '/fhirish/Patient')).toEqual({ interaction: 'operation' });
    expect(interactionOfUrl(undefined, undefined)).toEqual({ interaction: 'operation' });
  });
});

describe('actionOf', () => {
  it('maps each interaction to its AuditEvent action', () => {
    expect(['create', 'read', 'search', 'capabilities', 'update', 'patch', 'purge', 'token', 'operation'].map((i) => actionOf(i as never))).toEqual([
      'C', 'R', 'R', 'R', 'U', 'U', 'D', 'E', 'E',
    ]);
  });
});

describe('touchedBy: the people and records an answer holds', () => {
  const patient: Resource = { resourceType: 'Patient', id: 'WXB-1', identifier: [{ system: NHS, value: '9990000018' }, { system: 'other', value: 'x' }] };
  const plan: Resource = { resourceType: 'CarePlan', id: 'PKG-1', status: 'active', intent: 'plan', subject: { reference: 'Patient/WXB-2' } };
  const task: Resource = { resourceType: 'Task', id: 'T-1', status: 'requested', intent: 'order', for: { reference: 'Patient/WXB-3' } };
  const carer: Resource = {
    resourceType: 'RelatedPerson',
    id: 'cr-1',
    patient: { reference: 'Patient/WXB-4' },
    identifier: [
      { system: NHS, value: '9990000433' },
      { system: 'https://fhir.social-care-facade.uk/Id/social-care-reference', value: 'WXB-5' },
    ],
  };

  it('a Patient: its id, its NHS number, complete', () => {
    expect(touchedBy(patient)).toEqual({ personIds: ['WXB-1'], nhsNumbers: ['9990000018'], entities: ['Patient/WXB-1'], nhsNumbersComplete: true });
  });

  it('every entry of a Bundle; people by subject, for or patient; numbers incomplete when a person came back only by reference', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: patient }, { resource: plan }, { resource: task }, { resource: carer }, { resource: { resourceType: 'OperationOutcome', issue: [] } }],
    };
    const touched = touchedBy(bundle);
    // The carer a RelatedPerson discloses is named too, by id and NHS number.
    expect(touched.personIds.sort()).toEqual(['WXB-1', 'WXB-2', 'WXB-3', 'WXB-4', 'WXB-5']);
    expect(touched.entities).toEqual(['Patient/WXB-1', 'CarePlan/PKG-1', 'Task/T-1', 'RelatedPerson/cr-1']);
    expect(touched.nhsNumbers).toEqual(['9990000018', '9990000433']);
    expect(touched.nhsNumbersComplete).toBe(false);
  });

  it('ignores outcomes and the CapabilityStatement, and references to anything but a Patient', () => {
    expect(touchedBy({ resourceType: 'OperationOutcome', issue: [] }).entities).toEqual([]);
    const flag: Resource = { resourceType: 'Flag', id: 'F-1', status: 'active', code: {}, subject: { reference: 'Group/G-1' } };
    expect(touchedBy(flag)).toEqual({ personIds: [], nhsNumbers: [], entities: ['Flag/F-1'], nhsNumbersComplete: true });
  });

  it('counts NHS numbers asked about, found or not, spaced or encoded, and survives a broken query', () => {
    expect(touchedBy(undefined, `identifier=${encodeURIComponent(`${NHS}|9990000026`)}`).nhsNumbers).toEqual(['9990000026']);
    expect(touchedBy(undefined, 'identifier=999%20000%200034').nhsNumbers).toEqual(['9990000034']);
    expect(touchedBy(undefined, 'identifier=9990000042&x=%E0%A4%A').nhsNumbers).toEqual(['9990000042']);
    // Longer digit runs are not NHS numbers.
    expect(touchedBy(undefined, 'phone=019990000042').nhsNumbers).toEqual([]);
    expect(touchedBy(patient, 'identifier=9990000018').nhsNumbers).toEqual(['9990000018']);
  });
});

describe('purposeOf', () => {
  it('is direct care unless declared; a known code in any case; undefined for an unknown one', () => {
    expect(purposeOf(headersOf({}))).toBe('TREAT');
    expect(purposeOf(headersOf({ 'x-purpose-of-use': ' etreat ' }))).toBe('ETREAT');
    expect(purposeOf(headersOf({ 'x-purpose-of-use': 'CURIOSITY' }))).toBeUndefined();
    expect(purposeOf(headersOf({ 'x-purpose-of-use': 'constructor' }))).toBeUndefined();
  });
});

describe('userOf', () => {
  it('reads the NHS-style and plain headers, keeping only what was said', () => {
    expect(
      userOf(caller, headersOf({ 'nhsd-end-user-organisation-ods': 'RX1', 'nhsd-session-urid': '5550', 'nhsd-user-identity': 'SDS1', 'nhsd-session-jobrolecode': 'R8000', 'x-user-name': 'Dr A' })),
    ).toEqual({ name: 'Dr A', role: 'R8000', sdsUserId: 'SDS1', sdsRoleProfileId: '5550', organization: 'RX1' });
  });

  it('prefers the plain headers, falls back to the token subject, and drops empty values', () => {
    expect(userOf({ ...caller, user: 'staff-7' }, headersOf({ 'x-user-role': 'Nurse', 'nhsd-session-jobrolecode': 'R8000', 'x-user-name': '' }))).toEqual({
      id: 'staff-7',
      role: 'Nurse',
    });
    expect(userOf({ ...caller, user: 'staff-7' }, headersOf({ 'x-user-id': 'u-1' }))).toEqual({ id: 'u-1' });
  });

  it('is absent when nobody is named', () => {
    expect(userOf(undefined, headersOf({}))).toBeUndefined();
    expect(userOf(caller, headersOf({ 'x-user-name': '' }))).toBeUndefined();
  });
});

describe('accessRecord', () => {
  const facts = { requestId: 'r-1', method: 'GET', path: '/Patient', query: 'identifier=9990000018', headers: headersOf({ 'x-user-name': 'Dr A' }) };

  it('builds the record: who, what, when, why and how it ended', () => {
    const before = Date.now();
    const record = accessRecord({ facts, interaction: 'search', status: 200, caller, resourceType: 'Patient', touched: touchedBy(undefined, facts.query) });
    expect(record).toMatchObject({
      interaction: 'search',
      action: 'R',
      outcome: '0',
      httpStatus: 200,
      resourceType: 'Patient',
      clientId: 'sandbox-epr-rx1',
      organization: 'RX1',
      user: { name: 'Dr A' },
      purposeOfUse: 'TREAT',
      requestId: 'r-1',
      method: 'GET',
      path: '/Patient',
      query: 'identifier=9990000018',
      personIds: [],
      nhsNumbers: ['9990000018'],
      entities: [],
    });
    expect(record.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(record.recorded)).toBeGreaterThanOrEqual(before - 1);
  });

  it('a refusal: outcome by status, the error text, the client named when no caller is known', () => {
    const refused = accessRecord({ facts: { ...facts, query: '' }, interaction: 'token', status: 401, description: 'invalid_client', clientId: 'claimed' });
    expect(refused).toMatchObject({ outcome: '4', httpStatus: 401, outcomeDescription: 'invalid_client', clientId: 'claimed', action: 'E' });
    expect(refused.query).toBeUndefined();
    expect(accessRecord({ facts, interaction: 'read', status: 503 }).outcome).toBe('8');
    // The caller's client wins over a claimed one.
    expect(accessRecord({ facts, interaction: 'read', status: 200, caller, clientId: 'claimed' }).clientId).toBe('sandbox-epr-rx1');
  });

  it('takes a purpose given by the recorder over the headers', () => {
    const declared = { ...facts, headers: headersOf({ 'x-purpose-of-use': 'ETREAT' }) };
    expect(accessRecord({ facts: declared, interaction: 'read', status: 200 }).purposeOfUse).toBe('ETREAT');
    expect(accessRecord({ facts: declared, interaction: 'token', status: 200, purpose: 'TREAT' }).purposeOfUse).toBe('TREAT');
  });
});

describe('isValidTraceId: what a request or correlation id may be', () => {
  it('takes every UUID, whatever digits it holds', () => {
    const refused = Array.from({ length: 20_000 }, () => randomUUID()).filter((id) => !isValidTraceId(id));
    expect(refused).toEqual([]);
    expect(isValidTraceId('99900000-1899-4000-8000-999000001800')).toBe(true);
  });

  it.each(['9990000018', 'visit-9990000018', '999-000-0018', 'ae.999.000.0018:2', 'x_9990000018_y'])('refuses %s, which holds an NHS number', (id) => {
    expect(isValidTraceId(id)).toBe(false);
  });

  it.each(['9990000019', '99900000180', 'order-12345', 'ae-visit-2026-12-01.barbara:1'])('takes %s', (id) => {
    expect(isValidTraceId(id)).toBe(true);
  });

  it.each(['', 'a b', 'x'.repeat(129), 'caf\u00e9'])('refuses %j, outside the characters or the length', (id) => {
    expect(isValidTraceId(id)).toBe(false);
  });
});
