import { Contact } from '../../src/domain/contact';
import { addWorkingDays, contradictsRecord, IntakeSituation, openContactOf, planIntake } from '../../src/domain/intake';
import { HospitalNotice, NoticeKind } from '../../src/domain/notice';
import { OPENED_FROM_NOTICE_PREFIX } from '../../src/domain/person';

/** A notice sent on Thursday 2026-11-26, about person P1, from hospital RX1. */
function notice(kind: NoticeKind, changes: Partial<HospitalNotice> = {}): HospitalNotice {
  return {
    id: 'N2',
    senderIdentifier: { system: 'urn:test', value: 'N2' },
    kind,
    personId: 'P1',
    nhsNumber: '9990000018',
    senderOds: 'RX1',
    sent: '2026-11-26T10:00:00.000Z',
    referralId: kind === 'assessment' || kind === 'admission' ? 'N2' : 'N1',
    document: {},
    ...changes,
  };
}

function contact(changes: Partial<Contact> = {}): Contact {
  return {
    id: 'C1',
    noticeId: 'N1',
    referralId: 'N1',
    personId: 'P1',
    purpose: 'assessment',
    kind: 'assessment',
    ownerTeamId: 'TEAM-HDT',
    requesterOds: 'RX1',
    status: 'requested',
    businessStatus: 'Assessment notice received',
    dueDate: '2026-11-30',
    inputs: [],
    createdAt: '2026-11-25T10:00:00.000Z',
    ...changes,
  };
}

function situation(n: HospitalNotice, changes: Partial<IntakeSituation> = {}): IntakeSituation {
  return { notice: n, hasActivePackage: false, intakeTeamId: 'TEAM-HDT', today: '2026-11-26', ...changes };
}

describe('planIntake', () => {
  describe('assessment notice', () => {
    it('opens a requested assessment contact for the intake team, due on the discharge date the notice gives', () => {
      const action = planIntake(situation(notice('assessment', { dischargeDate: '2026-12-03' }), { responsibleTeamId: 'TEAM-EAST' }));
      expect(action).toEqual({
        type: 'create-contact',
        contact: {
          noticeId: 'N2',
          referralId: 'N2',
          personId: 'P1',
          purpose: 'assessment',
          kind: 'assessment',
          ownerTeamId: 'TEAM-HDT',
          requesterOds: 'RX1',
          status: 'requested',
          businessStatus: 'Assessment notice received',
          dueDate: '2026-12-03',
          inputs: [],
        },
      });
    });

    it('without a discharge date, is due two working days after it was sent (over the weekend)', () => {
      const action = planIntake(situation(notice('assessment')));
      // Sent Thursday: Friday and Monday.
      expect(action.type === 'create-contact' && action.contact.dueDate).toBe('2026-11-30');
    });
  });

  describe('admission notice', () => {
    it('does nothing when the person has no active care package', () => {
      expect(planIntake(situation(notice('admission')))).toEqual({ type: 'none', why: 'no active care package to review' });
    });

    it('opens a package review for the responsible team, due the next working day', () => {
      const action = planIntake(situation(notice('admission'), { hasActivePackage: true, responsibleTeamId: 'TEAM-EAST' }));
      expect(action).toMatchObject({
        type: 'create-contact',
        contact: { purpose: 'package-review', ownerTeamId: 'TEAM-EAST', dueDate: '2026-11-27', businessStatus: 'Admitted to hospital: review or suspend the care package' },
      });
    });

    it('falls back to the intake team when the person has no responsible team', () => {
      const action = planIntake(situation(notice('admission'), { hasActivePackage: true }));
      expect(action.type === 'create-contact' && action.contact.ownerTeamId).toBe('TEAM-HDT');
    });
  });

  describe('discharge notice', () => {
    it('is added to the open contact of its referral, moving its due date to the discharge date', () => {
      const open = contact({ inputs: [{ kind: 'admission', noticeId: 'N0' }] });
      const action = planIntake(situation(notice('discharge', { dischargeDate: '2026-12-01' }), { openContact: open }));
      expect(action).toEqual({
        type: 'update-contact',
        contactId: 'C1',
        changes: {
          businessStatus: 'Discharge notice received',
          dueDate: '2026-12-01',
          inputs: [
            { kind: 'admission', noticeId: 'N0' },
            { kind: 'discharge', noticeId: 'N2' },
          ],
        },
      });
    });

    it('keeps the contact due date when it gives no discharge date', () => {
      const action = planIntake(situation(notice('discharge'), { openContact: contact() }));
      expect(action.type === 'update-contact' && action.changes.dueDate).toBe('2026-11-30');
    });

    it("never rewords a business status the council wrote", () => {
      const action = planIntake(situation(notice('discharge'), { openContact: contact({ businessStatus: 'Social worker visiting Tuesday' }) }));
      expect(action.type).toBe('update-contact');
      expect(action.type === 'update-contact' && 'businessStatus' in action.changes).toBe(false);
    });

    it('with no open contact, opens a discharge contact due on the discharge date, or today', () => {
      const dated = planIntake(situation(notice('discharge', { dischargeDate: '2026-12-02' })));
      expect(dated).toMatchObject({ type: 'create-contact', contact: { purpose: 'discharge', referralId: 'N1', dueDate: '2026-12-02', ownerTeamId: 'TEAM-HDT' } });
      const undated = planIntake(situation(notice('discharge')));
      expect(undated.type === 'create-contact' && undated.contact.dueDate).toBe('2026-11-26');
    });
  });

  describe('withdrawals', () => {
    const reason = { code: '12', text: 'Notice sent in error' };

    it('withdrawing all cancels the open contact with the reason', () => {
      const action = planIntake(situation(notice('withdraw-all', { withdrawalReason: reason }), { openContact: contact() }));
      expect(action).toEqual({
        type: 'update-contact',
        contactId: 'C1',
        changes: { status: 'cancelled', statusReason: reason, businessStatus: 'Withdrawn by the hospital', inputs: [{ kind: 'withdraw-all', noticeId: 'N2' }] },
      });
    });

    it('withdrawing the assessment notice cancels the contact too, even one the council has reworded', () => {
      const action = planIntake(situation(notice('withdraw-assessment', { withdrawalReason: reason }), { openContact: contact({ businessStatus: 'Visiting' }) }));
      expect(action).toMatchObject({ type: 'update-contact', changes: { status: 'cancelled', businessStatus: 'Withdrawn by the hospital' } });
    });

    it('withdrawing only the discharge notice leaves the contact open and says so', () => {
      const action = planIntake(situation(notice('withdraw-discharge', { withdrawalReason: reason }), { openContact: contact() }));
      expect(action).toEqual({
        type: 'update-contact',
        contactId: 'C1',
        changes: { businessStatus: 'Discharge notice withdrawn', inputs: [{ kind: 'withdraw-discharge', noticeId: 'N2' }] },
      });
      const reworded = planIntake(situation(notice('withdraw-discharge'), { openContact: contact({ businessStatus: 'Visiting' }) }));
      expect(reworded.type === 'update-contact' && 'businessStatus' in reworded.changes).toBe(false);
    });

    it('does nothing when the referral has no open contact', () => {
      expect(planIntake(situation(notice('withdraw-all', { withdrawalReason: reason })))).toEqual({ type: 'none', why: 'no open contact for this referral' });
    });
  });
});

describe('openContactOf', () => {
  it('finds the referral contact that is still open, passing over closed ones', () => {
    const closed = contact({ id: 'C0', status: 'cancelled' });
    const open = contact({ id: 'C2', status: 'in-progress' });
    expect(openContactOf([closed, open])?.id).toBe('C2');
    expect(openContactOf([closed, contact({ id: 'C3', status: 'completed' }), contact({ id: 'C4', status: 'rejected' })])).toBeUndefined();
  });
});

describe('contradictsRecord', () => {
  const record = { id: 'WXB-100001', birthDate: '1941-06-12' };

  it('is true when the notice gives another birth date than the council record', () => {
    expect(contradictsRecord(record, { birthDate: '1941-06-13' })).toBe(true);
  });

  it('is false when the birth dates agree, or the notice gives none', () => {
    expect(contradictsRecord(record, { birthDate: '1941-06-12' })).toBe(false);
    expect(contradictsRecord(record, { birthDate: '' })).toBe(false);
    expect(contradictsRecord(record, undefined)).toBe(false);
  });

  it('never holds against a record opened from an earlier notice, which is one hospital\'s word', () => {
    expect(contradictsRecord({ id: `${OPENED_FROM_NOTICE_PREFIX}1234`, birthDate: '1941-06-12' }, { birthDate: '1950-01-01' })).toBe(false);
  });
});

describe('addWorkingDays', () => {
  it('skips Saturdays and Sundays', () => {
    expect(addWorkingDays('2026-11-27', 1)).toBe('2026-11-30'); // Friday -> Monday
    expect(addWorkingDays('2026-11-28', 1)).toBe('2026-11-30'); // Saturday -> Monday
    expect(addWorkingDays('2026-11-23', 2)).toBe('2026-11-25'); // Monday -> Wednesday
    expect(addWorkingDays('2026-11-23', 0)).toBe('2026-11-23');
  });
});
