import { Organization } from '@medplum/fhirtypes';
import { Organisation } from '../../../src/domain/organisation';
import { organizationInbound } from '../../../src/fhir/inbound/organization';
import { toOrganization } from '../../../src/fhir/resources/organization';
import { ODS_ORGANIZATION_SYSTEM } from '../../../src/fhir/systems';
import { changed, council, provider, refusal, stored, team } from './records';

const asFhir = (o: Organisation): Organization => toOrganization(stored(o));

describe('Organization -> Organisation', () => {
  it('maps a rendered council, team and provider back to the same record, out-of-hours numbers included', () => {
    for (const o of [council, team, provider]) expect(organizationInbound.toRecord(asFhir(o), o.id, o)).toEqual(o);
  });

  it('names the organisation a team is part of', () => {
    expect(organizationInbound.references(team)).toEqual([{ kind: 'organisation', id: 'ORG-WXB', expression: 'Organization.partOf' }]);
    expect(organizationInbound.references(provider)).toEqual([]);
  });

  it('reads the out-of-hours contact whatever its case', () => {
    const org = asFhir(provider);
    const lower = changed(org, { contact: [{ ...org.contact![0], purpose: { text: 'OUT OF HOURS' } }] });
    expect(organizationInbound.toRecord(lower, provider.id, undefined)).toEqual(provider);
  });

  it('refuses an unknown kind, no name, another contact, two ODS codes and an inactive organisation', () => {
    const org = asFhir(council);
    expect(refusal(() => organizationInbound.toRecord(changed(org, { type: [{ coding: [{ system: org.type![0].coding![0].system, code: 'edu' }] }] }), council.id, council))).toMatchObject({
      status: 400,
      expression: ['Organization.type'],
    });
    expect(refusal(() => organizationInbound.toRecord(changed(org, { type: undefined }), council.id, council))).toMatchObject({
      status: 400,
      expression: ['Organization.type'],
    });
    expect(refusal(() => organizationInbound.toRecord(changed(org, { name: undefined }), council.id, council))).toMatchObject({
      status: 400,
      expression: ['Organization.name'],
    });
    expect(
      refusal(() => organizationInbound.toRecord(changed(org, { contact: [{ purpose: { text: 'Billing' }, telecom: [{ system: 'phone', value: '0115 496 0999' }] }] }), council.id, council)),
    ).toMatchObject({ status: 400, expression: ['Organization.contact[0].purpose'] });
    expect(
      refusal(() =>
        organizationInbound.toRecord(changed(org, { identifier: [{ system: ODS_ORGANIZATION_SYSTEM, value: 'WXB' }, { system: ODS_ORGANIZATION_SYSTEM, value: 'WXC' }] }), council.id, council),
      ),
    ).toMatchObject({ status: 400, expression: ['Organization.identifier'] });
    expect(refusal(() => organizationInbound.toRecord(changed(org, { active: false }), council.id, council))).toMatchObject({
      status: 422,
      expression: ['Organization.active'],
    });
  });

  it('refuses a fax number and a partOf that is not an Organization', () => {
    const org = asFhir(team);
    expect(refusal(() => organizationInbound.toRecord(changed(org, { telecom: [{ system: 'fax', value: '0115 496 0129' }] }), team.id, team))).toMatchObject({
      status: 400,
      expression: ['Organization.telecom[0].system'],
    });
    expect(refusal(() => organizationInbound.toRecord(changed(org, { partOf: { reference: 'Location/L1' } }), team.id, team))).toMatchObject({
      status: 400,
      expression: ['Organization.partOf'],
    });
  });
});
