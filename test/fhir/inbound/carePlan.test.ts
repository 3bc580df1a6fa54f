import { CarePlan } from '@medplum/fhirtypes';
import { CarePackage } from '../../../src/domain/carePackage';
import { carePlanInbound } from '../../../src/fhir/inbound/carePlan';
import { toCarePlan } from '../../../src/fhir/resources/carePlan';
import { FUNDING_EXTENSION } from '../../../src/fhir/systems';
import { changed, mappingContext, refusal, stored } from './records';

const homeCare: CarePackage = {
  id: 'PKG-2003',
  personId: 'WXB-200001',
  serviceType: 'home-care',
  status: 'suspended',
  startDate: '2025-04-07',
  statusReason: 'In hospital since 18 November',
  funding: 'council',
  providerId: 'PROV-1-101',
  details: { hoursPerWeek: 10.5, visitsPerDay: 3, tasks: ['Personal care', 'Meal preparation'], weeklyCostPence: 27930, notes: 'Key safe 1942' },
  cld: { serviceType: 'Long Term Support: Community', serviceComponent: 'Home Care', deliveryMechanism: 'CASSR Managed Personal Budget' },
  source: 'fhir',
};

const equipment: CarePackage = {
  id: 'PKG-2002',
  personId: 'WXB-200001',
  serviceType: 'equipment',
  status: 'ended',
  startDate: '2024-02-01',
  endDate: '2024-03-01',
  statusReason: 'Equipment delivered and fitted',
  funding: 'council',
  cld: { serviceType: 'Short Term Support: Other Short Term', serviceComponent: 'Equipment' },
  source: 'fhir',
  endedBy: 'import-2025-q4',
};

const asFhir = (pkg: CarePackage): CarePlan => toCarePlan(stored(pkg), mappingContext());

describe('CarePlan -> CarePackage', () => {
  it('maps a rendered package back to the same record, keeping the details FHIR carries only as prose', () => {
    for (const pkg of [homeCare, equipment]) expect(carePlanInbound.toRecord(asFhir(pkg), pkg.id, pkg)).toEqual(pkg);
  });

  it('creates a package from FHIR alone, without what only the record held', () => {
    const { details, ...rest } = homeCare;
    expect(details).toBeDefined();
    expect(carePlanInbound.toRecord(asFhir(homeCare), homeCare.id, undefined)).toEqual(rest);
    expect(carePlanInbound.idFromResource!(asFhir(homeCare))).toBe('PKG-2003');
  });

  it('names the person and the provider it needs, the provider as a provider', () => {
    expect(carePlanInbound.references(homeCare)).toEqual([
      { kind: 'person', id: 'WXB-200001', expression: 'CarePlan.subject' },
      { kind: 'organisation', id: 'PROV-1-101', expression: 'CarePlan.activity.detail.performer', organisationKinds: ['provider'] },
    ]);
  });

  it('ends a revoked package, and forgets the import that ended it once reopened', () => {
    expect(carePlanInbound.toRecord(changed(asFhir(homeCare), { status: 'revoked' }), homeCare.id, homeCare).status).toBe('ended');
    const reopened = carePlanInbound.toRecord(changed(asFhir(equipment), { status: 'active' }), equipment.id, equipment);
    expect(reopened.status).toBe('active');
    expect(reopened).not.toHaveProperty('endedBy');
  });

  it('refuses entered-in-error, pointing to DELETE', () => {
    const r = refusal(() => carePlanInbound.toRecord(changed(asFhir(homeCare), { status: 'entered-in-error' }), homeCare.id, homeCare));
    expect(r).toMatchObject({ status: 400, expression: ['CarePlan.status'] });
    expect(r.diagnostics).toContain('DELETE');
  });

  it('refuses an unknown service type, or none, listing the codes', () => {
    const plan = asFhir(homeCare);
    const unknown = changed(plan, { category: [{ coding: [{ ...plan.category![0].coding![0], code: 'gardening' }] }] });
    const r = refusal(() => carePlanInbound.toRecord(unknown, homeCare.id, homeCare));
    expect(r).toMatchObject({ status: 400, expression: ['CarePlan.category'] });
    expect(r.diagnostics).toContain('home-care, reablement');
    expect(refusal(() => carePlanInbound.toRecord(changed(plan, { category: undefined }), homeCare.id, homeCare))).toMatchObject({
      status: 400,
      expression: ['CarePlan.category'],
    });
  });

  it('keeps the funding held when an update leaves it out, and requires it of a new package', () => {
    const unfunded = changed(asFhir(homeCare), { extension: asFhir(homeCare).extension!.filter((e) => e.url !== FUNDING_EXTENSION) });
    expect(carePlanInbound.toRecord(unfunded, homeCare.id, { ...homeCare, funding: 'joint-funded' }).funding).toBe('joint-funded');
    expect(refusal(() => carePlanInbound.toRecord(unfunded, homeCare.id, undefined))).toMatchObject({ status: 400, expression: ['CarePlan.extension'] });
  });

  it('refuses a period ending before it starts, and an impossible date', () => {
    expect(refusal(() => carePlanInbound.toRecord(changed(asFhir(equipment), { period: { start: '2024-02-01', end: '2024-01-31' } }), equipment.id, equipment))).toMatchObject({
      status: 400,
      expression: ['CarePlan.period.end'],
    });
    expect(refusal(() => carePlanInbound.toRecord(changed(asFhir(equipment), { period: { start: '2024-02-30' } }), equipment.id, equipment))).toMatchObject({
      status: 400,
      expression: ['CarePlan.period.start'],
    });
  });

  it('refuses a subject that is not a Patient, and a performer that is not an Organization', () => {
    expect(refusal(() => carePlanInbound.toRecord(changed(asFhir(homeCare), { subject: { reference: 'Group/G1' } }), homeCare.id, homeCare))).toMatchObject({
      status: 400,
      expression: ['CarePlan.subject'],
    });
    const plan = asFhir(homeCare);
    const byPractitioner = changed(plan, { activity: [{ detail: { ...plan.activity![0].detail!, performer: [{ reference: 'Practitioner/W-001' }] } }] });
    expect(refusal(() => carePlanInbound.toRecord(byPractitioner, homeCare.id, homeCare))).toMatchObject({
      status: 400,
      expression: ['CarePlan.activity.detail.performer'],
    });
  });

  it('refuses an identifier naming another package', () => {
    const other = changed(asFhir(homeCare), { identifier: [{ ...asFhir(homeCare).identifier![0], value: 'PKG-9999' }] });
    expect(refusal(() => carePlanInbound.toRecord(other, homeCare.id, homeCare))).toMatchObject({ status: 400, expression: ['CarePlan.identifier'] });
  });
});
