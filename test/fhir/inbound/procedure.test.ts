import { Procedure } from '@medplum/fhirtypes';
import { Assessment } from '../../../src/domain/assessment';
import { procedureInbound } from '../../../src/fhir/inbound/procedure';
import { toProcedure } from '../../../src/fhir/resources/procedure';
import { changed, mappingContext, refusal, stored } from './records';

const assessment: Assessment = {
  id: 'ASM-2001',
  personId: 'WXB-200001',
  kind: 'assessment',
  status: 'completed',
  type: 'Long Term Support: Care Act assessment',
  startDate: '2024-01-10',
  endDate: '2024-02-02',
  outcome: 'Long Term Support (any)',
  method: 'Face to face',
  eligibleNeeds: true,
  source: 'fhir',
};
const review: Assessment = {
  id: 'ASM-2003',
  personId: 'WXB-200001',
  kind: 'review',
  status: 'in-progress',
  startDate: '2026-11-02',
  method: 'Telephone',
  outcomesAchieved: 'Outcomes partially met',
  source: 'fhir',
};

const asFhir = (a: Assessment): Procedure => toProcedure(stored(a), mappingContext());

describe('Procedure -> Assessment', () => {
  it('maps a rendered assessment and review back to the same record', () => {
    for (const a of [assessment, review]) expect(procedureInbound.toRecord(asFhir(a), a.id, undefined)).toEqual(a);
    expect(procedureInbound.references(review)).toEqual([{ kind: 'person', id: 'WXB-200001', expression: 'Procedure.subject' }]);
  });

  it('takes performedDateTime as the start', () => {
    const at = changed(asFhir(review), { performedPeriod: undefined, performedDateTime: '2026-11-02T10:30:00Z' });
    expect(procedureInbound.toRecord(at, review.id, undefined).startDate).toBe('2026-11-02');
  });

  it('refuses a status other than in-progress or completed, a missing category and a missing start', () => {
    const procedure = asFhir(assessment);
    expect(refusal(() => procedureInbound.toRecord(changed(procedure, { status: 'not-done' }), assessment.id, undefined))).toMatchObject({
      status: 400,
      expression: ['Procedure.status'],
    });
    expect(refusal(() => procedureInbound.toRecord(changed(procedure, { category: undefined }), assessment.id, undefined))).toMatchObject({
      status: 400,
      expression: ['Procedure.category'],
    });
    expect(refusal(() => procedureInbound.toRecord(changed(procedure, { performedPeriod: { end: '2024-02-02' } }), assessment.id, undefined))).toMatchObject({
      status: 400,
      expression: ['Procedure.performedPeriod.start'],
    });
  });

  it('refuses an impossible date and a subject that is not a Patient', () => {
    const procedure = asFhir(assessment);
    expect(refusal(() => procedureInbound.toRecord(changed(procedure, { performedPeriod: { start: '2024-13-01' } }), assessment.id, undefined))).toMatchObject({
      status: 400,
      expression: ['Procedure.performedPeriod.start'],
    });
    expect(refusal(() => procedureInbound.toRecord(changed(procedure, { subject: { reference: 'Group/G1' } }), assessment.id, undefined))).toMatchObject({
      status: 400,
      expression: ['Procedure.subject'],
    });
  });
});
