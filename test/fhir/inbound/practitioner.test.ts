import { Worker } from '../../../src/domain/worker';
import { practitionerInbound } from '../../../src/fhir/inbound/practitioner';
import { practitionerRoleInbound } from '../../../src/fhir/inbound/practitionerRole';
import { toPractitioner } from '../../../src/fhir/resources/practitioner';
import { toPractitionerRole } from '../../../src/fhir/resources/practitionerRole';
import { changed, mappingContext, refusal, stored, worker } from './records';

const asPractitioner = (w: Worker) => toPractitioner(stored(w));
const asRole = (w: Worker) => toPractitionerRole(stored(w), mappingContext());

describe('PractitionerRole -> Worker', () => {
  it('maps a rendered role back to the same worker', () => {
    expect(practitionerRoleInbound.toRecord(asRole(worker), worker.id, worker)).toEqual(worker);
  });

  it('creates a worker named by practitioner.display, with the id of the Practitioner it names', () => {
    expect(practitionerRoleInbound.idFromResource!(asRole(worker))).toBe('W-001');
    expect(practitionerRoleInbound.toRecord(asRole(worker), worker.id, undefined)).toEqual(worker);
    const unnamed = changed(asRole(worker), { practitioner: undefined });
    expect(practitionerRoleInbound.toRecord(unnamed, worker.id, undefined)).toMatchObject({ givenNames: [], familyName: '' });
  });

  it('keeps the name held, which the Practitioner writes', () => {
    const held = { ...worker, givenNames: ['Amira', 'Noor'] };
    expect(practitionerRoleInbound.toRecord(asRole(worker), worker.id, held).givenNames).toEqual(['Amira', 'Noor']);
  });

  it('names the team it needs', () => {
    expect(practitionerRoleInbound.references(worker)).toEqual([
      { kind: 'organisation', id: 'TEAM-OAN', expression: 'PractitionerRole.organization', organisationKinds: ['team', 'council'] },
    ]);
  });

  it('refuses another Practitioner, no team, and no role', () => {
    const role = asRole(worker);
    expect(refusal(() => practitionerRoleInbound.toRecord(changed(role, { practitioner: { reference: 'Practitioner/W-002' } }), worker.id, worker))).toMatchObject({
      status: 400,
      expression: ['PractitionerRole.practitioner'],
    });
    expect(refusal(() => practitionerRoleInbound.toRecord(changed(role, { organization: undefined }), worker.id, worker))).toMatchObject({
      status: 400,
      expression: ['PractitionerRole.organization'],
    });
    expect(refusal(() => practitionerRoleInbound.toRecord(changed(role, { code: undefined }), worker.id, worker))).toMatchObject({
      status: 400,
      expression: ['PractitionerRole.code'],
    });
  });
});

describe('Practitioner -> Worker', () => {
  it('maps a rendered practitioner back to the same worker, keeping the team and role', () => {
    expect(practitionerInbound.toRecord(asPractitioner(worker), worker.id, worker)).toEqual(worker);
    const renamed = changed(asPractitioner(worker), { name: [{ use: 'official', family: 'Hassan-Reid', given: ['Amira'] }] });
    expect(practitionerInbound.toRecord(renamed, worker.id, worker)).toEqual({ ...worker, familyName: 'Hassan-Reid' });
  });

  it('needs the worker, created through their PractitionerRole', () => {
    expect(practitionerInbound.needsCurrent).toContain('PractitionerRole');
    expect(refusal(() => practitionerInbound.toRecord(asPractitioner(worker), worker.id, undefined))).toMatchObject({ status: 422 });
  });

  it('refuses a worker identifier naming someone else', () => {
    const other = changed(asPractitioner(worker), { identifier: [{ ...asPractitioner(worker).identifier![0], value: 'W-002' }] });
    expect(refusal(() => practitionerInbound.toRecord(other, worker.id, worker))).toMatchObject({ status: 400, expression: ['Practitioner.identifier'] });
  });
});
