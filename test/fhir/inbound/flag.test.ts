import { Flag } from '@medplum/fhirtypes';
import { SafeguardingConcern } from '../../../src/domain/safeguarding';
import { flagInbound } from '../../../src/fhir/inbound/flag';
import { toFlag } from '../../../src/fhir/resources/flag';
import { changed, mappingContext, refusal, stored } from './records';

const openConcern: SafeguardingConcern = {
  id: 'SG-0001',
  personId: 'WXB-200001',
  status: 'open',
  concernType: 'financial',
  raisedDate: '2026-09-14',
  contactTeamId: 'TEAM-SGH',
};
const closedConcern: SafeguardingConcern = { ...openConcern, id: 'SG-0002', status: 'closed', concernType: 'self-neglect', closedDate: '2026-10-02' };

const asFhir = (c: SafeguardingConcern, view: 'health' | 'social-care-restricted' = 'social-care-restricted'): Flag => toFlag(stored(c), mappingContext(view));

describe('Flag -> SafeguardingConcern', () => {
  it('maps a rendered concern back to the same record', () => {
    for (const c of [openConcern, closedConcern]) expect(flagInbound.toRecord(asFhir(c), c.id, c)).toEqual(c);
    expect(flagInbound.toRecord(asFhir(openConcern), openConcern.id, undefined)).toEqual(openConcern);
  });

  it('keeps the type held when the Flag leaves it out (the health view), and requires it of a new concern', () => {
    const untyped = asFhir(openConcern, 'health');
    expect(flagInbound.toRecord(untyped, openConcern.id, openConcern)).toEqual(openConcern);
    expect(refusal(() => flagInbound.toRecord(untyped, openConcern.id, undefined))).toMatchObject({ status: 400, expression: ['Flag.code'] });
  });

  it('names the person and the team to contact', () => {
    expect(flagInbound.references(openConcern)).toEqual([
      { kind: 'person', id: 'WXB-200001', expression: 'Flag.subject' },
      { kind: 'organisation', id: 'TEAM-SGH', expression: 'Flag.author', organisationKinds: ['team', 'council'] },
    ]);
  });

  it('refuses entered-in-error, a missing raised date, a missing author and a category other than safeguarding', () => {
    const flag = asFhir(openConcern);
    expect(refusal(() => flagInbound.toRecord(changed(flag, { status: 'entered-in-error' }), openConcern.id, openConcern))).toMatchObject({
      status: 400,
      expression: ['Flag.status'],
    });
    expect(refusal(() => flagInbound.toRecord(changed(flag, { period: { end: '2026-10-02' } }), openConcern.id, openConcern))).toMatchObject({
      status: 400,
      expression: ['Flag.period.start'],
    });
    expect(refusal(() => flagInbound.toRecord(changed(flag, { author: undefined }), openConcern.id, openConcern))).toMatchObject({
      status: 400,
      expression: ['Flag.author'],
    });
    expect(refusal(() => flagInbound.toRecord(changed(flag, { category: [{ text: 'Falls risk' }] }), openConcern.id, openConcern))).toMatchObject({
      status: 400,
      expression: ['Flag.category'],
    });
  });

  it('refuses an author that is a PractitionerRole, and an unknown concern type', () => {
    const flag = asFhir(openConcern);
    expect(refusal(() => flagInbound.toRecord(changed(flag, { author: { reference: 'PractitionerRole/W-001' } }), openConcern.id, openConcern))).toMatchObject({
      status: 400,
      expression: ['Flag.author'],
    });
    const unknown = changed(flag, { code: { coding: [{ ...flag.code.coding![0], code: 'theft' }] } });
    expect(refusal(() => flagInbound.toRecord(unknown, openConcern.id, openConcern))).toMatchObject({ status: 400, expression: ['Flag.code'] });
  });
});
