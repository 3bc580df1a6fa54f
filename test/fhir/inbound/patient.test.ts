import { Patient } from '@medplum/fhirtypes';
import { Person } from '../../../src/domain/person';
import { patientInbound } from '../../../src/fhir/inbound/patient';
import { toPatient } from '../../../src/fhir/resources/patient';
import { NHS_NUMBER_SYSTEM, NHS_NUMBER_VERIFICATION_EXTENSION, NHS_NUMBER_VERIFICATION_SYSTEM_LEGACY, SOCIAL_CARE_REFERENCE_SYSTEM } from '../../../src/fhir/systems';
import { changed, mappingContext, margaret, refusal, ruth, stored } from './records';

const asFhir = (person: Person): Patient => toPatient(stored(person), mappingContext());

describe('Patient -> Person', () => {
  it('maps a rendered person back to the same record', () => {
    for (const person of [margaret, ruth]) {
      expect(patientInbound.toRecord(asFhir(person), person.id, person)).toEqual(person);
    }
  });

  it('maps a person known only by birth date and postcode, with a date of death', () => {
    const unnamed: Person = {
      id: 'WXB-200004',
      givenNames: [],
      familyName: '',
      birthDate: '1931-12-01',
      gender: 'male',
      address: { lines: [], postcode: 'WX3 9ZZ' },
      telecom: [],
      restricted: false,
      deceasedDate: '2026-10-14',
      source: 'fhir',
    };
    expect(patientInbound.toRecord(asFhir(unnamed), unnamed.id, undefined)).toEqual(unnamed);
  });

  it('takes its id from the social-care reference', () => {
    expect(patientInbound.idFromResource!(asFhir(margaret))).toBe('WXB-200001');
    const badId = changed(asFhir(margaret), { identifier: [{ system: SOCIAL_CARE_REFERENCE_SYSTEM, value: 'WXB 200001' }] });
    expect(refusal(() => patientInbound.idFromResource!(badId))).toMatchObject({ status: 400, expression: ['Patient.identifier'] });
  });

  it('is written from FHIR, keeps the allocation and the restriction it does not show, and names the team it needs', () => {
    const held: Person = { ...margaret, restricted: true, allocatedWorkerId: 'W-002', source: 'cld' };
    const record = patientInbound.toRecord(asFhir(margaret), margaret.id, held);
    expect(record).toMatchObject({ restricted: true, allocatedWorkerId: 'W-002', source: 'fhir' });
    expect(patientInbound.references(record)).toEqual([
      { kind: 'organisation', id: 'TEAM-OAN', expression: 'Patient.managingOrganization', organisationKinds: ['team', 'council'] },
    ]);
  });

  it('reads confidentiality labels: R or V restricts, other labels lift a restriction', () => {
    const labelled = (code: string) =>
      changed(asFhir(margaret), { meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code }] } });
    expect(patientInbound.toRecord(labelled('R'), margaret.id, margaret).restricted).toBe(true);
    expect(patientInbound.toRecord(labelled('V'), margaret.id, undefined).restricted).toBe(true);
    expect(patientInbound.toRecord(labelled('N'), margaret.id, { ...margaret, restricted: true }).restricted).toBe(false);
  });

  it('normalises an NHS number and accepts the older verification code system', () => {
    const legacy = changed(asFhir(ruth), {
      identifier: [
        {
          system: NHS_NUMBER_SYSTEM,
          value: '999 100 1026',
          extension: [{ url: NHS_NUMBER_VERIFICATION_EXTENSION, valueCodeableConcept: { coding: [{ system: NHS_NUMBER_VERIFICATION_SYSTEM_LEGACY, code: '02' }] } }],
        },
      ],
    });
    expect(patientInbound.toRecord(legacy, ruth.id, undefined)).toMatchObject({ nhsNumber: '9991001026', nhsNumberVerification: '02' });
  });

  it('refuses a verification status in a code system it does not know', () => {
    const unknown = changed(asFhir(ruth), {
      identifier: [
        {
          system: NHS_NUMBER_SYSTEM,
          value: '9991001026',
          extension: [{ url: NHS_NUMBER_VERIFICATION_EXTENSION, valueCodeableConcept: { coding: [{ system: 'https://example.org/verification', code: '01' }] } }],
        },
      ],
    });
    expect(refusal(() => patientInbound.toRecord(unknown, ruth.id, undefined))).toMatchObject({ status: 400, expression: ['Patient.identifier'] });
  });

  it('keeps an out-of-hours number Patient does not show', () => {
    const held: Person = { ...ruth, telecom: [...ruth.telecom, { system: 'phone', value: '07700 900 399', use: 'out-of-hours' }] };
    expect(patientInbound.toRecord(asFhir(held), ruth.id, held)).toEqual(held);
  });

  it('refuses an NHS number failing its Modulus 11 check, saying why', () => {
    const bad = changed(asFhir(ruth), { identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9991001027' }] });
    const r = refusal(() => patientInbound.toRecord(bad, ruth.id, undefined));
    expect(r).toMatchObject({ status: 400, expression: ['Patient.identifier'] });
    expect(r.diagnostics).toContain('Modulus 11');
  });

  it('refuses a social-care reference other than the id written', () => {
    const other = changed(asFhir(ruth), { identifier: [{ system: SOCIAL_CARE_REFERENCE_SYSTEM, value: 'WXB-200009' }] });
    expect(refusal(() => patientInbound.toRecord(other, ruth.id, undefined))).toMatchObject({ status: 400, expression: ['Patient.identifier'] });
  });

  it('refuses a birth date that does not exist, or none', () => {
    expect(refusal(() => patientInbound.toRecord(changed(asFhir(ruth), { birthDate: '1966-02-30' }), ruth.id, undefined))).toMatchObject({
      status: 400,
      expression: ['Patient.birthDate'],
    });
    expect(refusal(() => patientInbound.toRecord(changed(asFhir(ruth), { birthDate: '1966' }), ruth.id, undefined))).toMatchObject({
      status: 400,
      expression: ['Patient.birthDate'],
    });
    expect(refusal(() => patientInbound.toRecord(changed(asFhir(ruth), { birthDate: undefined }), ruth.id, undefined))).toMatchObject({
      status: 400,
      expression: ['Patient.birthDate'],
    });
  });

  it('asks for the date of death rather than deceasedBoolean', () => {
    const r = refusal(() => patientInbound.toRecord(changed(asFhir(ruth), { deceasedBoolean: true }), ruth.id, undefined));
    expect(r).toMatchObject({ status: 422, expression: ['Patient.deceasedBoolean'] });
    expect(r.diagnostics).toContain('deceasedDateTime');
  });

  it('refuses a managing organisation that is not an Organization, and an unresolved urn:uuid', () => {
    const wrongType = changed(asFhir(margaret), { managingOrganization: { reference: 'Practitioner/W-001' } });
    expect(refusal(() => patientInbound.toRecord(wrongType, margaret.id, margaret))).toMatchObject({
      status: 400,
      expression: ['Patient.managingOrganization'],
    });
    const unresolved = changed(asFhir(margaret), { managingOrganization: { reference: 'urn:uuid:0b9f5a57-0d2b-4c47-9c55-4d7b1c1e8a10' } });
    expect(refusal(() => patientInbound.toRecord(unresolved, margaret.id, margaret)).diagnostics).toContain('unresolved');
  });

  it('accepts an absolute reference ending in Organization/id', () => {
    const absolute = changed(asFhir(margaret), { managingOrganization: { reference: 'https://fhir.wexbridge.example/r4/Organization/TEAM-OAN' } });
    expect(patientInbound.toRecord(absolute, margaret.id, margaret).responsibleTeamId).toBe('TEAM-OAN');
  });

  it('refuses an unknown communication need, listing the codes', () => {
    const patient = asFhir(margaret);
    const unknown = changed(patient, {
      extension: [{ ...patient.extension![0], valueCodeableConcept: { coding: [{ ...patient.extension![0].valueCodeableConcept!.coding![0], code: 'deafblind' }] } }],
    });
    const r = refusal(() => patientInbound.toRecord(unknown, margaret.id, margaret));
    expect(r).toMatchObject({ status: 400, expression: ['Patient.extension'] });
    expect(r.diagnostics).toContain('hearing-impairment');
  });

  it('refuses a resource of another type or another id', () => {
    expect(refusal(() => patientInbound.toRecord({ resourceType: 'Practitioner' } as never, ruth.id, undefined))).toMatchObject({ status: 400 });
    expect(refusal(() => patientInbound.toRecord(asFhir(ruth), 'WXB-200009', undefined))).toMatchObject({ status: 400, expression: ['Patient.id'] });
  });
});
