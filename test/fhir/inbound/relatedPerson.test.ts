import { RelatedPerson } from '@medplum/fhirtypes';
import { CareRelationship } from '../../../src/domain/carer';
import { relatedPersonInbound } from '../../../src/fhir/inbound/relatedPerson';
import { toRelatedPerson } from '../../../src/fhir/resources/relatedPerson';
import { NHS_NUMBER_SYSTEM, SOCIAL_CARE_REFERENCE_SYSTEM } from '../../../src/fhir/systems';
import { changed, mappingContext, refusal, stored } from './records';

const daughter: CareRelationship = {
  id: 'CR-0001',
  carerId: 'WXB-200002',
  caredForId: 'WXB-200001',
  status: 'active',
  startDate: '2023-05-01',
  hoursCaringPerWeek: '50+',
  relationship: 'Daughter',
  source: 'fhir',
};
// No relationship in words: toRelatedPerson says only "Unpaid carer".
const ended: CareRelationship = {
  id: 'CR-0002',
  carerId: 'WXB-200002',
  caredForId: 'WXB-200001',
  status: 'ended',
  startDate: '2022-01-10',
  endDate: '2024-06-30',
  hoursCaringPerWeek: '0-19',
  source: 'fhir',
  endedBy: 'import-2025-q4',
};

const asFhir = (rel: CareRelationship): RelatedPerson => toRelatedPerson(stored(rel), mappingContext());

describe('RelatedPerson -> CareRelationship', () => {
  it('maps a rendered carer back to the same relationship, keeping the hours caring and the import that ended it', () => {
    for (const rel of [daughter, ended]) expect(relatedPersonInbound.toRecord(asFhir(rel), rel.id, rel)).toEqual(rel);
  });

  it('creates one without the CLD banding of hours', () => {
    const { hoursCaringPerWeek, ...rest } = daughter;
    expect(hoursCaringPerWeek).toBe('50+');
    expect(relatedPersonInbound.toRecord(asFhir(daughter), daughter.id, undefined)).toEqual(rest);
  });

  it('reads the relationship from plain text or a coding display', () => {
    const related = asFhir(daughter);
    expect(relatedPersonInbound.toRecord(changed(related, { relationship: [{ text: 'Neighbour' }] }), daughter.id, daughter).relationship).toBe('Neighbour');
    const coded = changed(related, {
      relationship: [{ coding: [related.relationship![0].coding![0], { system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'SIS', display: 'sister' }] }],
    });
    expect(relatedPersonInbound.toRecord(coded, daughter.id, daughter).relationship).toBe('sister');
  });

  it('names the person cared for and the carer', () => {
    expect(relatedPersonInbound.references(daughter)).toEqual([
      { kind: 'person', id: 'WXB-200001', expression: 'RelatedPerson.patient' },
      { kind: 'person', id: 'WXB-200002', expression: 'RelatedPerson.identifier' },
    ]);
  });

  it('refuses a RelatedPerson naming no carer, or the carer by NHS number alone', () => {
    expect(refusal(() => relatedPersonInbound.toRecord(changed(asFhir(daughter), { identifier: undefined }), daughter.id, daughter))).toMatchObject({
      status: 400,
      expression: ['RelatedPerson.identifier'],
    });
    const byNhsNumber = changed(asFhir(daughter), { identifier: [{ system: NHS_NUMBER_SYSTEM, value: '9991001026' }] });
    const r = refusal(() => relatedPersonInbound.toRecord(byNhsNumber, daughter.id, daughter));
    expect(r).toMatchObject({ status: 400, expression: ['RelatedPerson.identifier'] });
    expect(r.diagnostics).toContain(SOCIAL_CARE_REFERENCE_SYSTEM);
  });

  it('refuses a carer who is the person cared for', () => {
    const self = changed(asFhir(daughter), { identifier: [{ system: SOCIAL_CARE_REFERENCE_SYSTEM, value: 'WXB-200001' }] });
    expect(refusal(() => relatedPersonInbound.toRecord(self, daughter.id, daughter))).toMatchObject({ status: 422, expression: ['RelatedPerson.identifier'] });
  });

  it('refuses a patient that is not a Patient', () => {
    expect(refusal(() => relatedPersonInbound.toRecord(changed(asFhir(daughter), { patient: { reference: 'RelatedPerson/CR-0002' } }), daughter.id, daughter))).toMatchObject({
      status: 400,
      expression: ['RelatedPerson.patient'],
    });
  });
});
