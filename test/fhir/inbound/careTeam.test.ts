import { CareTeam } from '@medplum/fhirtypes';
import { Person } from '../../../src/domain/person';
import { careTeamInbound } from '../../../src/fhir/inbound/careTeam';
import { toCareTeam } from '../../../src/fhir/resources/careTeam';
import { changed, mappingContext, margaret, refusal, stored } from './records';

const asFhir = (person: Person): CareTeam => toCareTeam(stored(person), mappingContext());

describe('CareTeam -> the person it allocates', () => {
  it('maps a rendered care team back to the same person', () => {
    expect(careTeamInbound.toRecord(asFhir(margaret), margaret.id, margaret)).toEqual(margaret);
    expect(careTeamInbound.idFromResource!(asFhir(margaret))).toBe('WXB-200001');
  });

  it('allocates from the participants and keeps everything else about the person', () => {
    const { allocatedWorkerId, ...unallocated } = margaret;
    expect(allocatedWorkerId).toBe('W-001');
    const held: Person = { ...unallocated, responsibleTeamId: 'TEAM-SGH' };
    expect(careTeamInbound.toRecord(asFhir(margaret), margaret.id, held)).toEqual(margaret);
    expect(careTeamInbound.references(margaret)).toEqual([
      { kind: 'worker', id: 'W-001', expression: 'CareTeam.participant.member' },
      { kind: 'organisation', id: 'TEAM-OAN', expression: 'CareTeam.participant.member', organisationKinds: ['team', 'council'] },
    ]);
  });

  it('clears a kind of member left out: no PractitionerRole deallocates', () => {
    const team = asFhir(margaret);
    const teamOnly = changed(team, { participant: team.participant!.filter((p) => p.member!.reference!.startsWith('Organization/')) });
    const record = careTeamInbound.toRecord(teamOnly, margaret.id, margaret);
    expect(record).not.toHaveProperty('allocatedWorkerId');
    expect(record.responsibleTeamId).toBe('TEAM-OAN');
  });

  it('refuses two workers', () => {
    const team = asFhir(margaret);
    const twoWorkers = changed(team, { participant: [...team.participant!, { member: { reference: 'PractitionerRole/W-002' } }] });
    expect(refusal(() => careTeamInbound.toRecord(twoWorkers, margaret.id, margaret))).toMatchObject({ status: 400, expression: ['CareTeam.participant'] });
  });

  it('refuses a member of another type, and a subject other than the person', () => {
    const team = asFhir(margaret);
    const practitioner = changed(team, { participant: [{ member: { reference: 'Practitioner/W-001' } }] });
    expect(refusal(() => careTeamInbound.toRecord(practitioner, margaret.id, margaret))).toMatchObject({
      status: 400,
      expression: ['CareTeam.participant[0].member'],
    });
    expect(refusal(() => careTeamInbound.toRecord(changed(team, { subject: { reference: 'Patient/WXB-200002' } }), margaret.id, margaret))).toMatchObject({
      status: 400,
      expression: ['CareTeam.subject'],
    });
  });

  it('needs the person to exist', () => {
    expect(careTeamInbound.needsCurrent).toContain('Patient');
    expect(refusal(() => careTeamInbound.toRecord(asFhir(margaret), margaret.id, undefined))).toMatchObject({ status: 422 });
  });
});
